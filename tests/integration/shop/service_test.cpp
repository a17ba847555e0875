// The shop binary as an operator runs it: subcommands, migrations, the
// product endpoints, readiness and database recovery — on SQLite and on a
// real PostgreSQL.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>

#include <cstring>
#include <string>
#include <thread>

#include "platform/db/migrations.hpp"
#include "platform/db/pool.hpp"
#include "shop_fixture.hpp"

using namespace ts::test;
using namespace std::chrono_literals;

namespace {

using namespace shop_test;

class ShopService : public ::testing::TestWithParam<std::string> {
 protected:
  ShopService() : db(GetParam()) {}
  std::map<std::string, std::string> env() const { return shop_env(db.url()); }
  std::unique_ptr<Service> start(std::map<std::string, std::string> extra = {}) {
    auto e = env();
    for (auto& [k, v] : extra) e[k] = v;
    return std::make_unique<Service>(shop_bin(), "SHOP", std::vector<std::string>{"serve"}, e);
  }
  Database db;
};

}  // namespace

TEST_P(ShopService, MigrateSeedAndServeTheCatalogue) {
  auto [mstatus, mlog] = shop_cmd({"migrate"}, env());
  ASSERT_EQ(mstatus, 0) << mlog;
  // Every migration this build knows is applied on a fresh database.
  const auto newest =
      ts::db::select_migrations(
          ts::db::load_migration_files(std::string(TS_SOURCE_DIR) + "/migrations/shop"),
          GetParam() == "postgres" ? ts::db::Dialect::postgres : ts::db::Dialect::sqlite)
          .size();
  EXPECT_NE(mlog.find(std::to_string(newest) + " migration(s) applied"), std::string::npos) << mlog;
  EXPECT_GE(newest, 1u);
  // A second migrate has nothing to do.
  auto [again, alog] = shop_cmd({"migrate"}, env());
  EXPECT_EQ(again, 0);
  EXPECT_NE(alog.find("0 migration(s) applied"), std::string::npos) << alog;

  auto [sstatus, slog] = shop_cmd({"seed"}, env());
  ASSERT_EQ(sstatus, 0) << slog;
  auto svc = start();
  auto list = http(svc->port(), "GET", "/api/products/");
  ASSERT_EQ(list.status, 200);
  auto products = boost::json::parse(list.body).as_array();
  ASSERT_GE(products.size(), 5u);
  const auto& first = products[0].as_object();
  // The original serializer's keys, in its order, decimals as strings.
  std::vector<std::string> keys;
  for (const auto& kv : first) keys.emplace_back(kv.key());
  EXPECT_EQ(keys,
            (std::vector<std::string>{"id", "name", "description", "price", "stock", "image"}));
  EXPECT_EQ(first.at("price"), "124999.99");
  const auto id = first.at("id").as_int64();

  auto one = http(svc->port(), "GET", "/api/product/" + std::to_string(id) + "/");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(boost::json::parse(one.body).at("name"), "MacBook Pro");
  EXPECT_EQ(http(svc->port(), "GET", "/api/product/999999/").status, 404);
  EXPECT_EQ(http(svc->port(), "GET", "/api/product/abc/").status, 404);
  // The original's APPEND_SLASH behaviour.
  auto redirect = http(svc->port(), "GET", "/api/products");
  EXPECT_EQ(redirect.status, 301);
  EXPECT_EQ(redirect.header("location"), "/api/products/");
}

TEST_P(ShopService, ServeAppliesPendingMigrationsAndIsReady) {
  auto svc = start();
  EXPECT_EQ(http(svc->port(), "GET", "/api/products/").body, "[]");
  EXPECT_EQ(http(svc->monitor_port(), "GET", "/readyz").status, 200);
  auto metrics = http(svc->monitor_port(), "GET", "/metrics").body;
  // App routes registered by setup are counted under their template.
  EXPECT_NE(
      metrics.find("http_requests_total{route=\"/api/products/\",method=\"GET\",status=\"200\"} 1"),
      std::string::npos)
      << metrics;
  for (const char* name :
       {"db_pool_connections{state=\"in_use\"}", "db_pool_connections{state=\"idle\"}",
        "db_pool_max_connections", "db_pool_waiting", "process_heap_bytes{state=\"in_use\"}",
        "process_heap_bytes{state=\"free\"}", "db_sqlite_memory_bytes"})
    EXPECT_NE(metrics.find(name), std::string::npos) << name;
  // The heap in use is read from malloc: a server that has just started holds
  // its routes, metrics and pools there (about 700 KB on PostgreSQL).
  const auto at = metrics.find("process_heap_bytes{state=\"in_use\"} ");
  ASSERT_NE(at, std::string::npos);
  EXPECT_GT(std::stod(metrics.substr(at + std::strlen("process_heap_bytes{state=\"in_use\"} "))),
            1e5);
}

