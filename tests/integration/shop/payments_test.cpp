// Saved cards, the original client's checkout (create-card → charge-customer)
// and the idempotent /api/checkout/, on the sandbox gateway (spec §2.4, §3,
// original tests 27-28, issue 3): never a full card number in a response,
// the database or the log.
#include <gtest/gtest.h>

#include <thread>

#include "pay_fixture.hpp"

namespace {

using namespace shop_test;

const std::string kVisa = "4242424242424242";
const std::string kDeclined = "4000000000000002";
const std::string kNoFunds = "4000000000009995";

class ShopPayments : public ::testing::TestWithParam<std::string> {
 protected:
  ShopPayments()
      : server(GetParam(), {{"SHOP_ACCESS_LOG", "true"}, {"SHOP_LOG_LEVEL", "debug"}}),
        db(open_db(server)),
        testuser(add_user(*db, "testuser")),
        other(add_user(*db, "other")),
        admin(add_user(*db, "admin", true)),
        chair(add_product(*db, "Computer Chairs", 599999)),
        sold_out(add_product(*db, "Playstation 5", 3000000, false)) {}

  boost::json::object card(const std::string& number, bool save = false) {
    return {{"email", testuser.email}, {"number", number}, {"exp_month", 8},
            {"exp_year", 2040},        {"cvc", 123},       {"save_card", save}};
  }
  // The original client's charge-customer body for the chair and an address.
  boost::json::object charge_body(const std::string& last4) {
    return {{"email", testuser.email},
            {"amount", "5999.99"},
            {"name", "testuser"},
            {"card_number", last4},
            {"address", "somewhere on earth, near near shop, new delhi, \n        delhi, 110000"},
            {"ordered_item", "Computer Chairs"},
            {"paid_status", true},
            {"total_price", "5999.99"},
            {"is_delivered", false},
            {"delivered_at", "Not Delivered"}};
  }
  boost::json::object checkout_body(std::int64_t address, const std::string& number) {
    return {{"product_id", chair},
            {"address_id", address},
            {"card", {{"number", number}, {"exp_month", 12}, {"exp_year", 2040}, {"cvc", "123"}}},
            {"expected_total", "5999.99"}};
  }
  HttpResponse checkout(const boost::json::object& body, const std::string& key,
                        const TestUser& user) {
    std::map<std::string, std::string> headers{{"Content-Type", "application/json"}};
    if (!key.empty()) headers["Idempotency-Key"] = key;
    return server.send("POST", "/api/checkout/", boost::json::serialize(body), headers, user.token);
  }
  int orders() { return count(*db, "SELECT COUNT(*) FROM shop_orders"); }
  void expect_no_pan() {
    for (const auto& pan : {kVisa, kDeclined, kNoFunds}) {
      for (const char* table : {"shop_cards", "shop_orders", "shop_idempotency_keys"})
        EXPECT_EQ(dump_table(*db, table).find(pan), std::string::npos) << table;
      EXPECT_EQ(service_log(server).find(pan), std::string::npos);
    }
  }

  ShopServer server;
  std::shared_ptr<ts::db::Pool> db;
  TestUser testuser, other, admin;
  std::int64_t chair, sold_out;
};

TEST_P(ShopPayments, CheckTokenAndRetiredTestPayment) {
  auto ok = server.get("/payments/check-token/", testuser.token);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "\"Token is Valid\"");
  EXPECT_EQ(server.get("/payments/check-token/").status, 401);
  EXPECT_EQ(server.post("/payments/test-payment/", boost::json::object{}).status, 401);
  EXPECT_EQ(server.post("/payments/test-payment/", boost::json::object{}, testuser.token).status,
            403);
  EXPECT_EQ(server.post("/payments/test-payment/", boost::json::object{}, admin.token).status, 410);
}

