// `tierstack db copy` on data made by the real apps: SQLite -> PostgreSQL ->
// SQLite leaves identical tables; the apps serve the copies (logins with
// copied passwords, full-text search, new rows after the copied ids); a
// non-empty target is refused without --replace; a copy killed part-way or
// failing part-way leaves the target as it was, and running it again works;
// bad arguments get clear errors.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "platform/db/connection.hpp"
#include "support/harness.hpp"
#include "support/pg.hpp"

namespace {

using namespace ts::test;
namespace fs = std::filesystem;

const char* kShopSecret = "dbcopy-test-secret-key-for-the-shop-0123456789";
const char* kMbSecret = "dbcopy-test-secret-key-for-the-microblog-0123456";

struct Run {
  int status;
  std::string out;
};

Run run(const std::string& bin, const std::vector<std::string>& args,
        const std::map<std::string, std::string>& env = {}) {
  TempDir dir("ts-dbcopy-run-");
  Process p(bin_path(bin), args, env, (dir.path() / "log").string());
  const auto status = p.wait(std::chrono::seconds(120));
  return {status.value_or(-1), p.log()};
}

std::vector<std::string> copy_args(const std::string& from, const std::string& to,
                                   bool replace = false) {
  std::vector<std::string> args{"db", "copy", "--from", from, "--to", to};
  if (replace) args.push_back("--replace");
  return args;
}

Run copy(const std::string& from, const std::string& to, bool replace = false,
         const std::map<std::string, std::string>& env = {}) {
  return run("tierstack", copy_args(from, to, replace), env);
}

bool has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

std::map<std::string, std::string> shop_env(const std::string& url, const fs::path& media) {
  return {{"SHOP_DATABASE_URL", url},
          {"SHOP_SECRET_KEY", kShopSecret},
          {"SHOP_ACCESS_LOG", "false"},
          {"SHOP_MEDIA_DIR", media.string()},
          {"SHOP_ALLOW_SANDBOX", "true"}};  // serve takes the sandbox gateway only when allowed
}

std::map<std::string, std::string> mb_env(const std::string& url, const fs::path& outbox) {
  return {{"MICROBLOG_DATABASE_URL", url},
          {"MICROBLOG_SECRET_KEY", kMbSecret},
          {"MICROBLOG_ACCESS_LOG", "false"},
          {"MICROBLOG_OUTBOX_DIR", outbox.string()},
          {"MICROBLOG_WEB_DIR", std::string(TS_SOURCE_DIR) + "/web/microblog"}};
}

// Every table of both apps, in primary-key order (bytewise for text keys on
// both engines), one line per row; written independently of tierstack's own
// checksum code so that the comparison checks it.
struct DumpTable {
  const char* name;
  const char* order;
  const char* pg_order;
};
const DumpTable kTables[] = {
    {"shop_users", "id", "id"},
    {"shop_products", "id", "id"},
    {"shop_addresses", "id", "id"},
    {"shop_cards", "id", "id"},
    {"shop_orders", "id", "id"},
    {"shop_revoked_tokens", "jti", "jti COLLATE \"C\""},
    {"shop_idempotency_keys", "user_id, idempotency_key", "user_id, idempotency_key COLLATE \"C\""},
    {"mb_users", "id", "id"},
    {"mb_posts", "id", "id"},
    {"mb_followers", "follower_id, followed_id", "follower_id, followed_id"},
    {"mb_messages", "id", "id"},
    {"mb_notifications", "id", "id"},
    {"mb_tasks", "id", "id COLLATE \"C\""},
    {"mb_content_version", "id", "id"},
};

std::string cell(const ts::db::Value& v) {
  const auto& var = v.variant();
  if (v.is_null()) return "NULL";
  if (auto* i = std::get_if<std::int64_t>(&var)) return std::to_string(*i);
  if (auto* b = std::get_if<bool>(&var)) return *b ? "1" : "0";
  if (auto* d = std::get_if<double>(&var)) {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, *d);
    return "~" + std::string(buf, res.ptr);
  }
  return "'" + std::get<std::string>(var) + "'";
}

using Dump = std::map<std::string, std::string>;

Dump dump(const std::string& url) {
  auto c = ts::db::connect(url);
  const bool pg = c->dialect() == ts::db::Dialect::postgres;
  Dump out;
  for (const auto& t : kTables) {
    const auto r = c->query(std::string("SELECT * FROM ") + t.name + " ORDER BY " +
                            (pg ? t.pg_order : t.order));
    std::string s;
    for (const auto& col : r.columns()) s += col + "|";
    s += "\n";
    for (const auto& row : r) {
      for (std::size_t i = 0; i < row.size(); ++i) s += cell(row.at(i)) + "|";
      s += "\n";
    }
    out[t.name] = s;
  }
  return out;
}

