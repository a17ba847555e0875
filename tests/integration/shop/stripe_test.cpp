// The Stripe gateway through the real shop binary (SHOP_PAYMENT_GATEWAY=stripe)
// against a local stub of Stripe's API: the exact calls, form fields,
// Idempotency-Key and Authorization, and Stripe errors mapped to answers.
#include <gtest/gtest.h>

#include "pay_fixture.hpp"
#include "stripe_stub_fixture.hpp"

namespace {

using namespace shop_test;

std::map<std::string, std::string> stripe_env(const StubHttpServer& stub) {
  return {{"SHOP_PAYMENT_GATEWAY", "stripe"},
          {"SHOP_STRIPE_SECRET_KEY", "sk_test_stub"},
          {"SHOP_STRIPE_API_BASE", stub.base_url()}};
}

class ShopStripe : public ::testing::TestWithParam<std::string> {
 protected:
  ShopStripe()
      : stub(fake_stripe()),
        server(GetParam(), stripe_env(stub)),
        db(open_db(server)),
        user(add_user(*db, "buyer")),
        product(add_product(*db, "Bolt Headphones", 120099)),
        address(add_address(server, user, "Texas")) {}

  HttpResponse checkout(const std::string& number, const std::string& key, bool save = false) {
    boost::json::object body{
        {"product_id", product},
        {"address_id", address},
        {"card", {{"number", number}, {"exp_month", 8}, {"exp_year", 2040}, {"cvc", "123"}}},
        {"save_card", save}};
    return server.send("POST", "/api/checkout/", boost::json::serialize(body),
                       {{"Content-Type", "application/json"}, {"Idempotency-Key", key}},
                       user.token);
  }

  StubHttpServer stub;
  ShopServer server;
  std::shared_ptr<ts::db::Pool> db;
  TestUser user;
  std::int64_t product;
  std::int64_t address;
};

TEST_P(ShopStripe, CheckoutMakesTheExpectedCalls) {
  auto r = checkout("4242424242424242", "order-1");
  ASSERT_EQ(r.status, 201) << r.body << "\n" << server.service().process().log();
  EXPECT_EQ(json(r).at("total_price"), "1200.99");

  const auto calls = stub.requests();
  ASSERT_EQ(calls.size(), 4u);
  for (const auto& c : calls) {
    EXPECT_EQ(c.header("authorization"), "Bearer sk_test_stub");
    EXPECT_EQ(c.method, "POST");
    EXPECT_EQ(c.header("content-type"), "application/x-www-form-urlencoded");
    EXPECT_FALSE(c.header("idempotency-key").empty());
  }
  EXPECT_EQ(calls[0].path, "/v1/customers");
  EXPECT_EQ(calls[0].form().at("email"), "buyer@example.com");
  EXPECT_EQ(calls[1].path, "/v1/tokens");
  EXPECT_EQ(calls[1].form(),
            (std::map<std::string, std::string>{{"card[number]", "4242424242424242"},
                                                {"card[exp_month]", "8"},
                                                {"card[exp_year]", "2040"},
                                                {"card[cvc]", "123"}}));
  EXPECT_EQ(calls[2].path, "/v1/customers/cus_1/sources");
  EXPECT_EQ(calls[2].form().at("source"), "tok_3");
  EXPECT_EQ(calls[3].path, "/v1/charges");
  EXPECT_EQ(calls[3].form(),
            (std::map<std::string, std::string>{{"amount", "120099"},
                                                {"currency", "inr"},
                                                {"customer", "cus_1"},
                                                {"source", "card_2"},
                                                {"description", "Order: Bolt Headphones"}}));
  EXPECT_EQ(calls[3].header("idempotency-key"), "checkout:" + std::to_string(user.id) + ":order-1");
  EXPECT_EQ(db->query("SELECT charge_id FROM shop_orders").scalar<std::string>(), "ch_4");

  // A retry is answered from the store: Stripe is not called again.
  stub.clear();
  auto again = checkout("4242424242424242", "order-1");
  EXPECT_EQ(again.status, 201);
  EXPECT_TRUE(stub.requests().empty());
  EXPECT_EQ(server.service().process().log().find("4242424242424242"), std::string::npos);
}

TEST_P(ShopStripe, DeclinesAndInsufficientFundsBecome402) {
  auto declined = checkout("4000000000000002", "declined");
  EXPECT_EQ(declined.status, 402);
  EXPECT_EQ(declined.body, R"({"detail":"Your card was declined.","code":"card_declined"})");
  auto funds = checkout("4000000000009995", "funds");
  EXPECT_EQ(funds.status, 402);
  EXPECT_EQ(json(funds).at("detail"), "Your card has insufficient funds.");
  EXPECT_EQ(json(funds).at("code"), "insufficient_funds");
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM shop_orders"), 0);
}

TEST_P(ShopStripe, SavedCardUpdateAndDeleteSpeakToStripe) {
  ASSERT_EQ(checkout("4242424242424242", "save", true).status, 201);
  auto cards = json(server.get("/account/stripe-cards/", user.token)).as_array();
  ASSERT_EQ(cards.size(), 1u);
  EXPECT_EQ(cards[0].at("card_id"), "card_2");
  EXPECT_EQ(cards[0].at("customer_id"), "cus_1");
  stub.clear();

  boost::json::object update{{"customer_id", "cus_1"}, {"card_id", "card_2"},
                             {"card_number", ""},      {"exp_month", "9"},
                             {"exp_year", ""},         {"name_on_card", "Buyer One"},
                             {"address_city", ""},     {"address_country", "IN"},
                             {"address_state", ""},    {"address_zip", ""}};
  auto u = server.post("/payments/update-card/", update, user.token);
  ASSERT_EQ(u.status, 200) << u.body;
  auto calls = stub.requests();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].method, "POST");
  EXPECT_EQ(calls[0].path, "/v1/customers/cus_1/sources/card_2");
  EXPECT_EQ(calls[0].form(),
            (std::map<std::string, std::string>{
                {"exp_month", "9"}, {"name", "Buyer One"}, {"address_country", "IN"}}));
  stub.clear();
  auto details = server.send("GET", "/payments/card-details/", "",
                             {{"Customer-Id", "cus_1"}, {"Card-Id", "card_2"}}, user.token);
  EXPECT_EQ(details.status, 200);
  ASSERT_EQ(stub.requests().size(), 1u);
  EXPECT_EQ(stub.requests()[0].method, "GET");
  stub.clear();

  auto d = server.post("/payments/delete-card/", {{"card_id", "card_2"}}, user.token);
  EXPECT_EQ(d.status, 200) << d.body;
  calls = stub.requests();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].method, "DELETE");
  EXPECT_EQ(calls[0].path, "/v1/customers/cus_1/sources/card_2");
  EXPECT_EQ(calls[1].method, "DELETE");
  EXPECT_EQ(calls[1].path, "/v1/customers/cus_1");
}