TEST_P(ShopPayments, SavedCardsKeepOnlyGatewayIdsAndLastFour) {
  auto r = server.post("/payments/create-card/", card(kVisa, true), testuser.token);
  ASSERT_EQ(r.status, 200) << r.body;
  auto created = json(r).as_object();
  EXPECT_EQ(keys_of(created), (std::vector<std::string>{"customer_id", "email", "card_data"}));
  EXPECT_EQ(created.at("customer_id").as_string().subview().substr(0, 4), "cus_");
  const auto& data = created.at("card_data").as_object();
  EXPECT_EQ(data.at("last4"), "4242");
  EXPECT_EQ(data.at("brand"), "Visa");
  EXPECT_EQ(r.body.find(kVisa), std::string::npos);
  // Another user's card (original test 27 setup): never shown to testuser.
  ASSERT_EQ(server
                .post("/payments/create-card/",
                      {{"email", other.email},
                       {"number", "5555555555554444"},
                       {"exp_month", "8"},
                       {"exp_year", "2040"},
                       {"cvc", "321"},
                       {"save_card", true}},
                      other.token)
                .status,
            200);

  // Original tests 27-28, with the PAN assertion reversed.
  auto list = server.get("/account/stripe-cards/", testuser.token);
  ASSERT_EQ(list.status, 200);
  auto cards = json(list).as_array();
  ASSERT_EQ(cards.size(), 1u);
  const auto& c = cards[0].as_object();
  EXPECT_EQ(keys_of(c),
            (std::vector<std::string>{"id", "email", "name_on_card", "customer_id", "card_number",
                                      "exp_month", "exp_year", "card_id", "address_city",
                                      "address_country", "address_state", "address_zip", "user"}));
  EXPECT_EQ(c.at("card_number"), "4242");
  EXPECT_EQ(c.at("exp_month"), "8");
  EXPECT_EQ(c.at("exp_year"), "2040");
  EXPECT_EQ(c.at("email").as_string(), testuser.email);
  EXPECT_EQ(list.body.find("4444"), std::string::npos);
  EXPECT_EQ(list.body.find(kVisa), std::string::npos);
  EXPECT_EQ(server.get("/account/stripe-cards/").status, 401);

  // Saving the same card twice is refused before the gateway is called.
  auto again = server.post("/payments/create-card/", card(kVisa, true), testuser.token);
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(json(again).at("detail"),
            "Card already in use, please uncheck save card option or select a card from saved "
            "card list.");
  expect_no_pan();
}

TEST_P(ShopPayments, CreateCardValidatesBeforeTheGateway) {
  auto bad = server.post("/payments/create-card/", card("4242424242424241"), testuser.token);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json(bad).at("detail"), "Your card number is incorrect.");
  auto expired = card(kVisa);
  expired["exp_year"] = 2020;
  auto e = server.post("/payments/create-card/", expired, testuser.token);
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(json(e).at("code"), "expired_card");
  auto cvc = card(kVisa);
  cvc["cvc"] = "12";
  EXPECT_EQ(server.post("/payments/create-card/", cvc, testuser.token).status, 400);
  auto missing = server.post("/payments/create-card/", {{"email", "x@y.z"}}, testuser.token);
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(json(missing).at("number").as_array()[0], "This field is required.");
  EXPECT_EQ(server.post("/payments/create-card/", card(kVisa)).status, 401);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM shop_cards"), 0);
}

TEST_P(ShopPayments, OriginalClientFlowChargesTheServerPrice) {
  add_address(server, testuser);
  ASSERT_EQ(server.post("/payments/create-card/", card(kVisa), testuser.token).status, 200);
  auto r = server.post("/payments/charge-customer/", charge_body("4242"), testuser.token);
  ASSERT_EQ(r.status, 200) << r.body;
  auto data = json(r).at("data").as_object();
  EXPECT_EQ(keys_of(data), (std::vector<std::string>{"customer_id", "message"}));
  EXPECT_EQ(data.at("message"), "Payment Successfull");
  EXPECT_EQ(data.at("customer_id").as_string().subview().substr(0, 4), "cus_");

  auto row = db->query(
      "SELECT product_id, card_number, shipping_state, paid_status, paid_at, charge_id, "
      "total_price_cents, delivered_at, ordered_item, address FROM shop_orders");
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(row[0].get<std::int64_t>(0), chair);
  EXPECT_EQ(row[0].get<std::string>(1), "4242");
  EXPECT_EQ(row[0].get<std::string>(2), "delhi");
  EXPECT_TRUE(row[0].get<bool>(3));
  EXPECT_FALSE(row[0].is_null(4));
  EXPECT_EQ(row[0].get<std::string>(5).substr(0, 3), "ch_");
  EXPECT_EQ(row[0].get<std::int64_t>(6), 599999);
  EXPECT_TRUE(row[0].is_null(7));
  EXPECT_EQ(row[0].get<std::string>(8), "Computer Chairs");
  EXPECT_EQ(row[0].get<std::string>(9), "somewhere on earth near shop, new delhi, delhi 110000");
  auto list = json(server.get("/account/all-orders-list/", testuser.token)).as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("total_price"), "5999.99");
  EXPECT_EQ(list[0].at("paid_status"), true);
  expect_no_pan();
}

