// microblog import-flask (issue 8): a database in the original Flask schema,
// built by flask_fixture.cpp with the data quirks of spec microblog.md §1 and
// §10, imported into a fresh microblog on the same engine; rows checked one
// by one, the report's anomalies checked, and Werkzeug-hashed passwords log
// in over HTTP (web form and API) and are rehashed to argon2id.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>

#include "../microblog/mb_fixture.hpp"
#include "flask_fixture.hpp"
#include "platform/auth/crypto.hpp"
#include "platform/db/connection.hpp"

namespace {

using namespace mb_test;
using namespace mb_import_test;

// "  users                 6 rows       0 skipped", as the importer prints it.
std::string table_line(const char* table, int rows, int skipped) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "  %-14s %8d rows  %6d skipped\n", table, rows, skipped);
  return buf;
}

class MicroblogImport : public ::testing::TestWithParam<std::string> {
 protected:
  MicroblogImport() : server(GetParam()), source(GetParam()) {
    build_flask_db(source.url());
    db = ts::db::connect(server.db_url());
  }

  std::pair<int, std::string> import(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"import-flask", "--from", source.url()};
    args.insert(args.end(), extra.begin(), extra.end());
    return server.cmd(args);
  }

  bool sqlite() const { return GetParam() == "sqlite"; }
  std::int64_t count(const std::string& table) {
    return db->query("SELECT COUNT(*) FROM " + table).scalar<std::int64_t>();
  }

  MbServer server;
  Database source;
  std::unique_ptr<ts::db::Connection> db;
};