TEST_P(ShopService, RefusesToServeAPendingSchemaWithoutAutoMigrate) {
  auto [status, log] = shop_cmd({"serve"}, [&] {
    auto e = env();
    e["SHOP_AUTO_MIGRATE"] = "false";
    e["SHOP_LISTEN"] = "127.0.0.1:0";
    return e;
  }());
  EXPECT_EQ(status, 1);
  EXPECT_NE(log.find("run the migrate command first"), std::string::npos) << log;
}

TEST_P(ShopService, RefusesASchemaNewerThanItKnows) {
  ASSERT_EQ(shop_cmd({"migrate"}, env()).first, 0);
  {
    auto pool = ts::db::Pool::open(db.url());
    pool->query(
        "INSERT INTO ts_schema_migrations (app, version, name, applied_at) VALUES ('shop', 999, "
        "'future', "
        "'2030-01-01')");
  }
  auto [status, log] = shop_cmd({"serve"}, [&] {
    auto e = env();
    e["SHOP_LISTEN"] = "127.0.0.1:0";
    return e;
  }());
  EXPECT_EQ(status, 1);
  EXPECT_NE(log.find("newer"), std::string::npos) << log;
}

TEST_P(ShopService, TwoMigratesStartedTogetherApplyEachMigrationOnce) {
  TempDir dir;
  std::vector<std::unique_ptr<Process>> procs;
  for (int i = 0; i < 2; ++i)
    procs.push_back(std::make_unique<Process>(shop_bin(), std::vector<std::string>{"migrate"},
                                              env(),
                                              (dir.path() / ("log" + std::to_string(i))).string()));
  for (auto& p : procs) {
    auto status = p->wait(60s);
    ASSERT_TRUE(status);
    EXPECT_EQ(*status, 0) << p->log();
  }
  auto pool = ts::db::Pool::open(db.url());
  auto rows = pool->query(
      "SELECT version, COUNT(*) FROM ts_schema_migrations WHERE app = 'shop' GROUP BY version");
  ASSERT_GE(rows.size(), 1u);
  for (const auto& r : rows)
    EXPECT_EQ(r.get<std::int64_t>(1), 1) << "version " << r.get<std::int64_t>(0);
}

TEST_P(ShopService, SigtermExitsCleanly) {
  auto svc = start();
  ASSERT_EQ(http(svc->port(), "GET", "/api/products/").status, 200);
  svc->process().signal(SIGTERM);
  auto status = svc->process().wait(10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 0);
}

TEST_P(ShopService, BadConfigurationNamesTheVariableAndTouchesNothing) {
  auto e = env();
  e["SHOP_DB_POOL_SIZE"] = "0";
  e["SHOP_LOG_LEVEL"] = "loud";
  e["SHOP_SECRET_KEY"] = "short";
  e["SHOP_PAYMENT_GATEWAY"] = "paypal";
  auto [status, log] = shop_cmd({"serve"}, e);
  EXPECT_EQ(status, 2);
  EXPECT_NE(log.find("SHOP_DB_POOL_SIZE: must be between 1 and 512"), std::string::npos) << log;
  EXPECT_NE(log.find("SHOP_LOG_LEVEL"), std::string::npos) << log;
  EXPECT_NE(log.find("SHOP_SECRET_KEY: must be at least 32 bytes long"), std::string::npos) << log;
  EXPECT_NE(log.find("SHOP_PAYMENT_GATEWAY: must be one of sandbox, stripe"), std::string::npos)
      << log;
  // Nothing was migrated.
  EXPECT_EQ(log.find("migration applied"), std::string::npos) << log;
}

TEST_P(ShopService, MissingSecretKeyIsAnErrorOutsideDevelopmentMode) {
  auto e = env();
  e.erase("SHOP_SECRET_KEY");
  auto [status, log] = shop_cmd({"serve"}, e);
  EXPECT_EQ(status, 2);
  EXPECT_NE(log.find("SHOP_SECRET_KEY: is required"), std::string::npos) << log;
}