std::int64_t count(const std::string& url, const std::string& table) {
  return ts::db::connect(url)->query("SELECT count(*) FROM " + table).scalar<std::int64_t>();
}

// The copy's own verdict: every table listed as matching, and the summary.
void expect_verified(const std::string& out) {
  for (const auto& t : kTables)
    EXPECT_TRUE(std::regex_search(
        out, std::regex(std::string("\\n  ") + t.name + " +[0-9,]+  [0-9a-f]{16}  match\\n")))
        << t.name << "\n"
        << out;
  EXPECT_TRUE(has(out, "row counts and checksums match")) << out;
}

void expect_same(const Dump& want, const Dump& got, const std::string& what) {
  ASSERT_EQ(want.size(), got.size()) << what;
  for (const auto& [table, rows] : want) EXPECT_EQ(rows, got.at(table)) << what << ": " << table;
}

std::string form_encode(const std::map<std::string, std::string>& fields) {
  static const char* hex = "0123456789ABCDEF";
  std::string body;
  for (const auto& [k, v] : fields) {
    if (!body.empty()) body += '&';
    for (const std::string* s : {&k, &v}) {
      for (unsigned char c : *s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
          body += static_cast<char>(c);
        } else {
          body += '%';
          body += hex[c >> 4];
          body += hex[c & 15];
        }
      }
      if (s == &k) body += '=';
    }
  }
  return body;
}

// A cookie-keeping client of the microblog's web pages.
class MbBrowser {
 public:
  explicit MbBrowser(unsigned short port) : port_(port) {}

  HttpResponse send(const std::string& method, const std::string& target, const std::string& body,
                    std::map<std::string, std::string> headers = {}) {
    if (!cookie_.empty()) headers["Cookie"] = "session=" + cookie_;
    headers["Accept"] = "text/html";
    HttpClient c(port_);
    auto r = c.request(method, target, body, headers);
    const auto sc = r.header("set-cookie");
    if (sc.rfind("session=", 0) == 0) cookie_ = sc.substr(8, sc.find(';') - 8);
    return r;
  }
  HttpResponse get(const std::string& target) { return send("GET", target, ""); }
  // Posts a form with the CSRF token of `form_page`.
  HttpResponse post(const std::string& target, std::map<std::string, std::string> fields,
                    const std::string& form_page) {
    static const std::regex re("name=\"csrf_token\" value=\"([^\"]+)\"");
    const auto page = get(form_page).body;
    std::smatch m;
    if (std::regex_search(page, m, re)) fields["csrf_token"] = m[1];
    return send("POST", target, form_encode(fields),
                {{"Content-Type", "application/x-www-form-urlencoded"}});
  }
  bool login(const std::string& user, const std::string& password) {
    auto r = post("/auth/login", {{"username", user}, {"password", password}}, "/auth/login");
    return r.status == 302 && r.header("location") == "/index";
  }
  bool say(const std::string& text) {
    auto r = post("/index", {{"post", text}}, "/index");
    return r.status == 302;
  }

 private:
  unsigned short port_;
  std::string cookie_;
};

