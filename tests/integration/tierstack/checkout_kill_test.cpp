// kill -9 of one shop instance while customers check out through the load
// balancer (issue 6): concurrent GETs see no failure, and every checkout ends
// as exactly one order — none lost, none duplicated — because the client
// retries with the same Idempotency-Key and the shop records the order and
// completes the key in one transaction. The supervisor restarts the instance.
// Half the customers pay with a card they saved through the load balancer
// (so through either instance, and paid through either and through the
// restarted one: the sandbox processor's cards live in the shared database),
// the other half type their card at each checkout; the processor itself
// records exactly one successful charge per order.
//
// The instance is frozen (SIGSTOP) for a moment before the SIGKILL, so the
// kill is certain to land on checkouts in flight (requests nginx has already
// handed to it); without the freeze, whether any checkout is mid-request at
// the instant of the kill would be luck. A key claimed by the killed process
// stays 'started' until SHOP_IDEMPOTENCY_TAKEOVER_SECONDS (3 s here, 120 s by
// default) have passed; until then a retry is told 409 and waits.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "platform/db/pool.hpp"
#include "stack_fixture.hpp"
#include "support/harness.hpp"

namespace {

namespace fs = std::filesystem;
using namespace ts::test;
using tierstack_test::Load;
using tierstack_test::slurp;
using namespace std::chrono_literals;

constexpr int kCustomers = 8;           // one checkout thread each
constexpr int kOrdersPerCustomer = 12;  // sequential checkouts per thread
constexpr const char* kTakeoverSeconds = "3";

boost::json::value parse(const HttpResponse& r) {
  return boost::json::parse(r.body);
}

// The local topology on free ports in a temporary state directory, with the
// shop's takeover window for abandoned idempotency keys shortened.
class Stack : public tierstack_test::StackBase {
 public:
  explicit Stack(const std::string& db)
      : StackBase({.db = db,
                   .scrape_interval = "5s",
                   .shop_env = {{"SHOP_IDEMPOTENCY_TAKEOVER_SECONDS", kTakeoverSeconds}}}),
        db_(db) {}

  void up() {
    auto r = start();
    ASSERT_EQ(r.status, 0) << r.output << "\n" << slurp(state() / "tierstack.log");
  }

  // The shop's database as tierstack configured it.
  std::string db_url() const {
    if (db_ == "postgres")
      return "postgresql://tierstack@127.0.0.1:" +
             std::to_string(component("postgres").at("port").to_number<int>()) + "/shop";
    return "sqlite://" + (state() / "db" / "shop.db").string();
  }

  // An administrator made with the shop's own command (as an operator would).
  void create_admin(const std::string& username, const std::string& password) {
    std::string secret = slurp(state() / "secrets" / "shop.key");
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == ' ')) secret.pop_back();
    const auto log = dir() / "create-admin.log";
    Process p(bin_path("shop"),
              {"create-admin", "--username", username, "--email", username + "@example.com"},
              {{"SHOP_DATABASE_URL", db_url()},
               {"SHOP_SECRET_KEY", secret},
               {"SHOP_MEDIA_DIR", (state() / "media" / "shop").string()},
               {"SHOP_ADMIN_PASSWORD", password}},
              log.string());
    ASSERT_EQ(p.wait(30s).value_or(-1), 0) << slurp(log);
  }

  // The `tierstack status` row of an instance, split on blanks:
  // INSTANCE ZONE TIER PID PORT READY RESTARTS UPTIME REQ/S.
  std::vector<std::string> status_row(const std::string& name) {
    auto [status, output] = cmd({"status"});
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
      std::istringstream words(line);
      std::vector<std::string> row;
      for (std::string w; words >> w;) row.push_back(w);
      if (!row.empty() && row[0] == name) return row;
    }
    return {};
  }

 private:
  std::string db_;
};

struct Customer {
  std::int64_t id = 0;
  std::string token;
  std::int64_t address_id = 0;
  std::int64_t saved_card_id = 0;  // 0: types the card at every checkout
};

// What one checkout came to, as the client saw it.
struct Outcome {
  std::string key;
  bool ok = false;            // answered 201 in the end
  std::int64_t order_id = 0;  // from the 201 body
  bool interrupted = false;   // a 502/503/504 or a broken connection on the way
  bool waited = false;        // told 409: the key was still held
  bool replayed = false;      // the 201 was the stored answer of an earlier attempt
  std::string failure;        // why it is not ok (a final answer, or out of time)
};

