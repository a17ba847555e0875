// The sandbox payment gateway as one processor for every shop instance on a
// database (as in `tierstack up`: shop-a and shop-b behind nginx): a card
// saved through one instance pays through the other and after a restart, a
// card deleted through one is refused by the other — by the shop and by the
// processor — and the test cards keep declining after a restart. The sandbox
// keeps no card number anywhere.
#include <gtest/gtest.h>
#include <signal.h>

#include "pay_fixture.hpp"

namespace {

using namespace shop_test;

const std::string kVisa = "4242424242424242";
const std::string kDeclined = "4000000000000002";
const std::string kNoFunds = "4000000000009995";

// Two shop processes (A and B) on one fresh database of either engine.
class SandboxShared : public ::testing::TestWithParam<std::string> {
 protected:
  SandboxShared() : database(GetParam()), env(shop_env(database.url())) {
    env["SHOP_MEDIA_DIR"] = (media.path() / "media").string();
    a = start();  // migrates the database first
    b = start();
    db = ts::db::Pool::open(database.url(), {.max_size = 2});
    user = add_user(*db, "buyer");
    chair = add_product(*db, "Computer Chairs", 599999);
    auto r = send(*a, "POST", "/account/create-address/", address_body("buyer"));
    address = r.status == 200 ? json(r).at("id").as_int64() : 0;
    EXPECT_EQ(r.status, 200) << r.body;
  }

  std::unique_ptr<Service> start() {
    return std::make_unique<Service>(shop_bin(), "SHOP", std::vector<std::string>{"serve"}, env);
  }
  // A restart as after a crash: kill -9, then a new process.
  void restart_a() {
    a->process().signal(SIGKILL);
    a->process().wait(std::chrono::seconds(10));
    a = start();
  }

  HttpResponse send(Service& to, const std::string& method, const std::string& target,
                    const boost::json::value& body, std::map<std::string, std::string> headers = {},
                    const std::string& token = "") {
    headers["Authorization"] = "Bearer " + (token.empty() ? user.token : token);
    headers["Content-Type"] = "application/json";
    HttpClient c(to.port());
    return c.request(method, target, method == "GET" ? "" : boost::json::serialize(body), headers);
  }
  // POST /payments/create-card/ with save_card, as the original client saves a card.
  HttpResponse save_card(Service& to, const std::string& number) {
    return send(to, "POST", "/payments/create-card/",
                boost::json::object{{"email", user.email},
                                    {"number", number},
                                    {"exp_month", 8},
                                    {"exp_year", 2040},
                                    {"cvc", 123},
                                    {"save_card", true}});
  }
  // The saved card (GET /account/stripe-cards/ row) ending in last4.
  boost::json::object saved(Service& from, const std::string& last4) {
    auto r = send(from, "GET", "/account/stripe-cards/", nullptr);
    EXPECT_EQ(r.status, 200) << r.body;
    const auto cards = json(r);
    for (const auto& c : cards.as_array())
      if (c.at("card_number") == boost::json::value(last4)) return c.as_object();
    ADD_FAILURE() << "no saved card ending in " << last4 << ": " << r.body;
    return {};
  }
  // POST /api/checkout/ with a saved card.
  HttpResponse pay_saved(Service& to, std::int64_t saved_card_id, const std::string& key) {
    return send(
        to, "POST", "/api/checkout/",
        boost::json::object{
            {"product_id", chair}, {"address_id", address}, {"saved_card_id", saved_card_id}},
        {{"Idempotency-Key", key}});
  }
  int sandbox(const std::string& where) {
    return count(*db, "SELECT COUNT(*) FROM shop_sandbox_" + where);
  }
  void expect_no_pan() {
    for (const auto& pan : {kVisa, kDeclined, kNoFunds})
      for (const char* table :
           {"shop_sandbox_customers", "shop_sandbox_cards", "shop_sandbox_charges", "shop_cards",
            "shop_orders", "shop_idempotency_keys"})
        EXPECT_EQ(dump_table(*db, table).find(pan), std::string::npos) << table;
  }