TEST_P(ShopPayments, ChargeCustomerRefusesClientPricesStockAndUnknownThings) {
  add_address(server, testuser);
  ASSERT_EQ(server.post("/payments/create-card/", card(kVisa), testuser.token).status, 200);
  auto cheap = charge_body("4242");
  cheap["amount"] = "1.00";
  auto r = server.post("/payments/charge-customer/", cheap, testuser.token);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json(r).at("detail"), "The amount does not match the product's price (5999.99).");
  auto cheap_total = charge_body("4242");
  cheap_total["total_price"] = 10;
  EXPECT_EQ(server.post("/payments/charge-customer/", cheap_total, testuser.token).status, 400);
  auto ps5 = charge_body("4242");
  ps5["ordered_item"] = "Playstation 5";
  ps5["amount"] = "30000.00";
  ps5["total_price"] = "30000.00";
  auto out = server.post("/payments/charge-customer/", ps5, testuser.token);
  EXPECT_EQ(out.status, 400);
  EXPECT_EQ(json(out).at("detail"), "This product is out of stock.");
  auto unknown = charge_body("4242");
  unknown["ordered_item"] = "Computer Chair";  // the original's orphan order
  EXPECT_EQ(server.post("/payments/charge-customer/", unknown, testuser.token).status, 400);
  auto elsewhere = charge_body("4242");
  elsewhere["address"] = "an address that is not mine";
  EXPECT_EQ(server.post("/payments/charge-customer/", elsewhere, testuser.token).status, 400);
  EXPECT_EQ(server.post("/payments/charge-customer/", charge_body("1111"), testuser.token).status,
            400);
  auto missing = charge_body("4242");
  missing.erase("amount");
  auto m = server.post("/payments/charge-customer/", missing, testuser.token);
  EXPECT_EQ(m.status, 400);
  EXPECT_EQ(json(m).at("amount").as_array()[0], "This field is required.");
  EXPECT_EQ(server.post("/payments/charge-customer/", charge_body("4242")).status, 401);
  EXPECT_EQ(orders(), 0);
}

TEST_P(ShopPayments, DeclinesAre402AndLeaveNoOrder) {
  add_address(server, testuser);
  ASSERT_EQ(server.post("/payments/create-card/", card(kDeclined), testuser.token).status, 200);
  auto r = server.post("/payments/charge-customer/", charge_body("0002"), testuser.token);
  EXPECT_EQ(r.status, 402);
  EXPECT_EQ(json(r).at("detail"), "Your card was declined.");
  EXPECT_EQ(json(r).at("code"), "card_declined");
  EXPECT_EQ(orders(), 0);
  expect_no_pan();
}

TEST_P(ShopPayments, CheckoutHappyPathDeclineAndInsufficientFunds) {
  const auto address = add_address(server, testuser, "Alaska");
  auto ok = checkout(checkout_body(address, kVisa), "key-ok", testuser);
  ASSERT_EQ(ok.status, 201) << ok.body;
  auto order = json(ok).as_object();
  EXPECT_EQ(order.at("total_price"), "5999.99");
  EXPECT_EQ(order.at("card_number"), "4242");
  EXPECT_EQ(order.at("ordered_item"), "Computer Chairs");
  EXPECT_EQ(order.at("paid_status"), true);
  EXPECT_EQ(order.at("user").as_int64(), testuser.id);
  EXPECT_TRUE(order.at("delivered_at").is_null());
  EXPECT_EQ(db->query("SELECT shipping_state FROM shop_orders").scalar<std::string>(), "Alaska");

  auto declined = checkout(checkout_body(address, kDeclined), "key-declined", testuser);
  EXPECT_EQ(declined.status, 402);
  EXPECT_EQ(declined.body, R"({"detail":"Your card was declined.","code":"card_declined"})");
  auto funds = checkout(checkout_body(address, kNoFunds), "key-funds", testuser);
  EXPECT_EQ(funds.status, 402);
  EXPECT_EQ(json(funds).at("detail"), "Your card has insufficient funds.");
  EXPECT_EQ(json(funds).at("code"), "insufficient_funds");
  EXPECT_EQ(orders(), 1);
  // A declined key replays the decline.
  EXPECT_EQ(checkout(checkout_body(address, kDeclined), "key-declined", testuser).body,
            declined.body);
  expect_no_pan();
}