// A careful client: one Idempotency-Key per order, and the same key on every
// retry after an answer that says nothing about the order (no connection, a
// gateway error from the proxies) or that the key is still being processed.
// nginx never retries a POST it already sent, so this is the client's job.
Outcome checkout(unsigned short lb, const Customer& c, std::int64_t product_id,
                 const std::string& key) {
  Outcome o;
  o.key = key;
  const auto body = boost::json::serialize(
      c.saved_card_id != 0 ? boost::json::object{{"product_id", product_id},
                                                 {"address_id", c.address_id},
                                                 {"saved_card_id", c.saved_card_id}}
                           : boost::json::object{{"product_id", product_id},
                                                 {"address_id", c.address_id},
                                                 {"card",
                                                  {{"number", "4242424242424242"},
                                                   {"exp_month", 12},
                                                   {"exp_year", 2040},
                                                   {"cvc", "123"}}},
                                                 {"save_card", false}});
  const std::map<std::string, std::string> headers{{"Authorization", "Bearer " + c.token},
                                                   {"Idempotency-Key", key}};
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::optional<HttpResponse> r;
    try {
      r = http(lb, "POST", "/api/checkout/", body, headers);
    } catch (const std::exception&) {
      o.interrupted = true;
    }
    if (r && r->status == 201) {
      o.ok = true;
      o.order_id = parse(*r).at("id").to_number<std::int64_t>();
      o.replayed = r->header("idempotent-replayed") == "true";
      return o;
    }
    if (r && (r->status == 502 || r->status == 503 || r->status == 504)) {
      o.interrupted = true;
    } else if (r && r->status == 409 &&
               r->body.find("idempotency_key_in_use") != std::string::npos) {
      o.waited = true;
    } else if (r) {
      o.failure = "answered " + std::to_string(r->status) + ": " + r->body.substr(0, 300);
      return o;
    }
    std::this_thread::sleep_for(100ms);
  }
  o.failure = "no answer within 30 s";
  return o;
}

class CheckoutKill : public ::testing::TestWithParam<std::string> {};