std::string shop_login(unsigned short port, const std::string& user, const std::string& password) {
  auto r =
      http(port, "POST", "/account/login/",
           boost::json::serialize(boost::json::object{{"username", user}, {"password", password}}),
           {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 200) << r.body;
  if (r.status != 200) return "";
  return std::string(boost::json::parse(r.body).at("token").as_string());
}

TEST(DbCopy, SqliteToPostgresToSqliteServedReplacedAndInterrupted) {
  TempDir dir("ts-dbcopy-");
  const fs::path media = dir.path() / "media", outbox = dir.path() / "outbox";
  const std::string a = "sqlite://" + (dir.path() / "a.db").string();
  const std::string b = "sqlite://" + (dir.path() / "b.db").string();

  // Data made by the apps themselves, both in one SQLite file.
  auto seeded = run("shop", {"seed", "--users", "20", "--orders", "60"}, shop_env(a, media));
  ASSERT_EQ(seeded.status, 0) << seeded.out;
  const auto customer = ts::db::connect(a)
                            ->query("SELECT username FROM shop_users ORDER BY id LIMIT 1")
                            .scalar<std::string>();
  {
    Service shop(bin_path("shop"), "SHOP", {"serve"}, shop_env(a, media));
    const auto token = shop_login(shop.port(), customer, "seed-password");
    ASSERT_FALSE(token.empty());
    auto out = http(shop.port(), "POST", "/account/logout/", "{}",
                    {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + token}});
    EXPECT_LT(out.status, 300) << out.body;  // revokes the token: a text-keyed row
  }
  {
    Service mb(bin_path("microblog"), "MICROBLOG", {"serve"}, mb_env(a, outbox));
    for (const char* u : {"alice", "bob"}) {
      auto r = http(
          mb.port(), "POST", "/api/users",
          boost::json::serialize(boost::json::object{{"username", u},
                                                     {"email", std::string(u) + "@example.com"},
                                                     {"password", std::string(u) + "-secret-1"}}),
          {{"Content-Type", "application/json"}});
      ASSERT_EQ(r.status, 201) << r.body;
    }
    MbBrowser bob(mb.port()), alice(mb.port());
    ASSERT_TRUE(bob.login("bob", "bob-secret-1"));
    ASSERT_TRUE(bob.say("bob writes about giraffes and their long necks"));
    ASSERT_TRUE(alice.login("alice", "alice-secret-1"));
    ASSERT_TRUE(alice.say("copying databases keeps the zebras safe"));
    ASSERT_TRUE(alice.say("naïve café ☕ with 'single' and \"double\" quotes; 100% sure"));
    EXPECT_EQ(alice.post("/follow/bob", {}, "/user/bob").status, 302);
    EXPECT_EQ(
        alice.post("/send_message/bob", {{"message", "hello bob, from alice"}}, "/send_message/bob")
            .status,
        302);
    EXPECT_EQ(alice.post("/export_posts", {}, "/user/alice").status, 302);
  }
  for (const char* t :
       {"shop_revoked_tokens", "mb_followers", "mb_messages", "mb_notifications", "mb_tasks"})
    EXPECT_GE(count(a, t), 1) << t;
  EXPECT_EQ(count(a, "mb_posts"), 3);
  EXPECT_GE(count(a, "shop_orders"), 60);
  const Dump source = dump(a);

  // SQLite -> PostgreSQL -> SQLite.
  TempPgDatabase pg;
  auto first = copy(a, pg.url());
  ASSERT_EQ(first.status, 0) << first.out;
  expect_verified(first.out);
  EXPECT_TRUE(has(first.out, "shop_orders: ")) << first.out;  // progress, line per update
  EXPECT_TRUE(has(first.out, "not copied (search index, rebuilt on the target): mb_posts_fts"))
      << first.out;
  expect_same(source, dump(pg.url()), "sqlite -> postgres");
  auto second = copy(pg.url(), b);
  ASSERT_EQ(second.status, 0) << second.out;
  expect_verified(second.out);
  expect_same(source, dump(b), "sqlite -> postgres -> sqlite");

  // The apps serve the copies: copied password hashes verify, search finds
  // copied posts, and new rows get ids after the copied ones.
  {
    Service shop(bin_path("shop"), "SHOP", {"serve"}, shop_env(pg.url(), media));
    EXPECT_FALSE(shop_login(shop.port(), customer, "seed-password").empty());
    const auto max_id =
        ts::db::connect(pg.url())->query("SELECT MAX(id) FROM shop_users").scalar<std::int64_t>();
    auto reg = http(shop.port(), "POST", "/account/register/",
                    boost::json::serialize(boost::json::object{{"username", "newcomer"},
                                                               {"email", "new@example.com"},
                                                               {"password", "newcomer-pw-123"}}),
                    {{"Content-Type", "application/json"}});
    EXPECT_EQ(reg.status, 200) << reg.body;
    EXPECT_EQ(ts::db::connect(pg.url())
                  ->query("SELECT id FROM shop_users WHERE username = 'newcomer'")
                  .scalar<std::int64_t>(),
              max_id + 1);

    Service mb(bin_path("microblog"), "MICROBLOG", {"serve"}, mb_env(pg.url(), outbox));
    MbBrowser alice(mb.port());
    ASSERT_TRUE(alice.login("alice", "alice-secret-1"));
    EXPECT_TRUE(has(alice.get("/search?q=zebras").body, "copying databases keeps the zebras"));
    EXPECT_FALSE(has(alice.get("/search?q=zebras").body, "giraffes"));
    EXPECT_TRUE(alice.say("a new post on postgres after the copy"));
  }
  {
    Service mb(bin_path("microblog"), "MICROBLOG", {"serve"}, mb_env(b, outbox));
    MbBrowser bob(mb.port());
    ASSERT_TRUE(bob.login("bob", "bob-secret-1"));
    EXPECT_TRUE(has(bob.get("/search?q=giraffes").body, "bob writes about giraffes"));
    EXPECT_TRUE(bob.say("a new post on sqlite after the copy"));
  }

  // A target with data is refused, and left alone.
  const Dump pg_before = dump(pg.url());
  EXPECT_NE(pg_before.at("shop_users"), source.at("shop_users"));
  auto refused = copy(a, pg.url());
  EXPECT_EQ(refused.status, 3) << refused.out;
  EXPECT_TRUE(has(refused.out, "the target already holds data")) << refused.out;
  EXPECT_TRUE(has(refused.out, "--replace")) << refused.out;
  expect_same(pg_before, dump(pg.url()), "after the refusal");

  // --replace killed part-way (SIGKILL once shop_addresses is written):
  // PostgreSQL rolls the whole copy back, deletions included.
  {
    TempDir logdir("ts-dbcopy-kill-");
    const auto log = (logdir.path() / "log").string();
    Process p(bin_path("tierstack"), copy_args(a, pg.url(), true),
              {{"TIERSTACK_DBCOPY_TEST_INTERRUPT", "shop_addresses:hang"}}, log);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!has(p.log(), "test interrupt: waiting after shop_addresses") && p.running() &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(has(p.log(), "waiting after shop_addresses")) << p.log();
    EXPECT_TRUE(has(p.log(), "  shop_users: ")) << p.log();
    p.signal(SIGKILL);
    EXPECT_EQ(p.wait(std::chrono::seconds(10)).value_or(-1), 128 + SIGKILL);
  }
  expect_same(pg_before, dump(pg.url()), "after a killed copy");

  // A copy that fails part-way on SQLite leaves it as it was, too.
  const Dump b_before = dump(b);
  auto failed = copy(pg.url(), b, true, {{"TIERSTACK_DBCOPY_TEST_INTERRUPT", "mb_posts:fail"}});
  EXPECT_EQ(failed.status, 1) << failed.out;
  EXPECT_TRUE(has(failed.out, "left as it was")) << failed.out;
  expect_same(b_before, dump(b), "after a failed copy");

  // Running it again replaces the data cleanly.
  auto again = copy(a, pg.url(), true);
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_TRUE(has(again.out, "will be replaced")) << again.out;
  expect_same(source, dump(pg.url()), "after --replace");
  auto again_b = copy(a, b, true);
  ASSERT_EQ(again_b.status, 0) << again_b.out;
  expect_same(source, dump(b), "sqlite after --replace");
}