TEST_P(ShopPayments, CheckoutRefusesWhatTheServerDoesNotAgreeWith) {
  const auto address = add_address(server, testuser);
  const auto theirs = add_address(server, other);
  EXPECT_EQ(checkout(checkout_body(address, kVisa), "", testuser).status, 400);
  auto wrong = checkout_body(address, kVisa);
  wrong["expected_total"] = "5000.00";
  auto w = checkout(wrong, "k1", testuser);
  EXPECT_EQ(w.status, 400);
  EXPECT_EQ(json(w).at("expected_total").as_array()[0],
            "The amount does not match the product's price (5999.99).");
  auto ps5 = checkout_body(address, kVisa);
  ps5["product_id"] = sold_out;
  ps5.erase("expected_total");
  auto p = checkout(ps5, "k2", testuser);
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(json(p).at("product").as_array()[0], "This product is out of stock.");
  EXPECT_EQ(checkout(checkout_body(theirs, kVisa), "k3", testuser).status, 400);
  auto nocard = checkout_body(address, kVisa);
  nocard.erase("card");
  EXPECT_EQ(checkout(nocard, "k4", testuser).status, 400);
  EXPECT_EQ(checkout(checkout_body(address, "1234"), "k5", testuser).status, 400);
  EXPECT_EQ(checkout(checkout_body(address, kVisa), "k6", TestUser{}).status, 401);
  EXPECT_EQ(orders(), 0);
  // A refused request frees its key: fixed, the same key goes through.
  auto fixed = checkout(checkout_body(address, kVisa), "k1", testuser);
  EXPECT_EQ(fixed.status, 201) << fixed.body;
  EXPECT_EQ(orders(), 1);
}

TEST_P(ShopPayments, CheckoutIsIdempotent) {
  const auto address = add_address(server, testuser);
  const auto body = checkout_body(address, kVisa);
  auto first = checkout(body, "retry-1", testuser);
  ASSERT_EQ(first.status, 201) << first.body;
  auto second = checkout(body, "retry-1", testuser);
  EXPECT_EQ(second.status, 201);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(second.header("idempotent-replayed"), "true");
  EXPECT_EQ(orders(), 1);
  auto changed = body;
  changed["expected_total"] = 5999.99;
  auto conflict = checkout(changed, "retry-1", testuser);
  EXPECT_EQ(conflict.status, 422);
  EXPECT_EQ(json(conflict).at("code"), "idempotency_key_reused");
  // Keys belong to a user: the same key from someone else is a new request.
  const auto their_address = add_address(server, other);
  EXPECT_EQ(checkout(checkout_body(their_address, kVisa), "retry-1", other).status, 201);
  EXPECT_EQ(orders(), 2);
  EXPECT_EQ(count(*db, "SELECT COUNT(DISTINCT charge_id) FROM shop_orders"), 2);
}

TEST_P(ShopPayments, ConcurrentDuplicatesChargeOnce) {
  const auto address = add_address(server, testuser);
  const auto body = checkout_body(address, kVisa);
  for (int round = 0; round < 3; ++round) {
    const auto key = "concurrent-" + std::to_string(round);
    std::vector<int> statuses(4);
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
      threads.emplace_back([&, i] { statuses[i] = checkout(body, key, testuser).status; });
    for (auto& t : threads) t.join();
    int created = 0;
    for (int s : statuses) {
      EXPECT_TRUE(s == 201 || s == 409) << s;
      created += s == 201;
    }
    EXPECT_GE(created, 1);
    EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM shop_orders WHERE idempotency_key = 'checkout:" +
                             key + "'"),
              1);
    EXPECT_EQ(checkout(body, key, testuser).status, 201);
  }
  EXPECT_EQ(orders(), 3);
}