  TempDir media;
  Database database;
  std::map<std::string, std::string> env;
  std::unique_ptr<Service> a, b;
  std::shared_ptr<ts::db::Pool> db;
  TestUser user;
  std::int64_t chair = 0;
  std::int64_t address = 0;
};

TEST_P(SandboxShared, SavedCardPaysThroughEitherInstanceAndAfterARestartUntilDeleted) {
  // Saved through A with the original client's create-card.
  auto created = save_card(*a, kVisa);
  ASSERT_EQ(created.status, 200) << created.body;
  const auto card = saved(*b, "4242");
  ASSERT_FALSE(card.empty());
  const auto saved_id = card.at("id").as_int64();
  const std::string customer(card.at("customer_id").as_string());
  const std::string card_id(card.at("card_id").as_string());
  EXPECT_EQ(sandbox("cards WHERE id = '" + card_id + "' AND customer_id = '" + customer + "'"), 1);

  // Paid through B: /api/checkout/ with the saved card, then the original
  // client's "pay with this card" (create-card with the last four, then
  // charge-customer).
  auto paid = pay_saved(*b, saved_id, "through-b");
  ASSERT_EQ(paid.status, 201) << paid.body;
  EXPECT_EQ(json(paid).at("card_number"), "4242");
  auto reuse = send(*b, "POST", "/payments/create-card/",
                    boost::json::object{{"email", user.email},
                                        {"number", "4242"},
                                        {"exp_month", 8},
                                        {"exp_year", 2040},
                                        {"cvc", nullptr},
                                        {"save_card", false}});
  ASSERT_EQ(reuse.status, 200) << reuse.body;
  auto charged = send(*b, "POST", "/payments/charge-customer/",
                      boost::json::object{{"email", user.email},
                                          {"amount", "5999.99"},
                                          {"card_number", "4242"},
                                          {"address_id", address},
                                          {"product_id", chair},
                                          {"total_price", "5999.99"}});
  ASSERT_EQ(charged.status, 200) << charged.body;

  // The card as the processor holds it, read and changed through B, read through A.
  const std::map<std::string, std::string> ids{{"Customer-Id", customer}, {"Card-Id", card_id}};
  auto details_b = send(*b, "GET", "/payments/card-details/", nullptr, ids);
  ASSERT_EQ(details_b.status, 200) << details_b.body;
  EXPECT_EQ(json(details_b).at("last4"), "4242");
  auto update = send(*b, "POST", "/payments/update-card/",
                     boost::json::object{{"customer_id", customer},
                                         {"card_id", card_id},
                                         {"card_number", ""},
                                         {"exp_month", "11"},
                                         {"exp_year", "2041"},
                                         {"name_on_card", "Buyer One"},
                                         {"address_city", ""},
                                         {"address_country", ""},
                                         {"address_state", ""},
                                         {"address_zip", ""}});
  ASSERT_EQ(update.status, 200) << update.body;
  auto details_a = send(*a, "GET", "/payments/card-details/", nullptr, ids);
  ASSERT_EQ(details_a.status, 200) << details_a.body;
  EXPECT_EQ(json(details_a).at("exp_month").as_int64(), 11);
  EXPECT_EQ(json(details_a).at("exp_year").as_int64(), 2041);
  EXPECT_EQ(json(details_a).at("name"), "Buyer One");

  // A crashes and comes back: the card still pays through it.
  restart_a();
  auto after_restart = pay_saved(*a, saved_id, "after-restart");
  ASSERT_EQ(after_restart.status, 201) << after_restart.body;

  // Three orders, three charges at the one processor, each order's charge among them.
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM shop_orders WHERE paid_status = 1"), 3);
  EXPECT_EQ(sandbox("charges WHERE status = 'succeeded' AND amount_minor = 599999"), 3);
  EXPECT_EQ(count(*db,
                  "SELECT COUNT(*) FROM shop_orders o JOIN shop_sandbox_charges c ON c.id = "
                  "o.charge_id AND c.card_id = '" +
                      card_id + "'"),
            3);

  // A saved row naming a card the processor does not hold for that customer
  // (one it never issued): refused by the processor, nothing charged.
  const auto unknown =
      db->query(
            "INSERT INTO shop_cards (user_id, email, customer_id, card_id, brand, last4, "
            "exp_month, exp_year, created_at) VALUES ($1, $2, $3, 'card_unknown', 'visa', "
            "'1111', 8, 2040, '2024-01-02T03:04:05.000000Z') RETURNING id",
            {user.id, user.email, customer})
          .scalar<std::int64_t>();
  auto no_source = pay_saved(*a, unknown, "unknown-card");
  EXPECT_EQ(no_source.status, 404) << no_source.body;
  EXPECT_NE(no_source.body.find("No such source"), std::string::npos) << no_source.body;
  db->query("DELETE FROM shop_cards WHERE id = $1", {unknown});

  // Deleted through B: A refuses it — the shop (no saved card any more) ...
  auto deleted =
      send(*b, "POST", "/payments/delete-card/", boost::json::object{{"card_id", card_id}});
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  auto refused = pay_saved(*a, saved_id, "after-delete");
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(json(refused).at("saved_card_id").as_array()[0], "Invalid pk - object does not exist.");
  EXPECT_EQ(send(*a, "GET", "/payments/card-details/", nullptr, ids).status, 404);
  // ... and the processor: the card and its customer are gone from the
  // sandbox, so even a stale copy of the saved row (as a backup restored
  // from before the delete would hold) cannot be charged through A.
  EXPECT_EQ(sandbox("cards"), 0);
  EXPECT_EQ(sandbox("customers"), 0);
  const auto stale =
      db->query(
            "INSERT INTO shop_cards (user_id, email, customer_id, card_id, brand, last4, "
            "exp_month, exp_year, created_at) VALUES ($1, $2, $3, $4, 'visa', '4242', 8, 2040, "
            "'2024-01-02T03:04:05.000000Z') RETURNING id",
            {user.id, user.email, customer, card_id})
          .scalar<std::int64_t>();
  auto processor_refused = pay_saved(*a, stale, "stale-copy");
  EXPECT_EQ(processor_refused.status, 404) << processor_refused.body;
  EXPECT_NE(processor_refused.body.find("No such customer"), std::string::npos)
      << processor_refused.body;
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM shop_orders"), 3);
  EXPECT_EQ(sandbox("charges WHERE status = 'succeeded'"), 3);
  expect_no_pan();
}

TEST_P(SandboxShared, TestCardsKeepTheirBehaviourAfterARestart) {
  ASSERT_EQ(save_card(*a, kDeclined).status, 200);
  ASSERT_EQ(save_card(*b, kNoFunds).status, 200);
  ASSERT_EQ(save_card(*a, kVisa).status, 200);
  const auto declined = saved(*a, "0002").at("id").as_int64();
  const auto no_funds = saved(*a, "9995").at("id").as_int64();
  const auto visa = saved(*a, "4242").at("id").as_int64();
  EXPECT_EQ(sandbox("cards WHERE behaviour = 'decline' AND last4 = '0002'"), 1);
  EXPECT_EQ(sandbox("cards WHERE behaviour = 'insufficient_funds' AND last4 = '9995'"), 1);

  restart_a();
  for (Service* via : {a.get(), b.get()}) {
    const std::string tag = via == a.get() ? "a" : "b";
    auto d = pay_saved(*via, declined, "declined-" + tag);
    EXPECT_EQ(d.status, 402) << d.body;
    EXPECT_EQ(json(d).at("code"), "card_declined") << d.body;
    EXPECT_EQ(json(d).at("detail"), "Your card was declined.");
    auto n = pay_saved(*via, no_funds, "no-funds-" + tag);
    EXPECT_EQ(n.status, 402) << n.body;
    EXPECT_EQ(json(n).at("code"), "insufficient_funds") << n.body;
    EXPECT_EQ(json(n).at("detail"), "Your card has insufficient funds.");
    auto ok = pay_saved(*via, visa, "visa-" + tag);
    EXPECT_EQ(ok.status, 201) << ok.body;
  }
  // A refusal is stored under its Idempotency-Key: the retry through the
  // other instance gets the same answer, and nothing is charged.
  auto replay = pay_saved(*b, declined, "declined-a");
  EXPECT_EQ(replay.status, 402) << replay.body;
  EXPECT_EQ(replay.header("idempotent-replayed"), "true");
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM shop_orders"), 2);
  EXPECT_EQ(sandbox("charges WHERE status = 'succeeded'"), 2);
  EXPECT_EQ(sandbox("charges WHERE status = 'failed' AND error_code = 'card_declined'"), 2);
  expect_no_pan();
}

INSTANTIATE_TEST_SUITE_P(Engines, SandboxShared, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