// The sandbox takes every order as paid without charging anyone: serve
// refuses it (set or left as the default) unless SHOP_ALLOW_SANDBOX=true or
// SHOP_DEV_MODE=true says it is meant; other commands take no orders.
TEST_P(ShopService, ServeRefusesTheSandboxGatewayUnlessAllowedExplicitly) {
  auto e = env();
  e.erase("SHOP_ALLOW_SANDBOX");
  for (const bool explicit_setting : {false, true}) {
    SCOPED_TRACE(explicit_setting ? "SHOP_PAYMENT_GATEWAY=sandbox" : "no gateway set");
    auto refused = e;
    if (explicit_setting) refused["SHOP_PAYMENT_GATEWAY"] = "sandbox";
    auto [status, log] = shop_cmd({"serve"}, refused);
    EXPECT_EQ(status, 2) << log;
    for (const char* name : {"SHOP_PAYMENT_GATEWAY", "SHOP_ALLOW_SANDBOX=true",
                             "SHOP_DEV_MODE=true", "SHOP_PAYMENT_GATEWAY=stripe"})
      EXPECT_NE(log.find(name), std::string::npos) << name << " not named in: " << log;
    EXPECT_EQ(log.find("migration applied"), std::string::npos) << log;
  }
  // "false" is not permission either.
  auto no = e;
  no["SHOP_ALLOW_SANDBOX"] = "false";
  EXPECT_EQ(shop_cmd({"serve"}, no).first, 2);

  // Commands other than serve are not refused.
  auto [migrate_status, migrate_log] = shop_cmd({"migrate"}, e);
  EXPECT_EQ(migrate_status, 0) << migrate_log;

  // Allowed explicitly, or in development mode, it serves.
  for (const auto& [name, value] : std::map<std::string, std::string>{
           {"SHOP_ALLOW_SANDBOX", "true"}, {"SHOP_DEV_MODE", "true"}}) {
    SCOPED_TRACE(name);
    auto allowed = e;
    allowed[name] = value;
    allowed["SHOP_PAYMENT_GATEWAY"] = "sandbox";
    Service svc(shop_bin(), "SHOP", {"serve"}, allowed);
    EXPECT_EQ(http(svc.port(), "GET", "/api/products/").status, 200);
  }
}

// A seeded user pays with their seeded saved card on the sandbox gateway
// (the demo store `scripts/run` brings up). Seeding with the stripe gateway
// leaves the sandbox tables empty; a later sandbox seed adds the missing
// rows for those cards and makes the new ones in the same batches.
TEST_P(ShopService, SeededUsersPayWithTheirSeededSavedCards) {
  ASSERT_EQ(shop_cmd({"migrate"}, env()).first, 0);
  auto stripe = env();
  stripe["SHOP_PAYMENT_GATEWAY"] = "stripe";
  stripe["SHOP_STRIPE_SECRET_KEY"] = "sk_test_seed_only_no_requests";
  auto [st, slog] = shop_cmd({"seed", "--users", "2", "--seed", "5"}, stripe);
  ASSERT_EQ(st, 0) << slog;
  auto pool = ts::db::Pool::open(db.url());
  auto count = [&](const std::string& sql, const ts::db::Params& params = {}) {
    return pool->query(sql, params).scalar<std::int64_t>();
  };
  EXPECT_EQ(count("SELECT COUNT(*) FROM shop_cards"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM shop_sandbox_customers"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM shop_sandbox_cards"), 0);

  auto [ss, log] = shop_cmd({"seed", "--users", "3", "--seed", "5"}, env());
  ASSERT_EQ(ss, 0) << log;
  EXPECT_NE(log.find("2 generated cards added to the sandbox gateway"), std::string::npos) << log;
  EXPECT_NE(log.find("added 1 users, 1 addresses, 1 cards"), std::string::npos) << log;
  // Every seeded card is a sandbox customer's one card, with the same ids,
  // brand, last four and expiry, and a behaviour that succeeds.
  EXPECT_EQ(count("SELECT COUNT(*) FROM shop_sandbox_customers"), 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM shop_cards c JOIN shop_sandbox_cards k ON k.id = "
                  "c.card_id AND k.customer_id = c.customer_id AND k.brand = c.brand AND "
                  "k.last4 = c.last4 AND k.exp_month = c.exp_month AND k.exp_year = c.exp_year "
                  "AND k.token_id IS NULL AND k.behaviour = 'succeed' JOIN "
                  "shop_sandbox_customers s ON s.id = c.customer_id"),
            3);
  // A second run adds nothing.
  auto [again, alog] = shop_cmd({"seed", "--users", "3", "--seed", "5"}, env());
  ASSERT_EQ(again, 0) << alog;
  EXPECT_EQ(alog.find("added to the sandbox gateway"), std::string::npos) << alog;
  EXPECT_EQ(count("SELECT COUNT(*) FROM shop_sandbox_cards"), 3);

  auto svc = start();
  auto text = [](const boost::json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
  };
  const auto product = count("SELECT MIN(id) FROM shop_products WHERE stock = 1");
  // The first seeded user (rows made by the backfill) and the last (made in
  // the seed's own batch).
  const auto seeded = pool->query(
      "SELECT u.username, a.id, c.id, c.customer_id, c.card_id, c.brand, c.last4, c.exp_month, "
      "c.exp_year FROM shop_users u JOIN shop_addresses a ON a.user_id = u.id JOIN shop_cards c "
      "ON c.user_id = u.id ORDER BY u.id");
  ASSERT_EQ(seeded.size(), 3u);
  for (std::size_t i : {std::size_t{0}, std::size_t{2}}) {
    const auto& row = seeded[i];
    const auto username = row.get<std::string>(0);
    const auto customer = row.get<std::string>(3), card = row.get<std::string>(4);
    const auto last4 = row.get<std::string>(6);
    SCOPED_TRACE(username);
    auto login = http(svc->port(), "POST", "/account/login/",
                      R"({"username":")" + username + R"(","password":"seed-password"})",
                      {{"Content-Type", "application/json"}});
    ASSERT_EQ(login.status, 200) << login.body;
    const std::string token(boost::json::parse(login.body).at("token").as_string());
    const std::map<std::string, std::string> auth{{"Authorization", "Bearer " + token}};

    auto details_headers = auth;
    details_headers["Customer-Id"] = customer;
    details_headers["Card-Id"] = card;
    auto details = http(svc->port(), "GET", "/payments/card-details/", "", details_headers);
    ASSERT_EQ(details.status, 200) << details.body;
    const auto d = boost::json::parse(details.body).as_object();
    EXPECT_EQ(text(d.at("id")), card);
    EXPECT_EQ(text(d.at("customer")), customer);
    EXPECT_EQ(text(d.at("last4")), last4);
    EXPECT_EQ(d.at("brand"), row.get<std::string>(5) == "visa" ? "Visa" : "MasterCard");
    EXPECT_EQ(d.at("exp_month").as_int64(), row.get<std::int64_t>(7));
    EXPECT_EQ(d.at("exp_year").as_int64(), row.get<std::int64_t>(8));

    auto headers = auth;
    headers["Content-Type"] = "application/json";
    headers["Idempotency-Key"] = "seeded-card-" + username;
    const boost::json::object body{{"product_id", product},
                                   {"address_id", row.get<std::int64_t>(1)},
                                   {"saved_card_id", row.get<std::int64_t>(2)}};
    auto paid = http(svc->port(), "POST", "/api/checkout/", boost::json::serialize(body), headers);
    ASSERT_EQ(paid.status, 201) << paid.body;
    const auto order = boost::json::parse(paid.body).as_object();
    EXPECT_EQ(order.at("paid_status"), true);
    EXPECT_EQ(text(order.at("card_number")), last4);
    EXPECT_EQ(count("SELECT COUNT(*) FROM shop_sandbox_charges WHERE status = 'succeeded' AND "
                    "card_id = $1",
                    {card}),
              1);
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM shop_orders WHERE paid_status = 1"), 2);
}