TEST_P(CheckoutKill, KillNineDuringCheckoutsLosesAndDuplicatesNoOrderAndFailsNoGet) {
  Stack s(GetParam());
  s.up();
  if (HasFatalFailure()) return;
  const auto lb = s.lb_port();
  const std::string tag = std::to_string(::getpid()) + "-" + GetParam();

  // An in-stock product of the demo catalogue, as the store lists it.
  auto products = http(lb, "GET", "/api/products/");
  ASSERT_EQ(products.status, 200) << products.body;
  boost::json::object product;
  const auto catalogue = parse(products);
  for (auto& p : catalogue.as_array())
    if (p.at("stock").as_bool()) {
      product = p.as_object();
      break;
    }
  ASSERT_FALSE(product.empty()) << products.body;
  const auto product_id = product.at("id").to_number<std::int64_t>();
  const std::string price(product.at("price").as_string());
  std::string digits;
  for (char ch : price)
    if (ch != '.') digits.push_back(ch);
  const std::int64_t price_cents = std::stoll(digits);  // prices always carry two decimals

  // Customers as the store's client makes them: register, save an address.
  std::vector<Customer> customers(kCustomers);
  for (int i = 0; i < kCustomers; ++i) {
    const std::string name = "buyer" + std::to_string(i) + "_" + std::to_string(::getpid());
    auto reg = http(lb, "POST", "/account/register/",
                    boost::json::serialize(
                        boost::json::object{{"username", name},
                                            {"email", name + "@example.com"},
                                            {"password", "checkout-drill-" + std::to_string(i)}}));
    ASSERT_EQ(reg.status, 200) << reg.body;
    auto user = parse(reg).as_object();
    customers[i].id = user.at("id").to_number<std::int64_t>();
    customers[i].token = std::string(user.at("token").as_string());
    auto addr = http(lb, "POST", "/account/create-address/",
                     boost::json::serialize(boost::json::object{{"name", name},
                                                                {"phone_number", "9123456789"},
                                                                {"pin_code", "110001"},
                                                                {"house_no", "12 Park Street"},
                                                                {"landmark", "near the station"},
                                                                {"city", "Springfield"},
                                                                {"state", "Oregon"}}),
                     {{"Authorization", "Bearer " + customers[i].token}});
    ASSERT_EQ(addr.status, 200) << addr.body;
    customers[i].address_id = parse(addr).at("id").to_number<std::int64_t>();
    if (i % 2 == 1) continue;
    // Even customers save a card as the original client does, and pay with it.
    const std::map<std::string, std::string> auth{
        {"Authorization", "Bearer " + customers[i].token}};
    auto card = http(lb, "POST", "/payments/create-card/",
                     boost::json::serialize(boost::json::object{{"email", name + "@example.com"},
                                                                {"number", "5555555555554444"},
                                                                {"exp_month", 11},
                                                                {"exp_year", 2041},
                                                                {"cvc", "321"},
                                                                {"save_card", true}}),
                     auth);
    ASSERT_EQ(card.status, 200) << card.body;
    auto saved = http(lb, "GET", "/account/stripe-cards/", "", auth);
    ASSERT_EQ(saved.status, 200) << saved.body;
    const auto cards = parse(saved);
    ASSERT_EQ(cards.as_array().size(), 1u) << saved.body;
    customers[i].saved_card_id = cards.as_array()[0].at("id").to_number<std::int64_t>();
  }

  const int victim = s.pid("shop-a");
  ASSERT_GT(victim, 0);
  Load gets(lb, "/api/products/", 2);
  std::vector<std::vector<Outcome>> outcomes(kCustomers);
  std::atomic<int> answered{0};
  std::vector<std::thread> buyers;
  for (int i = 0; i < kCustomers; ++i)
    buyers.emplace_back([&, i] {
      for (int k = 0; k < kOrdersPerCustomer; ++k) {
        outcomes[i].push_back(
            checkout(lb, customers[i], product_id,
                     "drill-" + tag + "-c" + std::to_string(i) + "-o" + std::to_string(k)));
        ++answered;
      }
    });

  // A quarter of the checkouts done: freeze shop-a, let nginx hand it more
  // requests, then kill -9 it.
  const int total = kCustomers * kOrdersPerCustomer;
  const auto wait_until = std::chrono::steady_clock::now() + 30s;
  while (answered < total / 4 && std::chrono::steady_clock::now() < wait_until)
    std::this_thread::sleep_for(2ms);
  const int answered_before_kill = answered;
  ASSERT_EQ(kill(victim, SIGSTOP), 0);
  std::this_thread::sleep_for(400ms);
  ASSERT_EQ(kill(victim, SIGKILL), 0);
  for (auto& t : buyers) t.join();

  // The supervisor brings shop-a back: a new process, ready, one restart.
  std::vector<std::string> row;
  const auto restart_deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < restart_deadline) {
    row = s.status_row("shop-a");
    if (row.size() >= 7 && row[5] == "yes" && s.pid("shop-a") != victim) break;
    std::this_thread::sleep_for(200ms);
  }
  const int restarted = s.pid("shop-a");
  EXPECT_NE(restarted, victim);
  EXPECT_GT(restarted, 0);
  EXPECT_EQ(kill(restarted, 0), 0) << "restarted shop-a is not running";
  ASSERT_GE(row.size(), 7u);
  EXPECT_EQ(row[5], "yes") << "shop-a not ready again";
  EXPECT_EQ(row[6], "1") << "restarts of shop-a";
  gets.stop();

  // GETs: not one failure.
  EXPECT_GT(gets.ok(), 20);  // the GET load really ran
  EXPECT_EQ(gets.failed(), 0) << gets.first_error();

  // The clients' view: every checkout answered 201 in the end; the kill did
  // cut some of them off (the freeze makes sure of it).
  int interrupted = 0, waited = 0, replayed = 0;
  std::map<std::string, std::int64_t> ordered;  // stored key → order id the client got
  for (int i = 0; i < kCustomers; ++i) {
    ASSERT_EQ(outcomes[i].size(), static_cast<std::size_t>(kOrdersPerCustomer));
    for (auto& o : outcomes[i]) {
      EXPECT_TRUE(o.ok) << o.key << ": " << o.failure;
      interrupted += o.interrupted;
      waited += o.waited;
      replayed += o.replayed;
      if (o.ok) ordered["checkout:" + o.key] = o.order_id;
    }
  }
  std::cout << "checkouts: " << total << " (" << answered_before_kill
            << " answered before the kill), interrupted by the kill and retried: " << interrupted
            << ", told to wait (409) for the takeover: " << waited
            << ", answered by a replay: " << replayed << "\n";
  EXPECT_GE(interrupted, 1) << "the kill cut off no checkout; the test proved nothing";

  // The database: per customer exactly the keys the clients used, each once,
  // each the order id its client was told; every key completed with it.
  auto db = ts::db::Pool::open(s.db_url(), {.max_size = 1});
  std::size_t rows = 0;
  std::set<std::int64_t> ids;
  for (const auto& c : customers) {
    for (const auto& row_ :
         db->query("SELECT idempotency_key, COUNT(*), MIN(id), MIN(total_price_cents), "
                   "MIN(product_id), MIN(paid_status) FROM shop_orders WHERE user_id = $1 "
                   "GROUP BY idempotency_key",
                   {c.id})) {
      const auto key = row_.get<std::optional<std::string>>(0).value_or("(none)");
      ++rows;
      EXPECT_EQ(row_.get<std::int64_t>(1), 1) << "duplicated order for " << key;
      auto it = ordered.find(key);
      ASSERT_NE(it, ordered.end()) << "an order no client asked for: " << key;
      EXPECT_EQ(row_.get<std::int64_t>(2), it->second) << key;
      EXPECT_EQ(row_.get<std::int64_t>(3), price_cents) << key;
      EXPECT_EQ(row_.get<std::int64_t>(4), product_id) << key;
      EXPECT_EQ(row_.get<std::int64_t>(5), 1) << "unpaid order " << key;
      ids.insert(row_.get<std::int64_t>(2));
    }
    for (const auto& k :
         db->query("SELECT idempotency_key, state, order_id FROM shop_idempotency_keys "
                   "WHERE user_id = $1",
                   {c.id})) {
      const auto key = k.get<std::string>(0);
      EXPECT_EQ(k.get<std::string>(1), "completed") << key;
      auto it = ordered.find(key);
      ASSERT_NE(it, ordered.end()) << "a key no client used: " << key;
      EXPECT_EQ(k.get<std::optional<std::int64_t>>(2).value_or(0), it->second) << key;
    }
  }
  EXPECT_EQ(rows, ordered.size());
  EXPECT_EQ(rows, static_cast<std::size_t>(total));
  // Each with its own card, the saved ones included: the orders of even
  // customers end in 4444, the others' in 4242.
  for (std::size_t i = 0; i < customers.size(); ++i)
    EXPECT_EQ(db->query("SELECT COUNT(*) FROM shop_orders WHERE user_id = $1 AND card_number = $2",
                        {customers[i].id, i % 2 == 0 ? "4444" : "4242"})
                  .scalar<std::int64_t>(),
              kOrdersPerCustomer)
        << "customer " << i;
  // The processor's view: one successful charge per order, each order's.
  EXPECT_EQ(db->query("SELECT COUNT(*) FROM shop_sandbox_charges WHERE status = 'succeeded'")
                .scalar<std::int64_t>(),
            total);
  EXPECT_EQ(db->query("SELECT COUNT(*) FROM shop_orders o JOIN shop_sandbox_charges c ON c.id = "
                      "o.charge_id AND c.status = 'succeeded'")
                .scalar<std::int64_t>(),
            total);

  // The admin's order list through the load balancer agrees: the same order
  // ids for these customers, each at the catalogue price.
  s.create_admin("drill_admin", "drill-admin-password");
  auto login = http(lb, "POST", "/account/login/",
                    R"({"username":"drill_admin","password":"drill-admin-password"})");
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string admin_token(parse(login).at("token").as_string());
  auto list = http(lb, "GET", "/account/all-orders-list/", "",
                   {{"Authorization", "Bearer " + admin_token}});
  ASSERT_EQ(list.status, 200) << list.body.substr(0, 300);
  std::set<std::int64_t> mine;
  for (const auto& c : customers) mine.insert(c.id);
  std::set<std::int64_t> listed;
  const auto all_orders = parse(list);
  for (auto& o : all_orders.as_array()) {
    const auto& order = o.as_object();
    if (order.at("user").is_null() || !mine.count(order.at("user").to_number<std::int64_t>()))
      continue;
    EXPECT_TRUE(listed.insert(order.at("id").to_number<std::int64_t>()).second);
    EXPECT_EQ(order.at("total_price").as_string(), price);
    EXPECT_EQ(order.at("ordered_item"), product.at("name"));
    EXPECT_TRUE(order.at("paid_status").as_bool());
  }
  EXPECT_EQ(listed, ids);

  // The shop keeps an in-stock flag, not a quantity: the product is still on sale.
  auto after = http(lb, "GET", "/api/product/" + std::to_string(product_id) + "/");
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_TRUE(parse(after).at("stock").as_bool());
}

INSTANTIATE_TEST_SUITE_P(Db, CheckoutKill, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