TEST_P(ShopStripe, OriginalClientFlowThroughStripe) {
  auto created = server.post("/payments/create-card/",
                             {{"email", "buyer@example.com"},
                              {"number", "4242 4242 4242 4242"},
                              {"exp_month", 8},
                              {"exp_year", 2040},
                              {"cvc", 123},
                              {"save_card", false}},
                             user.token);
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(json(created).at("customer_id"), "cus_1");
  auto charged = server.post("/payments/charge-customer/",
                             {{"email", "buyer@example.com"},
                              {"amount", "1200.99"},
                              {"name", "buyer"},
                              {"card_number", "4242"},
                              {"address", "somewhere on earth near shop, new delhi, Texas 110000"},
                              {"ordered_item", "Bolt Headphones"},
                              {"paid_status", true},
                              {"total_price", "1200.99"},
                              {"is_delivered", false},
                              {"delivered_at", "Not Delivered"}},
                             user.token);
  ASSERT_EQ(charged.status, 200) << charged.body;
  EXPECT_EQ(json(charged).at("data").at("customer_id"), "cus_1");
  const auto calls = stub.requests();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[3].path, "/v1/charges");
  EXPECT_EQ(calls[3].form().at("amount"), "120099");
  EXPECT_EQ(calls[3].header("idempotency-key").rfind("charge:" + std::to_string(user.id) + ":", 0),
            0u);
}

INSTANTIATE_TEST_SUITE_P(Engines, ShopStripe, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

TEST(ShopStripeOutage, AnUnreachableStripeIs503AndNoOrder) {
  std::unique_ptr<StubHttpServer> gone = std::make_unique<StubHttpServer>(fake_stripe());
  const auto base = gone->base_url();
  gone.reset();  // nothing listens there any more
  ShopServer server("sqlite", {{"SHOP_PAYMENT_GATEWAY", "stripe"},
                               {"SHOP_STRIPE_SECRET_KEY", "sk_test_stub"},
                               {"SHOP_STRIPE_API_BASE", base}});
  auto db = open_db(server);
  auto user = add_user(*db, "buyer");
  const auto product = add_product(*db, "Bolt Headphones", 120099);
  const auto address = add_address(server, user);
  boost::json::object body{
      {"product_id", product},
      {"address_id", address},
      {"card",
       {{"number", "4242424242424242"}, {"exp_month", 8}, {"exp_year", 2040}, {"cvc", "123"}}}};
  auto r = server.send("POST", "/api/checkout/", boost::json::serialize(body),
                       {{"Idempotency-Key", "k"}}, user.token);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(json(r).at("detail"), "Network error, Failed to establish a new connection.");
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM shop_orders"), 0);
  // The key was released: the same request may be retried.
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM shop_idempotency_keys"), 0);
}

}  // namespace