TEST_P(MicroblogImport, ImportsEveryTableAndReportsAnomalies) {
  auto [status, out] = import();
  ASSERT_EQ(status, 0) << out;
  const int extra = sqlite() ? 1 : 0;  // rows PostgreSQL's constraints kept out of the source
  EXPECT_TRUE(contains(out, table_line("users", 6, 0))) << out;
  EXPECT_TRUE(contains(out, table_line("posts", 6 + extra, extra))) << out;
  EXPECT_TRUE(contains(out, table_line("followers", 3, 1 + extra))) << out;
  EXPECT_TRUE(contains(out, table_line("messages", 3, extra))) << out;
  EXPECT_TRUE(contains(out, table_line("notifications", 1, 3 + extra))) << out;
  EXPECT_TRUE(contains(out, table_line("tasks", 0, 2))) << out;
  EXPECT_TRUE(contains(out, "users          [##############################] 6/6 rows")) << out;
  EXPECT_TRUE(contains(out, "tasks          [##############################] 2/2 rows")) << out;
  EXPECT_TRUE(contains(out, "API tokens still valid, kept (stored hashed): 1")) << out;

  // The report: each kind with its count and examples.
  for (const char* line :
       {"usernames equal to an earlier user's ignoring case (renamed): 1\n    John (#3) → John-3",
        "usernames outside the new rules (kept: the owner still logs in with it): 1\n"
        "    mary jane (#4)",
        "e-mail addresses equal to an earlier user's ignoring case (replaced): 1\n"
        "    mary jane (#4): Susan@Example.com → user-4@imported.invalid",
        "users whose password_hash is not a Werkzeug or argon2 hash (NULL: must reset their "
        "password): 3\n    mary jane (#4): NULL\n    david (#5): unrecognised format\n"
        "    olduser (#10): unrecognised format",
        "posts with an empty or unknown language (detected now): 1\n    post #4: '' → en",
        "users following themselves (skipped: not allowed here): 1\n    #1 → #1",
        "older duplicate notifications of the same user and name (skipped): 1\n"
        "    notification #2 unread_message_count for #1",
        "task_progress notifications (skipped with the tasks): 1",
        "notifications whose payload_json is not JSON (skipped): 1",
        "task rows (RQ jobs; not imported): 2\n"
        "    6b1f1c8e-0000-4000-8000-000000000001 export_posts (unfinished)"})
    EXPECT_TRUE(contains(out, line)) << line << "\n---\n" << out;
  EXPECT_TRUE(contains(out, sqlite() ? "(kept empty: no Translate link): 2\n    post #5: NULL"
                                     : "(kept empty: no Translate link): 1\n    post #5: NULL"))
      << out;
  for (const char* line :
       {"posts whose author does not exist (skipped): 1\n    post #6 by #99 (missing)",
        "posts longer than 140 characters (cut to 140): 1\n    post #7: 150 characters",
        "followers rows naming a missing user (skipped): 1\n    #2 → #99 (missing)",
        "messages whose sender or recipient does not exist (skipped): 1\n"
        "    message #4: #1 → #99 (missing)",
        "notifications for a missing user (skipped): 1"})
    EXPECT_EQ(contains(out, line), sqlite()) << line << "\n---\n" << out;

  // Users: ids kept, Werkzeug hashes kept, times in UTC microseconds, only a
  // hash of a still-valid token.
  auto u = db->query(
      "SELECT id, username, email, password_hash, about_me, last_seen, last_message_read_time, "
      "token_hash, token_expiration, token_nonce FROM mb_users ORDER BY id");
  ASSERT_EQ(u.size(), 6u);
  EXPECT_EQ(u[0].get<std::int64_t>(0), 1);
  EXPECT_EQ(u[0].get<std::string>(1), "john");
  EXPECT_EQ(u[0].get<std::string>(2), "john@example.com");
  EXPECT_EQ(u[0].get<std::string>(3), kPbkdf2Hash);
  EXPECT_EQ(u[0].get<std::string>(4), "I am John");
  EXPECT_EQ(u[0].get<std::int64_t>(5), 1727326620123456);  // 2024-09-26 04:57:00.123456
  EXPECT_EQ(u[0].get<std::int64_t>(6), 1726826400000000);  // 2024-09-20 10:00:00
  EXPECT_EQ(u[0].get<std::string>(7), ts::auth::sha256_hex(kJohnToken));
  EXPECT_EQ(u[0].get<std::int64_t>(8), 4070908800000000);  // 2099-01-01
  EXPECT_TRUE(u[0].is_null(9));
  EXPECT_EQ(u[1].get<std::string>(1), "susan");
  EXPECT_EQ(u[1].get<std::string>(3), kScryptHash);
  EXPECT_TRUE(u[1].is_null(4));
  EXPECT_EQ(u[1].get<std::int64_t>(5), 1727265600000000);  // 2024-09-25 12:00:00
  EXPECT_TRUE(u[1].is_null(6));
  EXPECT_TRUE(u[1].is_null(7));  // expired in 2020: dropped
  EXPECT_TRUE(u[1].is_null(8));
  EXPECT_EQ(u[2].get<std::int64_t>(0), 3);
  EXPECT_EQ(u[2].get<std::string>(1), "John-3");
  EXPECT_EQ(u[2].get<std::string>(2), "john.smith@example.com");
  EXPECT_EQ(u[3].get<std::string>(1), "mary jane");
  EXPECT_EQ(u[3].get<std::string>(2), "user-4@imported.invalid");
  EXPECT_TRUE(u[3].is_null(3));
  EXPECT_EQ(u[3].get<std::string>(4), "Hi, I'm Mary Jane");
  EXPECT_TRUE(u[3].is_null(5));
  EXPECT_TRUE(u[4].is_null(3));
  EXPECT_EQ(u[5].get<std::int64_t>(0), 10);
  EXPECT_EQ(u[5].get<std::string>(1), "olduser");
  EXPECT_TRUE(u[5].is_null(3));
  EXPECT_EQ(u[5].get<std::int64_t>(5), 1546300800000000);  // 2019-01-01

  // Posts: ids, authors, times and languages.
  auto p = db->query("SELECT id, user_id, timestamp, language, body FROM mb_posts ORDER BY id");
  ASSERT_EQ(p.size(), sqlite() ? 7u : 6u);
  EXPECT_EQ(p[0].get<std::int64_t>(0), 1);
  EXPECT_EQ(p[0].get<std::int64_t>(1), 1);
  EXPECT_EQ(p[0].get<std::int64_t>(2), 1725177600500000);  // 2024-09-01 08:00:00.5
  EXPECT_EQ(p[0].get<std::string>(3), "en");
  EXPECT_EQ(p[1].get<std::string>(3), "es");
  EXPECT_EQ(p[1].get<std::string>(4), "Hola, este es mi primer artículo en el microblog");
  EXPECT_EQ(p[2].get<std::string>(3), "zh-cn");
  EXPECT_EQ(p[2].get<std::string>(4), "今天天气很好");
  EXPECT_EQ(p[3].get<std::int64_t>(0), 4);
  EXPECT_EQ(p[3].get<std::string>(3), "en");  // '' in the original, detected
  EXPECT_EQ(p[4].get<std::int64_t>(0), 5);
  EXPECT_EQ(p[4].get<std::int64_t>(1), 5);
  EXPECT_EQ(p[4].get<std::string>(3), "");  // NULL, too short to detect
  std::size_t i = 5;
  if (sqlite()) {
    EXPECT_EQ(p[5].get<std::int64_t>(0), 7);
    EXPECT_EQ(p[5].get<std::string>(4), std::string(140, 'x'));
    i = 6;
  }
  EXPECT_EQ(p[i].get<std::int64_t>(0), 42);
  EXPECT_EQ(p[i].get<std::int64_t>(1), 2);
  EXPECT_EQ(p[i].get<std::int64_t>(2), 1725609600250000);  // 2024-09-06 08:00:00.25

  std::set<std::pair<std::int64_t, std::int64_t>> follows;
  for (const auto& r : db->query("SELECT follower_id, followed_id FROM mb_followers"))
    follows.emplace(r.get<std::int64_t>(0), r.get<std::int64_t>(1));
  EXPECT_EQ(follows, (std::set<std::pair<std::int64_t, std::int64_t>>{{1, 2}, {2, 1}, {3, 1}}));

  auto m =
      db->query("SELECT id, sender_id, recipient_id, body, timestamp FROM mb_messages ORDER BY id");
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].get<std::int64_t>(1), 1);
  EXPECT_EQ(m[0].get<std::int64_t>(2), 2);
  EXPECT_EQ(m[0].get<std::string>(3), "Hi Susan");
  EXPECT_EQ(m[0].get<std::int64_t>(4), 1726909200000000);  // 2024-09-21 09:00:00
  EXPECT_EQ(m[1].get<std::int64_t>(4), 1726995600000000);
  EXPECT_EQ(m[2].get<std::int64_t>(1), 4);
  EXPECT_EQ(m[2].get<std::int64_t>(2), 4);  // to oneself: allowed, kept

  auto n = db->query(
      "SELECT id, name, user_id, timestamp, payload_json FROM mb_notifications ORDER BY id");
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].get<std::int64_t>(0), 1);
  EXPECT_EQ(n[0].get<std::string>(1), "unread_message_count");
  EXPECT_EQ(n[0].get<std::int64_t>(2), 1);
  EXPECT_EQ(n[0].get<double>(3), 1727000000.25);
  EXPECT_EQ(n[0].get<std::string>(4), "1");
  EXPECT_EQ(count("mb_tasks"), 0);
}

