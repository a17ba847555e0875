// microblog import-flask --from URL [--replace]: imports the original Flask
// microblog's database (spec microblog.md §1, Alembic head 834b1a697901) into
// this microblog's schema.
//
// Table-driven: steps() lists (source query, target table, row transform); a
// transform turns one source row into the target row or skips it, noting
// anomalies. Source tables: "user", post, followers, message, notification,
// task — read with the same SQL on SQLite and PostgreSQL inside one read
// transaction (one snapshot). Each target table is written by a bulk writer
// in its own transaction, ids kept;
// on PostgreSQL the identities are then moved past them. DATETIMEs (naive
// UTC) become microseconds since the epoch. The run ends with the rows
// imported and skipped per table and the anomalies found.
#include <CLI/CLI.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "microblog/commands/commands.hpp"
#include "microblog/commands/import_rows.hpp"
#include "microblog/domain/language.hpp"
#include "microblog/domain/text.hpp"
#include "microblog/domain/timefmt.hpp"
#include "microblog/storage/tables.hpp"
#include "platform/auth/crypto.hpp"
#include "platform/auth/password.hpp"
#include "platform/db/connection.hpp"
#include "platform/db/import_support.hpp"
#include "platform/db/pool.hpp"
#include "platform/db/table.hpp"
#include "platform/service/command_line.hpp"