TEST_P(ShopPayments, SavedCardReuse) {
  const auto address = add_address(server, testuser);
  auto body = checkout_body(address, kVisa);
  body["save_card"] = true;
  ASSERT_EQ(checkout(body, "save-1", testuser).status, 201);
  auto cards = json(server.get("/account/stripe-cards/", testuser.token)).as_array();
  ASSERT_EQ(cards.size(), 1u);
  const auto saved_id = cards[0].at("id").as_int64();
  boost::json::object again{
      {"product_id", chair}, {"address_id", address}, {"saved_card_id", saved_id}};
  auto r = checkout(again, "save-2", testuser);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json(r).at("card_number"), "4242");
  // Someone else's saved card is not usable.
  const auto their_address = add_address(server, other);
  boost::json::object stolen{
      {"product_id", chair}, {"address_id", their_address}, {"saved_card_id", saved_id}};
  auto s = checkout(stolen, "steal", other);
  EXPECT_EQ(s.status, 400);
  EXPECT_EQ(json(s).at("saved_card_id").as_array()[0], "Invalid pk - object does not exist.");
  // The original client's "pay with this card": create-card with the shown number (last four).
  auto reuse = server.post("/payments/create-card/",
                           {{"email", testuser.email},
                            {"number", "4242"},
                            {"exp_month", 12},
                            {"exp_year", 2040},
                            {"cvc", nullptr},
                            {"save_card", false}},
                           testuser.token);
  ASSERT_EQ(reuse.status, 200) << reuse.body;
  EXPECT_EQ(json(reuse).at("card_data").at("id"), cards[0].at("card_id"));
  auto charged = server.post("/payments/charge-customer/", charge_body("4242"), testuser.token);
  EXPECT_EQ(charged.status, 200) << charged.body;
  EXPECT_EQ(orders(), 3);
  expect_no_pan();
}

TEST_P(ShopPayments, UpdateDeleteAndDetailsOfOwnCardsOnly) {
  ASSERT_EQ(server.post("/payments/create-card/", card(kVisa, true), testuser.token).status, 200);
  auto saved = json(server.get("/account/stripe-cards/", testuser.token)).as_array()[0].as_object();
  const std::string customer(saved.at("customer_id").as_string());
  const std::string card_id(saved.at("card_id").as_string());

  auto details = server.send("GET", "/payments/card-details/", "",
                             {{"Customer-Id", customer}, {"Card-Id", card_id}}, testuser.token);
  ASSERT_EQ(details.status, 200) << details.body;
  EXPECT_EQ(json(details).at("last4"), "4242");
  EXPECT_EQ(server
                .send("GET", "/payments/card-details/", "",
                      {{"Customer-Id", customer}, {"Card-Id", card_id}}, other.token)
                .status,
            404);
  EXPECT_EQ(server.get("/payments/card-details/", testuser.token).status, 400);

  boost::json::object update{{"customer_id", ""},       {"card_id", ""},
                             {"card_number", "4242"},   {"exp_month", "11"},
                             {"exp_year", ""},          {"name_on_card", "Test User"},
                             {"address_city", "Delhi"}, {"address_country", ""},
                             {"address_state", ""},     {"address_zip", "110000"}};
  auto u = server.post("/payments/update-card/", update, testuser.token);
  ASSERT_EQ(u.status, 200) << u.body;
  EXPECT_EQ(json(u).at("detail"), "card updated successfully");
  EXPECT_EQ(json(u).at("data").at("Updated Card").at("exp_month").as_int64(), 11);
  auto after = json(server.get("/account/stripe-cards/", testuser.token)).as_array()[0];
  EXPECT_EQ(after.at("exp_month"), "11");
  EXPECT_EQ(after.at("exp_year"), "2040");
  EXPECT_EQ(after.at("name_on_card"), "Test User");
  EXPECT_EQ(after.at("address_zip"), "110000");
  EXPECT_EQ(server.post("/payments/update-card/", update, other.token).status, 404);
  auto partial = update;
  partial.erase("address_zip");
  EXPECT_EQ(server.post("/payments/update-card/", partial, testuser.token).status, 400);

  EXPECT_EQ(server.post("/payments/delete-card/", {{"card_number", "4242"}}, other.token).status,
            404);
  EXPECT_EQ(server.post("/payments/delete-card/", {{"card_number", "9999"}}, testuser.token).status,
            404);
  EXPECT_EQ(server.post("/payments/delete-card/", boost::json::object{}, testuser.token).status,
            400);
  auto d = server.post("/payments/delete-card/", {{"card_number", "4242"}}, testuser.token);
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.body, "\"Card deleted successfully.\"");
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM shop_cards"), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, ShopPayments, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