TEST_P(MicroblogImport, WerkzeugPasswordsLogInOverHttpAndAreRehashed) {
  auto [status, out] = import();
  ASSERT_EQ(status, 0) << out;
  auto hash_of = [&](int id) {
    return db->query("SELECT password_hash FROM mb_users WHERE id = $1", {id})[0]
        .get<std::optional<std::string>>(0)
        .value_or("NULL");
  };

  // Web form login with the pbkdf2:sha256 hash; it becomes argon2id.
  Browser john(server);
  ASSERT_TRUE(john.login("john", kJohnPassword));
  EXPECT_EQ(hash_of(1).rfind("$argon2id$", 0), 0u) << hash_of(1);
  EXPECT_TRUE(Browser(server).login("john", kJohnPassword));  // now against argon2id
  EXPECT_FALSE(Browser(server).login("john", "wrong-password"));

  // The search index covers the imported posts; the notification came along.
  auto r = john.get("/search?q=zeppelin");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(contains(r.body, "Watching the zeppelin parade downtown today")) << r.body;
  EXPECT_TRUE(contains(r.body, "<span id=\"post42\">")) << r.body;
  auto notes =
      json(john.send("GET", "/notifications?since=0", "", {{"Accept", "application/json"}}))
          .as_array();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].at("name").as_string(), "unread_message_count");
  EXPECT_EQ(notes[0].at("data").as_int64(), 1);
  EXPECT_EQ(notes[0].at("timestamp").as_double(), 1727000000.25);
  // A name outside the new rules still has a working profile page.
  r = john.get("/user/mary%20jane");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(contains(r.body, "User: mary jane")) << r.body;

  // API: a token for the scrypt-hashed user through Basic auth, then Bearer.
  r = http(server.port(), "POST", "/api/tokens", "",
           {{"Authorization", basic_auth("susan", kSusanPassword)}});
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string token(json(r).at("token").as_string());
  EXPECT_EQ(hash_of(2).rfind("$argon2id$", 0), 0u) << hash_of(2);
  r = http(server.port(), "GET", "/api/users/2", "", {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r).at("username").as_string(), "susan");
  EXPECT_EQ(json(r).at("last_seen").as_string(), "2024-09-25T12:00:00.000000+00:00");
  EXPECT_EQ(json(r).at("follower_count").as_int64(), 1);
  // The original's plaintext token, valid until 2099, still works; the expired one does not.
  r = http(server.port(), "GET", "/api/users/1", "",
           {{"Authorization", "Bearer " + std::string(kJohnToken)}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r).at("post_count").as_int64(), 2);
  EXPECT_EQ(http(server.port(), "GET", "/api/users/1", "",
                 {{"Authorization", "Bearer " + std::string(kSusanToken)}})
                .status,
            401);

  // Accounts without a usable hash cannot log in (no 500 on the NULL hash).
  for (auto [user, password] : {std::pair{"david", "plaintext-secret"},
                                {"mary jane", "anything-at-all"},
                                {"olduser", "whatever-it-was"}}) {
    Browser b(server);
    auto res =
        b.post("/auth/login", {{"username", user}, {"password", password}}, true, "/auth/login");
    EXPECT_EQ(res.status, 302) << user;
    EXPECT_EQ(res.header("location"), "/auth/login") << user;
  }
  EXPECT_EQ(http(server.port(), "POST", "/api/tokens", "",
                 {{"Authorization", basic_auth("david", "plaintext-secret")}})
                .status,
            401);

  // New rows get ids past the imported ones (PostgreSQL: identities moved).
  Browser fresh(server);
  fresh.signup("newcomer");
  ASSERT_EQ(fresh.post("/index", {{"post", "my first post after the import"}}).status, 302);
  EXPECT_GT(db->query("SELECT id FROM mb_users WHERE username = 'newcomer'").scalar<std::int64_t>(),
            10);
  EXPECT_GT(db->query("SELECT MAX(id) FROM mb_posts").scalar<std::int64_t>(), 42);
}