TEST(DbCopy, ClearErrorsForBadArguments) {
  TempDir dir("ts-dbcopy-err-");
  const std::string src = "sqlite://" + (dir.path() / "src.db").string();
  const std::string dst = "sqlite://" + (dir.path() / "dst.db").string();
  auto migrated =
      run("shop", {"migrate"}, {{"SHOP_DATABASE_URL", src}, {"SHOP_SECRET_KEY", kShopSecret}});
  ASSERT_EQ(migrated.status, 0) << migrated.out;

  struct Case {
    std::string from, to;
    int status;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"mysql://db.example.com/shop", dst, 2, "--from: unsupported database URL scheme"},
      {src, "sqlite://relative.db", 2, "--to: SQLite URL must name an absolute path"},
      {"sqlite://" + (dir.path() / "missing.db").string(), dst, 2,
       "--from: there is no SQLite database at"},
      {src, "sqlite://" + (dir.path() / "no-such-dir" / "x.db").string(), 2, "does not exist"},
      {src, src, 2, "--from and --to name the same database"},
      {src, "postgresql://nobody:secret@127.0.0.1:1/nowhere", 1,
       "cannot open the target database postgresql://nobody:***@127.0.0.1:1/nowhere"},
  };
  for (const auto& c : cases) {
    auto r = copy(c.from, c.to);
    EXPECT_EQ(r.status, c.status) << c.from << " -> " << c.to << "\n" << r.out;
    EXPECT_TRUE(has(r.out, c.message)) << r.out;
    EXPECT_FALSE(has(r.out, "secret@")) << r.out;
  }
  EXPECT_FALSE(fs::exists(dir.path() / "missing.db"));

  auto usage = run("tierstack", {"db", "copy", "--from", src});
  EXPECT_NE(usage.status, 0);
  EXPECT_TRUE(has(usage.out, "--to")) << usage.out;

  // A source without either app's schema.
  ts::db::connect("sqlite://" + (dir.path() / "other.db").string())
      ->query("CREATE TABLE unrelated (id INTEGER PRIMARY KEY)");
  auto empty = copy("sqlite://" + (dir.path() / "other.db").string(), dst);
  EXPECT_EQ(empty.status, 1) << empty.out;
  EXPECT_TRUE(has(empty.out, "holds no shop or microblog schema")) << empty.out;

  // A source migrated by a newer shop than the one beside tierstack.
  ts::db::connect(src)->query(
      "INSERT INTO ts_schema_migrations (app, version, name, applied_at) "
      "VALUES ('shop', 999, 'from_the_future', '2030-01-01T00:00:00.000000Z')");
  auto newer = copy(src, dst);
  EXPECT_EQ(newer.status, 1) << newer.out;
  EXPECT_TRUE(has(newer.out,
                  "the source's shop schema is at version 999, newer than the shop "
                  "binary"))
      << newer.out;
}

}  // namespace