namespace microblog::commands {

namespace {

using ts::db::importing::Anomalies;
using ts::db::importing::Progress;
constexpr const char* kCommand = "microblog import-flask";

constexpr const char* kHeadRevision = "834b1a697901";
constexpr const char* kSourceTables[] = {"user",    "post",         "followers",
                                         "message", "notification", "task"};
// Target tables, children first (the order --replace empties them in).
constexpr const char* kTargetTables[] = {"mb_notifications", "mb_tasks", "mb_messages",
                                         "mb_followers",     "mb_posts", "mb_users"};

using import_rows::first_chars;
using import_rows::utc_micros;

std::string user_label(const std::string& name, std::int64_t id) {
  return name + " (#" + std::to_string(id) + ")";
}

std::string text_or_null(const std::optional<std::string>& s) {
  return s ? "'" + *s + "'" : "NULL";
}

int fail(const std::string& message) {
  std::fprintf(stderr, "microblog import-flask: %s\n", message.c_str());
  return 1;
}

// What the steps learn and later steps use.
struct State {
  std::int64_t now = 0;  // the import's time, for unreadable timestamps
  Anomalies bad;
  std::map<std::string, std::int64_t> imported, skipped;
  std::set<std::int64_t> user_ids;
  std::int64_t tokens_kept = 0;
  // The newest notification id per (user, name).
  std::map<std::pair<std::int64_t, std::string>, std::pair<double, std::int64_t>> newest;
  ts::db::Connection* target = nullptr;  // the step's transaction, for lookups
  std::string stage = "reading the source";
};

using ts::db::Row;
using OptText = std::optional<std::string>;
namespace stored = storage::rows;

std::string user_label_of(const State& st, std::int64_t id) {
  return "#" + std::to_string(id) + (st.user_ids.count(id) ? "" : " (missing)");
}

// user → mb_users. Names and addresses are unique ignoring case here (the
// original's indexes are case-sensitive); the target is asked with its own
// lower(), so every earlier user must be written first (one row a statement).
constexpr const char* kUsersSql =
    "SELECT id, username, email, password_hash, about_me, CAST(last_seen AS TEXT), "
    "CAST(last_message_read_time AS TEXT), token, CAST(token_expiration AS TEXT) "
    "FROM \"user\" ORDER BY id";

bool taken(State& st, const char* column, const std::string& value) {
  return !st.target
              ->query(std::string("SELECT 1 FROM mb_users WHERE lower(") + column + ") = lower($1)",
                      {value})
              .empty();
}

std::string free_username(State& st, const Row& r, std::int64_t id) {
  const auto original_name = r.get<std::string>(1);
  std::string username = original_name;
  if (!domain::valid_utf8(username)) {
    username = "user-" + std::to_string(id);
    st.bad.add("usernames that are not UTF-8 (renamed)", username);
  }
  if (domain::utf8_length(username) > 64) {
    username = first_chars(username, 64);
    st.bad.add("usernames longer than 64 characters (cut)",
               user_label(original_name, id) + " → " + username);
  }
  if (taken(st, "username", username)) {
    const std::string suffix = "-" + std::to_string(id);
    std::string candidate = first_chars(username, 64 - suffix.size()) + suffix;
    for (int k = 2; taken(st, "username", candidate); ++k)
      candidate = first_chars(username, 64 - suffix.size() - 1 - std::to_string(k).size()) +
                  suffix + "-" + std::to_string(k);
    st.bad.add("usernames equal to an earlier user's ignoring case (renamed)",
               user_label(original_name, id) + " → " + candidate);
    username = candidate;
  }
  if (!domain::valid_username(username))
    st.bad.add("usernames outside the new rules (kept: the owner still logs in with it)",
               user_label(username, id));
  return username;
}

std::string free_email(State& st, const Row& r, const std::string& username, std::int64_t id) {
  std::string email = r.get<OptText>(2).value_or("");
  const std::string original_email = email;
  const bool too_long = !domain::valid_utf8(email) || domain::utf8_length(email) > 120;
  if (too_long || taken(st, "email", email)) {
    // A reserved, undeliverable address (RFC 2606 .invalid) keeps the
    // account; the operator reads the original address in this report.
    email = "user-" + std::to_string(id) + "@imported.invalid";
    st.bad.add(too_long ? "e-mail addresses longer than 120 characters or not UTF-8 (replaced)"
                        : "e-mail addresses equal to an earlier user's ignoring case "
                          "(replaced)",
               user_label(username, id) + ": " + original_email + " → " + email);
  }
  return email;
}

void read_credentials(State& st, const Row& r, stored::User& u) {
  auto hash = r.get<OptText>(3);
  if (!hash || !ts::auth::is_usable_hash(*hash)) {
    st.bad.add(
        "users whose password_hash is not a Werkzeug or argon2 hash (NULL: must "
        "reset their password)",
        user_label(u.username, u.id) +
            (hash ? (hash->empty() ? ": ''" : ": unrecognised format") : ": NULL"));
    hash.reset();
  }
  u.password_hash = hash;
  // The original kept API tokens in plaintext; only a hash is stored here,
  // so a token still valid keeps working until it expires.
  const auto token = r.get<OptText>(7);
  const auto token_exp = utc_micros(r.get<OptText>(8));
  if (token && !token->empty() && token_exp && *token_exp > st.now) {
    u.token_hash = ts::auth::sha256_hex(*token);
    u.token_expiration = token_exp;
    ++st.tokens_kept;
  }
}

std::optional<stored::User> user_row(State& st, const Row& r) {
  stored::User u;
  u.id = r.get<std::int64_t>(0);
  u.username = free_username(st, r, u.id);
  u.email = free_email(st, r, u.username, u.id);
  read_credentials(st, r, u);
  u.about_me = r.get<OptText>(4);
  if (u.about_me && domain::utf8_length(*u.about_me) > 140) {
    st.bad.add("about_me longer than 140 characters (cut)", user_label(u.username, u.id));
    u.about_me = first_chars(*u.about_me, 140);
  }
  auto stamp = [&](int col, const char* what) -> std::optional<std::int64_t> {
    const auto text = r.get<OptText>(col);
    const auto us = utc_micros(text);
    if (text && !us)
      st.bad.add(std::string("unreadable ") + what + " (NULL used)",
                 user_label(u.username, u.id) + ": " + *text);
    return us;
  };
  u.last_seen = stamp(5, "user.last_seen");
  u.last_message_read_time = stamp(6, "user.last_message_read_time");
  st.user_ids.insert(u.id);
  return u;
}

// A post's or message's body of at most 140 characters.
std::string body_of(State& st, const Row& r, int col, const std::string& what, std::int64_t id) {
  auto body = r.get<std::string>(col);
  if (domain::utf8_length(body) > 140) {
    st.bad.add(what + "s longer than 140 characters (cut to 140)",
               what + " #" + std::to_string(id) + ": " + std::to_string(domain::utf8_length(body)) +
                   " characters");
    body = first_chars(body, 140);
  }
  return body;
}

// A post's or message's time, the import's when it cannot be read.
std::int64_t time_of(State& st, const Row& r, int col, const std::string& what, std::int64_t id) {
  const auto text = r.get<OptText>(col);
  const auto when = utc_micros(text);
  if (when) return *when;
  st.bad.add(what + "s with an unreadable timestamp (import time used)",
             what + " #" + std::to_string(id) + ": " + text_or_null(text));
  return st.now;
}

// post → mb_posts (the search index follows: an FTS5 trigger on SQLite, an
// expression index on PostgreSQL)
constexpr const char* kPostsSql =
    "SELECT id, body, CAST(timestamp AS TEXT), user_id, language FROM post ORDER BY id";

std::optional<stored::Post> post_row(State& st, const Row& r) {
  const auto id = r.get<std::int64_t>(0);
  const auto user = r.get<std::optional<std::int64_t>>(3);
  if (!user || !st.user_ids.count(*user)) {
    st.bad.add("posts whose author does not exist (skipped)",
               "post #" + std::to_string(id) + " by " + (user ? user_label_of(st, *user) : "NULL"));
    return std::nullopt;
  }
  stored::Post p{id, body_of(st, r, 1, "post", id), time_of(st, r, 2, "post", id), *user, ""};
  // langdetect wrote '' when it failed; the original's Translate link needs a
  // language, so those get one more try with CLD2.
  const auto lang = r.get<OptText>(4);
  p.language = lang.value_or("");
  if (p.language.empty() || p.language.size() > 5) {
    p.language = domain::detect_language(p.body);
    st.bad.add(p.language.empty()
                   ? "posts with an empty or unknown language (kept empty: no Translate link)"
                   : "posts with an empty or unknown language (detected now)",
               "post #" + std::to_string(id) + ": " + text_or_null(lang) +
                   (p.language.empty() ? "" : " → " + p.language));
  }
  return p;
}

// followers → mb_followers
constexpr const char* kFollowersSql =
    "SELECT follower_id, followed_id FROM followers ORDER BY follower_id, followed_id";

std::optional<stored::Follower> follower_row(State& st, const Row& r) {
  const auto a = r.get<std::int64_t>(0), b = r.get<std::int64_t>(1);
  const auto pair = user_label_of(st, a) + " → " + user_label_of(st, b);
  if (!st.user_ids.count(a) || !st.user_ids.count(b)) {
    st.bad.add("followers rows naming a missing user (skipped)", pair);
    return std::nullopt;
  }
  if (a == b) {
    st.bad.add("users following themselves (skipped: not allowed here)", pair);
    return std::nullopt;
  }
  return stored::Follower{a, b};
}

// message → mb_messages
constexpr const char* kMessagesSql =
    "SELECT id, sender_id, recipient_id, body, CAST(timestamp AS TEXT) FROM message "
    "ORDER BY id";

std::optional<stored::Message> message_row(State& st, const Row& r) {
  const auto id = r.get<std::int64_t>(0);
  const auto sender = r.get<std::optional<std::int64_t>>(1);
  const auto recipient = r.get<std::optional<std::int64_t>>(2);
  if (!sender || !recipient || !st.user_ids.count(*sender) || !st.user_ids.count(*recipient)) {
    st.bad.add("messages whose sender or recipient does not exist (skipped)",
               "message #" + std::to_string(id) + ": " +
                   (sender ? user_label_of(st, *sender) : "NULL") + " → " +
                   (recipient ? user_label_of(st, *recipient) : "NULL"));
    return std::nullopt;
  }
  return stored::Message{id, *sender, *recipient, body_of(st, r, 3, "message", id),
                         time_of(st, r, 4, "message", id)};
}

// notification → mb_notifications: one row per (user, name), as the original
// meant; task_progress ones belong to the tasks left behind.
constexpr const char* kNotificationsSql =
    "SELECT id, name, user_id, timestamp, payload_json FROM notification ORDER BY id";

void find_newest_notifications(State& st, const ts::db::Result& rows) {
  for (const auto& r : rows) {
    const auto key = std::make_pair(r.get<std::int64_t>(2), r.get<std::string>(1));
    const auto val = std::make_pair(r.get<double>(3), r.get<std::int64_t>(0));
    auto [it, fresh] = st.newest.emplace(key, val);
    if (!fresh && it->second < val) it->second = val;
  }
}

// Why a notification is skipped, or nullptr when it is imported.
const char* notification_skip(const State& st, const stored::Notification& n) {
  if (!st.user_ids.count(n.user_id)) return "notifications for a missing user (skipped)";
  if (n.name == "task_progress") return "task_progress notifications (skipped with the tasks)";
  if (st.newest.at({n.user_id, n.name}).second != n.id)
    return "older duplicate notifications of the same user and name (skipped)";
  boost::system::error_code ec;
  boost::json::parse(n.payload_json, ec);
  if (ec) return "notifications whose payload_json is not JSON (skipped)";
  return nullptr;
}

std::optional<stored::Notification> notification_row(State& st, const Row& r) {
  stored::Notification n{r.get<std::int64_t>(0), r.get<std::string>(1), r.get<std::int64_t>(2),
                         r.get<double>(3), r.get<std::string>(4)};
  if (const char* why = notification_skip(st, n)) {
    st.bad.add(why, "notification #" + std::to_string(n.id) + " " + n.name + " for " +
                        user_label_of(st, n.user_id));
    return std::nullopt;
  }
  return n;
}

// One source table into one target table, in one transaction.
struct Step {
  const char* label;  // as in the progress lines and the report
  std::function<void(State&, ts::db::Connection& src, ts::db::Pool& db)> run;
};

template <class T>
Step step(const char* label, const char* source_sql, const ts::db::Table<T>& (*target)(),
          std::optional<T> (*transform)(State&, const Row&), std::size_t rows_per_statement = 0,
          void (*before)(State&, const ts::db::Result&) = nullptr) {
  auto run = [=](State& st, ts::db::Connection& src, ts::db::Pool& db) {
    st.stage = std::string("importing ") + label;
    const auto rows = src.query(source_sql);
    if (before) before(st, rows);
    auto lease = db.acquire();
    ts::db::Transaction tx(*lease);
    st.target = &tx.connection();
    ts::db::BulkWriter<T> writer(tx.connection(), target(), rows_per_statement);
    Progress bar(kCommand, label, rows.size());
    std::size_t n = 0;
    for (const auto& r : rows) {
      if (auto row = transform(st, r)) {
        writer.add(*row);
        ++st.imported[label];
      } else {
        ++st.skipped[label];
      }
      bar.tick(++n);
    }
    writer.flush();
    st.target = nullptr;
    tx.commit();
  };
  return {label, run};
}

const std::vector<Step>& steps() {
  static const std::vector<Step> s = {
      step("users", kUsersSql, &stored::users_table, &user_row, 1),
      step("posts", kPostsSql, &stored::posts_table, &post_row),
      step("followers", kFollowersSql, &stored::followers_table, &follower_row),
      step("messages", kMessagesSql, &stored::messages_table, &message_row),
      step("notifications", kNotificationsSql, &stored::notifications_table, &notification_row, 0,
           &find_newest_notifications),
  };
  return s;
}

// task: the original's rows name Redis/RQ jobs that do not exist here (and an
// unfinished one would show a progress banner forever): counted, not imported.
void read_tasks(State& st, ts::db::Connection& src) {
  st.stage = "reading tasks";
  const auto rows = src.query("SELECT id, name, complete FROM task ORDER BY id");
  Progress bar(kCommand, "tasks", rows.size());
  std::size_t n = 0;
  for (const auto& r : rows) {
    bar.tick(++n);
    st.bad.add("task rows (RQ jobs; not imported)",
               r.get<std::string>(0) + " " + r.get<std::string>(1) +
                   (r.get<bool>(2) ? " (complete)" : " (unfinished)"));
    ++st.skipped["tasks"];
  }
}

struct Options {
  std::string from;
  bool replace = false;
};

// Parses the options, or gives the exit status when the run ends here.
std::variant<int, Options> parse_options(ts::service::Context& ctx) {
  CLI::App cli(
      "Import the original Flask microblog's database (tables user, post, followers, message, "
      "notification; task rows are counted, not imported) into this microblog's empty "
      "database: ids kept, one transaction per table, then a report of rows and anomalies.",
      "microblog import-flask");
  Options o;
  cli.add_option("--from", o.from,
                 "source database: sqlite:///path/app.db, a file path, or postgresql://…")
      ->required();
  cli.add_flag("--replace", o.replace,
               "delete every microblog row in the target first (otherwise a non-empty target "
               "is refused)");
  if (const auto status = ts::service::parse_command_line(cli, ctx.args)) return *status;
  return o;
}

// The source, opened, with every table and at the head revision; or the
// message why not.
std::variant<std::string, std::unique_ptr<ts::db::Connection>> open_checked_source(
    std::string& from) {
  std::unique_ptr<ts::db::Connection> src;
  try {
    src = ts::db::importing::open_source(from);
    // CAST(timestamp AS TEXT) follows DateStyle; utc_micros reads ISO.
    if (src->dialect() == ts::db::Dialect::postgres) src->execute_script("SET DateStyle = 'ISO'");
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
  for (const char* t : kSourceTables) {
    try {
      src->query(std::string("SELECT COUNT(*) FROM \"") + t + "\"");
    } catch (const std::exception& e) {
      return std::string("the source has no readable table \"") + t + "\" (" + e.what() + "); is " +
             ts::db::redact_url(from) +
             " an original microblog database, upgraded with `flask db upgrade`?";
    }
  }
  // alembic_version is absent when the tables were made by db.create_all()
  // (the original's tests); when present it must be the head revision.
  std::optional<std::string> revision;
  try {
    auto r = src->query("SELECT version_num FROM alembic_version");
    revision = r.empty() ? std::string() : r[0].get<std::string>(0);
  } catch (const std::exception&) {
  }
  if (revision && *revision != kHeadRevision)
    return "the source is at Alembic revision '" + *revision + "', not the head " + kHeadRevision +
           ": run `flask db upgrade` on it first";
  return src;
}

std::int64_t count_target_rows(ts::db::Pool& db) {
  std::int64_t existing = 0;
  for (const char* t : kTargetTables)
    existing += db.query(std::string("SELECT COUNT(*) FROM ") + t).scalar<std::int64_t>();
  return existing;
}

void empty_target(State& st, ts::db::Pool& db, std::int64_t existing) {
  st.stage = "emptying the target (--replace)";
  auto lease = db.acquire();
  ts::db::Transaction tx(*lease);
  for (const char* t : kTargetTables) tx.query(std::string("DELETE FROM ") + t);
  tx.commit();
  std::printf("microblog import-flask: --replace: deleted %lld rows from the target\n",
              static_cast<long long>(existing));
}

// Every table, from one snapshot of the source; then the identities.
void import_all(State& st, ts::db::Connection& src, ts::db::Pool& db) {
  ts::db::Transaction snapshot(src, ts::db::TxMode::read);
  if (src.dialect() == ts::db::Dialect::postgres)
    src.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  for (const auto& s : steps()) s.run(st, src, db);
  read_tasks(st, src);
  snapshot.commit();

  st.stage = "moving the PostgreSQL identities past the imported ids";
  auto lease = db.acquire();
  for (const auto* t : {&stored::users_table().name(), &stored::posts_table().name(),
                        &stored::messages_table().name(), &stored::notifications_table().name()})
    ts::db::move_identity_past_ids(*lease, *t);
  std::printf("microblog import-flask: API tokens still valid, kept (stored hashed): %lld\n",
              static_cast<long long>(st.tokens_kept));
}

void print_report(State& st, double secs) {
  std::printf("\nmicroblog import-flask: imported in %.1f s\n", secs);
  for (const char* t : {"users", "posts", "followers", "messages", "notifications", "tasks"})
    std::printf("  %-14s %8lld rows  %6lld skipped\n", t, static_cast<long long>(st.imported[t]),
                static_cast<long long>(st.skipped[t]));
  st.bad.print();
}

}  // namespace

int import_flask(ts::service::Context& ctx) {
  auto parsed = parse_options(ctx);
  if (const int* status = std::get_if<int>(&parsed)) return *status;
  auto& o = std::get<Options>(parsed);
  auto opened = open_checked_source(o.from);
  if (const auto* message = std::get_if<std::string>(&opened)) return fail(*message);
  auto& src = *std::get<1>(opened);
  auto& db = *ctx.db;
  const std::int64_t existing = count_target_rows(db);
  if (existing > 0 && !o.replace) {
    return fail("the target database already has " + std::to_string(existing) +
                " microblog rows; import into an empty database (ids are kept) or pass "
                "--replace to delete them first");
  }
  const auto started = std::chrono::steady_clock::now();
  State st;
  st.now = domain::now_us();
  try {
    if (existing > 0) empty_target(st, db, existing);
    import_all(st, src, db);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    return fail("failed while " + st.stage + ": " + e.what() +
                " (that table was rolled back; the tables before it are imported — rerun with "
                "--replace once the cause is fixed)");
  }
  print_report(st,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return 0;
}

}  // namespace microblog::commands