TEST_P(MicroblogImport, RefusesANonEmptyTargetUnlessReplaceAndExplainsBadSources) {
  auto [status, out] = import();
  ASSERT_EQ(status, 0) << out;
  std::tie(status, out) = import();
  EXPECT_EQ(status, 1) << out;
  EXPECT_TRUE(contains(out, "already has")) << out;
  EXPECT_TRUE(contains(out, "--replace")) << out;
  db->query("UPDATE mb_users SET about_me = 'changed' WHERE id = 1");
  std::tie(status, out) = import({"--replace"});
  ASSERT_EQ(status, 0) << out;
  EXPECT_TRUE(contains(out, "--replace: deleted")) << out;
  EXPECT_EQ(count("mb_users"), 6);
  EXPECT_EQ(db->query("SELECT about_me FROM mb_users WHERE id = 1").scalar<std::string>(),
            "I am John");

  TempDir dir;
  std::tie(status, out) = server.cmd({"import-flask", "--from", (dir.path() / "app.db").string()});
  EXPECT_EQ(status, 1) << out;
  EXPECT_TRUE(contains(out, "no such SQLite file")) << out;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "app.db"));

  ts::db::connect("sqlite://" + (dir.path() / "other.db").string())
      ->execute_script("CREATE TABLE unrelated (x INTEGER)");
  std::tie(status, out) =
      server.cmd({"import-flask", "--from", "sqlite://" + (dir.path() / "other.db").string()});
  EXPECT_EQ(status, 1) << out;
  EXPECT_TRUE(contains(out, "the source has no readable table \"user\"")) << out;

  Database old(GetParam());
  build_flask_db(old.url(), "c81bac34faab");
  std::tie(status, out) = server.cmd({"import-flask", "--from", old.url(), "--replace"});
  EXPECT_EQ(status, 1) << out;
  EXPECT_TRUE(contains(out, "Alembic revision 'c81bac34faab', not the head 834b1a697901")) << out;

  std::tie(status, out) = server.cmd({"import-flask", "--from", "mysql://host/db"});
  EXPECT_EQ(status, 1) << out;
  EXPECT_TRUE(contains(out, "cannot open")) << out;
  std::tie(status, out) = server.cmd({"import-flask"});
  EXPECT_EQ(status, 2) << out;
  // None of the refused runs touched the imported data.
  EXPECT_EQ(count("mb_users"), 6);
}

INSTANTIATE_TEST_SUITE_P(Engines, MicroblogImport, ::testing::Values("sqlite", "postgres"));

// A DATETIME naming a day its month does not have: found by
// tests/fuzz/fuzz_import_rows (corpus/import_rows/mb-ts-june-31), it was read
// as the next month's day. Only a SQLite source can hold it (SQLAlchemy's
// SQLite DATETIME is text; PostgreSQL's timestamp refuses it), so this runs
// against SQLite sources.
class MicroblogImportSqliteSource : public MicroblogImport {};

TEST_P(MicroblogImportSqliteSource, ImpossibleDatetimeIsAnAnomaly) {
  ts::db::connect(source.url())
      ->query("UPDATE \"user\" SET last_seen = '2024-06-31 12:00:00' WHERE id = 1");
  auto [status, out] = import();
  ASSERT_EQ(status, 0) << out;
  EXPECT_TRUE(contains(out, "unreadable user.last_seen (NULL used): 1\n")) << out;
  EXPECT_TRUE(contains(out, ": 2024-06-31 12:00:00")) << out;
  EXPECT_FALSE(db->query("SELECT last_seen FROM mb_users WHERE id = 1")
                   .scalar<std::optional<std::int64_t>>()
                   .has_value());
}

INSTANTIATE_TEST_SUITE_P(Engines, MicroblogImportSqliteSource, ::testing::Values("sqlite"));

}  // namespace
