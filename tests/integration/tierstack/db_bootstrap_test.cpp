// The AWS app tier's database bootstrap (the SQL that
// deploy/terraform/modules/compute/templates/user-data.sh.tftpl writes and
// tierstack-db-bootstrap runs with the master credentials), run as written
// against a private PostgreSQL cluster: each app gets a login role that is
// not privileged and owns only the schema of its name; the apps' own
// migrations, run as those roles, put their tables there; neither role can
// read the other's tables or create anything in public. Run twice, as every
// instance boot does.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "stack_fixture.hpp"
#include "support/harness.hpp"
#include "support/pg.hpp"

namespace {

namespace fs = std::filesystem;
using tierstack_test::slurp;

struct Run {
  int status;
  std::string output;
};

// A shell command (every argument below is ours, without quotes in it).
Run sh(const std::string& command) {
  Run r{-1, ""};
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// The SQL between the heredoc markers of the user data template.
std::string bootstrap_sql() {
  const auto tpl = slurp(fs::path(TS_SOURCE_DIR) /
                         "deploy/terraform/modules/compute/templates/user-data.sh.tftpl");
  const std::string open = "<<'DB_BOOTSTRAP_SQL'\n", close = "\nDB_BOOTSTRAP_SQL\n";
  const auto b = tpl.find(open);
  const auto e = tpl.find(close, b);
  if (b == std::string::npos || e == std::string::npos) return "";
  auto sql = tpl.substr(b + open.size(), e - b - open.size());
  // The template language's only escape that could appear in it.
  for (std::size_t i; (i = sql.find("$${")) != std::string::npos;) sql.erase(i, 1);
  return sql;
}

// postgresql://tierstack@127.0.0.1:PORT/postgres -> the same server as `user`, database `db`.
std::string url_as(const std::string& admin_url, const std::string& user, const std::string& db) {
  const auto at = admin_url.find('@');
  const auto slash = admin_url.rfind('/');
  return "postgresql://" + user + admin_url.substr(at, slash - at) + "/" + db;
}

TEST(TierstackDbBootstrap, EachAppRoleOwnsOnlyItsSchemaAndTheAppsMigrateIntoIt) {
  const auto sql = bootstrap_sql();
  ASSERT_NE(sql.find("CREATE SCHEMA"), std::string::npos) << "no bootstrap SQL in the template";
  ASSERT_EQ(sql.find("${"), std::string::npos) << "the SQL uses template interpolation";
  ts::test::TempDir dir("ts-dbboot-");
  const auto sql_file = dir.path() / "db-bootstrap.sql";
  std::ofstream(sql_file) << sql << "\n";

  ts::test::OwnPgCluster pg;
  const auto admin = url_as(pg.url(), "tierstack", "postgres");
  auto r = sh("psql -X -q -v ON_ERROR_STOP=1 '" + admin + "' -c 'CREATE DATABASE tierstack'");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto master = url_as(pg.url(), "tierstack", "tierstack");

  for (int boot = 0; boot < 2; ++boot)
    for (const char* role : {"shop", "microblog"}) {
      r = sh(std::string("TIERSTACK_ROLE_PASSWORD=pw-") + role + " psql -X -q -v role=" + role +
             " -v dbname=tierstack -f " + sql_file.string() + " '" + master + "'");
      ASSERT_EQ(r.status, 0) << "boot " << boot << ", role " << role << ":\n" << r.output;
    }

  auto query = [&](const std::string& url, const std::string& q) {
    return sh("psql -X -q -At -v ON_ERROR_STOP=1 '" + url + "' -c \"" + q + "\"");
  };
  r = query(master,
            "SELECT rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, "
            "rolbypassrls FROM pg_roles WHERE rolname IN ('shop','microblog') ORDER BY 1");
  EXPECT_EQ(r.output, "microblog|t|f|f|f|f|f\nshop|t|f|f|f|f|f\n");
  r = query(master,
            "SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname IN "
            "('shop','microblog') ORDER BY 1");
  EXPECT_EQ(r.output, "microblog|microblog\nshop|shop\n");

  // The apps' own migrations, each as its role.
  for (const char* app : {"shop", "microblog"}) {
    const std::string P = std::string(app) == "shop" ? "SHOP" : "MICROBLOG";
    ts::test::Process m(ts::test::bin_path(app), {"migrate"},
                        {{P + "_DATABASE_URL", url_as(pg.url(), app, "tierstack")},
                         {P + "_SECRET_KEY", "bootstrap-test-secret-key-0123456789abcdef"},
                         {"SHOP_PAYMENT_GATEWAY", "sandbox"},
                         {"SHOP_ALLOW_SANDBOX", "true"}},
                        (dir.path() / (std::string(app) + "-migrate.log")).string());
    const auto st = m.wait(std::chrono::seconds(120));
    ASSERT_EQ(st.value_or(-1), 0) << m.log();
  }
  r = query(master,
            "SELECT DISTINCT schemaname, tableowner FROM pg_tables WHERE tablename LIKE 'shop\\_%' "
            "OR tablename LIKE 'mb\\_%' OR tablename = 'ts_schema_migrations' ORDER BY 1");
  EXPECT_EQ(r.output, "microblog|microblog\nshop|shop\n");
  r = query(master, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'");
  EXPECT_EQ(r.output, "0\n");

  // Neither app reaches the other's tables, nor creates anything in public.
  const auto as_shop = url_as(pg.url(), "shop", "tierstack");
  const auto as_mb = url_as(pg.url(), "microblog", "tierstack");
  EXPECT_EQ(query(as_shop, "SELECT count(*) FROM shop_users").status, 0);
  r = query(as_shop, "SELECT count(*) FROM microblog.mb_users");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("permission denied"), std::string::npos) << r.output;
  r = query(as_mb, "SELECT count(*) FROM shop.shop_users");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("permission denied"), std::string::npos) << r.output;
  r = query(as_shop, "CREATE TABLE public.planted (i int)");
  EXPECT_NE(r.status, 0) << r.output;
  r = query(as_mb, "CREATE SCHEMA extra");
  EXPECT_NE(r.status, 0) << r.output;
}

}  // namespace
