// The shop binary as an operator runs it: subcommands, migrations, the
// product endpoints, readiness and database recovery — on SQLite and on a
// real PostgreSQL.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>

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
        "db_pool_max_connections", "db_pool_waiting"})
    EXPECT_NE(metrics.find(name), std::string::npos) << name;
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