INSTANTIATE_TEST_SUITE_P(Engines, ShopService, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

TEST(ShopCommands, UnknownCommandIsAUsageError) {
  auto [status, log] = shop_cmd({"frobnicate"}, shop_env("sqlite:///tmp/unused.db"));
  EXPECT_EQ(status, 2);
  EXPECT_NE(log.find("unknown command 'frobnicate'"), std::string::npos);
  EXPECT_NE(log.find("seed"), std::string::npos);
}

TEST(ShopPostgres, ReadinessFollowsTheDatabaseAndRecoversWithoutARestart) {
  OwnPgCluster cluster;
  auto svc = std::make_unique<Service>(shop_bin(), "SHOP", std::vector<std::string>{"serve"},
                                       shop_env(cluster.url()));
  auto reg = http(svc->port(), "POST", "/account/register/",
                  R"({"username":"pat","email":"pat@example.com","password":"a-long-password"})");
  ASSERT_EQ(reg.status, 200) << reg.body;
  const std::string token = std::string(boost::json::parse(reg.body).at("token").as_string());
  const std::map<std::string, std::string> auth{{"Authorization", "Bearer " + token}};
  ASSERT_EQ(http(svc->port(), "GET", "/account/all-address-details/", "", auth).status, 200);
  ASSERT_EQ(http(svc->monitor_port(), "GET", "/readyz").status, 200);

  cluster.halt();
  EXPECT_EQ(http(svc->monitor_port(), "GET", "/readyz").status, 503);
  // A request that needs the database fails cleanly: 503 JSON with Retry-After.
  auto down = http(svc->port(), "GET", "/account/all-address-details/", "", auth);
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_EQ(down.header("content-type"), "application/json");
  EXPECT_EQ(down.header("retry-after"), "1");
  // The cached public catalogue keeps answering.
  EXPECT_EQ(http(svc->port(), "GET", "/api/products/").status, 200);

  cluster.start();
  bool ready = false;
  for (int i = 0; i < 100 && !ready; ++i) {
    ready = http(svc->monitor_port(), "GET", "/readyz").status == 200;
    if (!ready) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(ready);
  EXPECT_EQ(http(svc->port(), "GET", "/account/all-address-details/", "", auth).status, 200);
  EXPECT_TRUE(svc->process().running());
}
