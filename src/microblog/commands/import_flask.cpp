// microblog import-flask --from URL [--replace]: imports the original Flask
// microblog's database (spec microblog.md §1, Alembic head 834b1a697901) into
// this microblog's schema.
//
// Source tables: "user", post, followers, message, notification, task — read
// with the same SQL on SQLite and PostgreSQL inside one read transaction (one
// snapshot). Each target table is written in its own transaction, ids kept;
// on PostgreSQL the identities are then moved past them. DATETIMEs (naive
// UTC) become microseconds since the epoch. The run ends with the rows
// imported and skipped per table and the anomalies found.
#include <CLI/CLI.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "microblog/commands/commands.hpp"
#include "microblog/commands/import_rows.hpp"
#include "microblog/domain/language.hpp"
#include "microblog/domain/text.hpp"
#include "microblog/domain/timefmt.hpp"
#include "platform/auth/crypto.hpp"
#include "platform/auth/password.hpp"
#include "platform/db/connection.hpp"
#include "platform/db/import_support.hpp"
#include "platform/db/pool.hpp"

namespace microblog::commands {

namespace {

using ts::db::Value;
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

}  // namespace

int import_flask(ts::service::Context& ctx) {
  CLI::App cli(
      "Import the original Flask microblog's database (tables user, post, followers, message, "
      "notification; task rows are counted, not imported) into this microblog's empty "
      "database: ids kept, one transaction per table, then a report of rows and anomalies.",
      "microblog import-flask");
  std::string from;
  bool replace = false;
  cli.add_option("--from", from,
                 "source database: sqlite:///path/app.db, a file path, or postgresql://…")
      ->required();
  cli.add_flag("--replace", replace,
               "delete every microblog row in the target first (otherwise a non-empty target "
               "is refused)");
  std::vector<std::string> args(ctx.args.rbegin(), ctx.args.rend());
  try {
    cli.parse(args);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 2;
  }
  std::unique_ptr<ts::db::Connection> src;
  try {
    src = ts::db::importing::open_source(from);
    // CAST(timestamp AS TEXT) follows DateStyle; utc_micros reads ISO.
    if (src->dialect() == ts::db::Dialect::postgres) src->execute_script("SET DateStyle = 'ISO'");
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  for (const char* t : kSourceTables) {
    try {
      src->query(std::string("SELECT COUNT(*) FROM \"") + t + "\"");
    } catch (const std::exception& e) {
      return fail(std::string("the source has no readable table \"") + t + "\" (" + e.what() +
                  "); is " + ts::db::redact_url(from) +
                  " an original microblog database, upgraded with `flask db upgrade`?");
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
    return fail("the source is at Alembic revision '" + *revision + "', not the head " +
                kHeadRevision + ": run `flask db upgrade` on it first");

  auto& db = *ctx.db;
  std::int64_t existing = 0;
  for (const char* t : kTargetTables)
    existing += db.query(std::string("SELECT COUNT(*) FROM ") + t).scalar<std::int64_t>();
  if (existing > 0 && !replace) {
    return fail("the target database already has " + std::to_string(existing) +
                " microblog rows; import into an empty database (ids are kept) or pass "
                "--replace to delete them first");
  }

  const auto started = std::chrono::steady_clock::now();
  const std::int64_t now = domain::now_us();
  Anomalies bad;
  std::map<std::string, std::int64_t> imported, skipped;
  std::string stage = "reading the source";
  try {
    if (existing > 0) {
      stage = "emptying the target (--replace)";
      auto lease = db.acquire();
      ts::db::Transaction tx(*lease);
      for (const char* t : kTargetTables) tx.query(std::string("DELETE FROM ") + t);
      tx.commit();
      std::printf("microblog import-flask: --replace: deleted %lld rows from the target\n",
                  static_cast<long long>(existing));
    }

    // One snapshot of the source for every table.
    ts::db::Transaction snapshot(*src, ts::db::TxMode::read);
    if (src->dialect() == ts::db::Dialect::postgres)
      src->query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");

    // user → mb_users
    stage = "importing users";
    std::set<std::int64_t> user_ids;
    std::int64_t tokens_kept = 0;
    {
      const auto rows = src->query(
          "SELECT id, username, email, password_hash, about_me, CAST(last_seen AS TEXT), "
          "CAST(last_message_read_time AS TEXT), token, CAST(token_expiration AS TEXT) "
          "FROM \"user\" ORDER BY id");
      auto lease = db.acquire();
      ts::db::Transaction tx(*lease);
      Progress bar(kCommand, "users", rows.size());
      std::size_t n = 0;
      // Names and addresses are unique ignoring case here (the original's
      // indexes are case-sensitive); ask the target with its own lower().
      auto taken = [&](const char* column, const std::string& value) {
        return !tx.query(
                      std::string("SELECT 1 FROM mb_users WHERE lower(") + column + ") = lower($1)",
                      {value})
                    .empty();
      };
      for (const auto& r : rows) {
        const auto id = r.get<std::int64_t>(0);
        const auto original_name = r.get<std::string>(1);
        std::string username = original_name;
        if (!domain::valid_utf8(username)) {
          username = "user-" + std::to_string(id);
          bad.add("usernames that are not UTF-8 (renamed)", username);
        }
        if (domain::utf8_length(username) > 64) {
          username = first_chars(username, 64);
          bad.add("usernames longer than 64 characters (cut)",
                  user_label(original_name, id) + " → " + username);
        }
        if (taken("username", username)) {
          const std::string suffix = "-" + std::to_string(id);
          std::string candidate = first_chars(username, 64 - suffix.size()) + suffix;
          for (int k = 2; taken("username", candidate); ++k)
            candidate = first_chars(username, 64 - suffix.size() - 1 - std::to_string(k).size()) +
                        suffix + "-" + std::to_string(k);
          bad.add("usernames equal to an earlier user's ignoring case (renamed)",
                  user_label(original_name, id) + " → " + candidate);
          username = candidate;
        }
        if (!domain::valid_username(username))
          bad.add("usernames outside the new rules (kept: the owner still logs in with it)",
                  user_label(username, id));

        std::string email = r.get<std::optional<std::string>>(2).value_or("");
        const std::string original_email = email;
        const bool too_long = !domain::valid_utf8(email) || domain::utf8_length(email) > 120;
        if (too_long || taken("email", email)) {
          // A reserved, undeliverable address (RFC 2606 .invalid) keeps the
          // account; the operator reads the original address in this report.
          email = "user-" + std::to_string(id) + "@imported.invalid";
          bad.add(too_long ? "e-mail addresses longer than 120 characters or not UTF-8 (replaced)"
                           : "e-mail addresses equal to an earlier user's ignoring case "
                             "(replaced)",
                  user_label(username, id) + ": " + original_email + " → " + email);
        }

        auto hash = r.get<std::optional<std::string>>(3);
        if (!hash || !ts::auth::is_usable_hash(*hash)) {
          bad.add(
              "users whose password_hash is not a Werkzeug or argon2 hash (NULL: must "
              "reset their password)",
              user_label(username, id) +
                  (hash ? (hash->empty() ? ": ''" : ": unrecognised format") : ": NULL"));
          hash.reset();
        }

        auto about = r.get<std::optional<std::string>>(4);
        if (about && domain::utf8_length(*about) > 140) {
          bad.add("about_me longer than 140 characters (cut)", user_label(username, id));
          about = first_chars(*about, 140);
        }

        auto stamp = [&](int col, const char* what) -> std::optional<std::int64_t> {
          const auto text = r.get<std::optional<std::string>>(col);
          const auto us = utc_micros(text);
          if (text && !us)
            bad.add(std::string("unreadable ") + what + " (NULL used)",
                    user_label(username, id) + ": " + *text);
          return us;
        };
        const auto last_seen = stamp(5, "user.last_seen");
        const auto last_read = stamp(6, "user.last_message_read_time");

        // The original kept API tokens in plaintext; only a hash is stored
        // here, so a token still valid keeps working until it expires.
        const auto token = r.get<std::optional<std::string>>(7);
        const auto token_exp = utc_micros(r.get<std::optional<std::string>>(8));
        std::optional<std::string> token_hash;
        std::optional<std::int64_t> expiration;
        if (token && !token->empty() && token_exp && *token_exp > now) {
          token_hash = ts::auth::sha256_hex(*token);
          expiration = token_exp;
          ++tokens_kept;
        }

        tx.query(
            "INSERT INTO mb_users (id, username, email, password_hash, about_me, last_seen, "
            "last_message_read_time, token_hash, token_expiration) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            {id, username, email, hash, about, last_seen, last_read, token_hash, expiration});
        user_ids.insert(id);
        bar.tick(++n);
      }
      tx.commit();
      imported["users"] = static_cast<std::int64_t>(n);
    }
    auto user_label_of = [&](std::int64_t id) {
      return "#" + std::to_string(id) + (user_ids.count(id) ? "" : " (missing)");
    };

    // post → mb_posts (the search index follows: an FTS5 trigger on SQLite,
    // an expression index on PostgreSQL)
    stage = "importing posts";
    {
      const auto rows = src->query(
          "SELECT id, body, CAST(timestamp AS TEXT), user_id, language FROM post ORDER BY id");
      auto lease = db.acquire();
      ts::db::Transaction tx(*lease);
      Progress bar(kCommand, "posts", rows.size());
      std::size_t n = 0;
      for (const auto& r : rows) {
        const auto id = r.get<std::int64_t>(0);
        const auto user = r.get<std::optional<std::int64_t>>(3);
        bar.tick(++n);
        if (!user || !user_ids.count(*user)) {
          bad.add("posts whose author does not exist (skipped)",
                  "post #" + std::to_string(id) + " by " + (user ? user_label_of(*user) : "NULL"));
          ++skipped["posts"];
          continue;
        }
        auto body = r.get<std::string>(1);
        if (domain::utf8_length(body) > 140) {
          bad.add("posts longer than 140 characters (cut to 140)",
                  "post #" + std::to_string(id) + ": " + std::to_string(domain::utf8_length(body)) +
                      " characters");
          body = first_chars(body, 140);
        }
        const auto text = r.get<std::optional<std::string>>(2);
        auto when = utc_micros(text);
        if (!when) {
          bad.add("posts with an unreadable timestamp (import time used)",
                  "post #" + std::to_string(id) + ": " + text_or_null(text));
          when = now;
        }
        // langdetect wrote '' when it failed; the original's Translate link
        // needs a language, so those get one more try with CLD2.
        const auto lang = r.get<std::optional<std::string>>(4);
        std::string language = lang.value_or("");
        if (language.empty() || language.size() > 5) {
          language = domain::detect_language(body);
          bad.add(language.empty()
                      ? "posts with an empty or unknown language (kept empty: no Translate link)"
                      : "posts with an empty or unknown language (detected now)",
                  "post #" + std::to_string(id) + ": " + text_or_null(lang) +
                      (language.empty() ? "" : " → " + language));
        }
        tx.query(
            "INSERT INTO mb_posts (id, body, timestamp, user_id, language) "
            "VALUES ($1, $2, $3, $4, $5)",
            {id, body, *when, *user, language});
        ++imported["posts"];
      }
      tx.commit();
    }

    // followers → mb_followers
    stage = "importing followers";
    {
      const auto rows = src->query(
          "SELECT follower_id, followed_id FROM followers ORDER BY follower_id, followed_id");
      auto lease = db.acquire();
      ts::db::Transaction tx(*lease);
      Progress bar(kCommand, "followers", rows.size());
      std::size_t n = 0;
      for (const auto& r : rows) {
        const auto a = r.get<std::int64_t>(0), b = r.get<std::int64_t>(1);
        const auto pair = user_label_of(a) + " → " + user_label_of(b);
        bar.tick(++n);
        if (!user_ids.count(a) || !user_ids.count(b)) {
          bad.add("followers rows naming a missing user (skipped)", pair);
          ++skipped["followers"];
          continue;
        }
        if (a == b) {
          bad.add("users following themselves (skipped: not allowed here)", pair);
          ++skipped["followers"];
          continue;
        }
        tx.query("INSERT INTO mb_followers (follower_id, followed_id) VALUES ($1, $2)", {a, b});
        ++imported["followers"];
      }
      tx.commit();
    }

    // message → mb_messages
    stage = "importing messages";
    {
      const auto rows = src->query(
          "SELECT id, sender_id, recipient_id, body, CAST(timestamp AS TEXT) FROM message "
          "ORDER BY id");
      auto lease = db.acquire();
      ts::db::Transaction tx(*lease);
      Progress bar(kCommand, "messages", rows.size());
      std::size_t n = 0;
      for (const auto& r : rows) {
        const auto id = r.get<std::int64_t>(0);
        const auto sender = r.get<std::optional<std::int64_t>>(1);
        const auto recipient = r.get<std::optional<std::int64_t>>(2);
        bar.tick(++n);
        if (!sender || !recipient || !user_ids.count(*sender) || !user_ids.count(*recipient)) {
          bad.add("messages whose sender or recipient does not exist (skipped)",
                  "message #" + std::to_string(id) + ": " +
                      (sender ? user_label_of(*sender) : "NULL") + " → " +
                      (recipient ? user_label_of(*recipient) : "NULL"));
          ++skipped["messages"];
          continue;
        }
        auto body = r.get<std::string>(3);
        if (domain::utf8_length(body) > 140) {
          bad.add("messages longer than 140 characters (cut to 140)",
                  "message #" + std::to_string(id) + ": " +
                      std::to_string(domain::utf8_length(body)) + " characters");
          body = first_chars(body, 140);
        }
        const auto text = r.get<std::optional<std::string>>(4);
        auto when = utc_micros(text);
        if (!when) {
          bad.add("messages with an unreadable timestamp (import time used)",
                  "message #" + std::to_string(id) + ": " + text_or_null(text));
          when = now;
        }
        tx.query(
            "INSERT INTO mb_messages (id, sender_id, recipient_id, body, timestamp) "
            "VALUES ($1, $2, $3, $4, $5)",
            {id, *sender, *recipient, body, *when});
        ++imported["messages"];
      }
      tx.commit();
    }

    // notification → mb_notifications: one row per (user, name), as the
    // original meant; task_progress ones belong to the tasks left behind.
    stage = "importing notifications";
    {
      const auto rows = src->query(
          "SELECT id, name, user_id, timestamp, payload_json FROM notification ORDER BY id");
      std::map<std::pair<std::int64_t, std::string>, std::pair<double, std::int64_t>> newest;
      for (const auto& r : rows) {
        const auto key = std::make_pair(r.get<std::int64_t>(2), r.get<std::string>(1));
        const auto val = std::make_pair(r.get<double>(3), r.get<std::int64_t>(0));
        auto [it, fresh] = newest.emplace(key, val);
        if (!fresh && it->second < val) it->second = val;
      }
      auto lease = db.acquire();
      ts::db::Transaction tx(*lease);
      Progress bar(kCommand, "notifications", rows.size());
      std::size_t n = 0;
      for (const auto& r : rows) {
        const auto id = r.get<std::int64_t>(0);
        const auto name = r.get<std::string>(1);
        const auto user = r.get<std::int64_t>(2);
        const auto timestamp = r.get<double>(3);
        const auto payload = r.get<std::string>(4);
        const auto label =
            "notification #" + std::to_string(id) + " " + name + " for " + user_label_of(user);
        bar.tick(++n);
        auto skip = [&](const std::string& kind) {
          bad.add(kind, label);
          ++skipped["notifications"];
        };
        if (!user_ids.count(user)) {
          skip("notifications for a missing user (skipped)");
          continue;
        }
        if (name == "task_progress") {
          skip("task_progress notifications (skipped with the tasks)");
          continue;
        }
        if (newest.at({user, name}).second != id) {
          skip("older duplicate notifications of the same user and name (skipped)");
          continue;
        }
        boost::system::error_code ec;
        boost::json::parse(payload, ec);
        if (ec) {
          skip("notifications whose payload_json is not JSON (skipped)");
          continue;
        }
        tx.query(
            "INSERT INTO mb_notifications (id, name, user_id, timestamp, payload_json) "
            "VALUES ($1, $2, $3, $4, $5)",
            {id, name, user, timestamp, payload});
        ++imported["notifications"];
      }
      tx.commit();
    }

    // task: the original's rows name Redis/RQ jobs that do not exist here
    // (and an unfinished one would show a progress banner forever).
    stage = "reading tasks";
    {
      const auto rows = src->query("SELECT id, name, complete FROM task ORDER BY id");
      Progress bar(kCommand, "tasks", rows.size());
      std::size_t n = 0;
      for (const auto& r : rows) {
        bar.tick(++n);
        bad.add("task rows (RQ jobs; not imported)",
                r.get<std::string>(0) + " " + r.get<std::string>(1) +
                    (r.get<bool>(2) ? " (complete)" : " (unfinished)"));
        ++skipped["tasks"];
      }
    }
    snapshot.commit();

    stage = "moving the PostgreSQL identities past the imported ids";
    if (db.dialect() == ts::db::Dialect::postgres) {
      for (const char* t : {"mb_users", "mb_posts", "mb_messages", "mb_notifications"})
        db.query(std::string("SELECT setval(pg_get_serial_sequence('") + t +
                 "', 'id'), MAX(id)) FROM " + t);
    }
    std::printf("microblog import-flask: API tokens still valid, kept (stored hashed): %lld\n",
                static_cast<long long>(tokens_kept));
  } catch (const std::exception& e) {
    std::fflush(stdout);
    return fail("failed while " + stage + ": " + e.what() +
                " (that table was rolled back; the tables before it are imported — rerun with "
                "--replace once the cause is fixed)");
  }

  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("\nmicroblog import-flask: imported in %.1f s\n", secs);
  for (const char* t : {"users", "posts", "followers", "messages", "notifications", "tasks"})
    std::printf("  %-14s %8lld rows  %6lld skipped\n", t, static_cast<long long>(imported[t]),
                static_cast<long long>(skipped[t]));
  std::printf("anomalies:%s\n", bad.counts.empty() ? " none" : "");
  for (const auto& [kind, count] : bad.counts) {
    std::printf("  %s: %lld\n", kind.c_str(), static_cast<long long>(count));
    for (const auto& ex : bad.items[kind]) std::printf("    %s\n", ex.c_str());
    if (count > static_cast<std::int64_t>(bad.items[kind].size())) std::printf("    …\n");
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace microblog::commands
