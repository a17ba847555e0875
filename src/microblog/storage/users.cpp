#include "microblog/domain/text.hpp"
#include "microblog/domain/timefmt.hpp"
#include "microblog/storage/storage.hpp"
#include "microblog/storage/tables.hpp"
#include "platform/core/paginate.hpp"
#include "platform/core/text.hpp"

namespace microblog::storage {
namespace {

std::optional<UserRow> one(Pool& db, const std::string& where, const ts::db::Params& p) {
  auto r = db.query(user_view().select_sql() + where, p);
  if (r.empty()) return std::nullopt;
  return user_view().decode(r[0]);
}

}  // namespace

std::optional<UserRow> user_by_id(Pool& db, std::int64_t id) {
  return one(db, "WHERE id = $1", {id});
}
std::optional<SessionUser> session_user(Pool& db, std::int64_t id) {
  // The navigation bar's counts and the content version ride along, in
  // the columns after the account's.
  static const std::string sql =
      "SELECT " + user_view().select_list() +
      ", (SELECT count(*) FROM mb_messages m WHERE m.recipient_id = u.id "
      "AND m.timestamp > COALESCE(u.last_message_read_time, 0)), "
      "(SELECT count(*) FROM mb_tasks t WHERE t.user_id = u.id AND NOT t.complete), "
      "COALESCE((SELECT version FROM mb_content_version WHERE id = 1), 0) "
      "FROM mb_users u WHERE id = $1";
  auto r = db.query(sql, {id});
  if (r.empty()) return std::nullopt;
  const auto n = user_view().size();
  SessionUser s;
  s.user = user_view().decode(r[0]);
  s.unread_messages = r[0].get<std::int64_t>(n);
  s.open_tasks = r[0].get<std::int64_t>(n + 1);
  s.content_version = r[0].get<std::int64_t>(n + 2);
  return s;
}

void bump_content_version(Pool& db) {
  db.query(
      "INSERT INTO mb_content_version (id, version) VALUES (1, 1) "
      "ON CONFLICT (id) DO UPDATE SET version = mb_content_version.version + 1");
}
std::optional<UserRow> user_by_username(Pool& db, const std::string& username) {
  return one(db, "WHERE username = $1", {username});
}
std::optional<UserRow> user_by_email(Pool& db, const std::string& email) {
  return one(db, "WHERE lower(email) = $1", {ts::core::to_lower(email)});
}
bool username_taken(Pool& db, const std::string& username, std::int64_t except_id) {
  return !db.query("SELECT 1 FROM mb_users WHERE lower(username) = $1 AND id <> $2",
                   {ts::core::to_lower(username), except_id})
              .empty();
}
bool email_taken(Pool& db, const std::string& email, std::int64_t except_id) {
  return !db.query("SELECT 1 FROM mb_users WHERE lower(email) = $1 AND id <> $2",
                   {ts::core::to_lower(email), except_id})
              .empty();
}

std::int64_t create_user(Pool& db, const std::string& username, const std::string& email,
                         const std::string& password_hash,
                         const std::optional<std::string>& about_me) {
  static const ts::db::RowInserter<rows::User> users(rows::users_table());
  rows::User u;
  u.username = username;
  u.email = email;
  u.password_hash = password_hash;
  u.about_me = about_me;
  u.last_seen = domain::now_us();
  return users.insert(db, u);
}

void update_user(Pool& db, std::int64_t id, const std::string& username, const std::string& email,
                 const std::optional<std::string>& about_me) {
  db.query("UPDATE mb_users SET username = $1, email = $2, about_me = $3 WHERE id = $4",
           {username, email, about_me, id});
  bump_content_version(db);  // posts show the author's name and avatar (email)
}

void set_password_hash(Pool& db, std::int64_t id, const std::string& hash, bool end) {
  // Ending sessions also drops the API token (its hash is looked up on every
  // API request, so clearing it here costs those requests nothing) and its
  // nonce, so POST /api/tokens cannot hand the old token out again.
  db.query(end ? "UPDATE mb_users SET password_hash = $1, session_generation = "
                 "session_generation + 1, token_hash = NULL, token_nonce = NULL, "
                 "token_expiration = NULL WHERE id = $2"
               : "UPDATE mb_users SET password_hash = $1 WHERE id = $2",
           {hash, id});
}

ts::auth::PasswordLogin::Account login_account(Pool& db, const std::optional<UserRow>& user) {
  ts::auth::PasswordLogin::Account account;
  if (!user) return account;
  account.stored_hash = user->password_hash;
  account.store_hash = [&db, id = user->id](const std::string& hash) {
    set_password_hash(db, id, hash, false);
  };
  return account;
}

void end_sessions(Pool& db, std::int64_t id) {
  db.query("UPDATE mb_users SET session_generation = session_generation + 1 WHERE id = $1", {id});
}

void touch_last_seen(Pool& db, std::int64_t id, std::int64_t now) {
  db.query("UPDATE mb_users SET last_seen = $1 WHERE id = $2", {now, id});
}

namespace {
// A user `u` (user_view()) and their post, follower and following counts, in
// the three columns after the account's.
const std::string& with_counts_select() {
  static const std::string sql = "SELECT " + user_view().select_list("u") +
                                 ", (SELECT count(*) FROM mb_posts WHERE user_id = u.id), "
                                 "(SELECT count(*) FROM mb_followers WHERE followed_id = u.id), "
                                 "(SELECT count(*) FROM mb_followers WHERE follower_id = u.id) ";
  return sql;
}
Counts counts_after_user(const ts::db::Row& r) {
  const auto at = user_view().size();
  return {r.get<std::int64_t>(at), r.get<std::int64_t>(at + 1), r.get<std::int64_t>(at + 2)};
}
}  // namespace

std::optional<std::optional<std::pair<UserRow, Counts>>> user_with_counts_for_token(
    Pool& db, const std::string& token_hash, std::int64_t now, std::int64_t id) {
  auto r = db.query(
      with_counts_select() +
          "FROM (SELECT id FROM mb_users WHERE token_hash = $1 AND token_expiration >= $2) t "
          "LEFT JOIN mb_users u ON u.id = $3",
      {token_hash, now, id});
  if (r.empty()) return std::nullopt;
  if (!r[0].get<std::optional<std::int64_t>>(0)) return std::optional<std::pair<UserRow, Counts>>();
  return std::optional<std::pair<UserRow, Counts>>(
      std::pair{user_view().decode(r[0]), counts_after_user(r[0])});
}

Counts counts(Pool& db, std::int64_t uid) {
  auto r = db.query(
      "SELECT (SELECT count(*) FROM mb_posts WHERE user_id = $1), "
      "(SELECT count(*) FROM mb_followers WHERE followed_id = $1), "
      "(SELECT count(*) FROM mb_followers WHERE follower_id = $1)",
      {uid});
  return {r[0].get<std::int64_t>(0), r[0].get<std::int64_t>(1), r[0].get<std::int64_t>(2)};
}

bool is_following(Pool& db, std::int64_t a, std::int64_t b) {
  return !db.query("SELECT 1 FROM mb_followers WHERE follower_id = $1 AND followed_id = $2", {a, b})
              .empty();
}

void follow(Pool& db, std::int64_t a, std::int64_t b) {
  db.query(
      "INSERT INTO mb_followers (follower_id, followed_id) VALUES ($1, $2) "
      "ON CONFLICT DO NOTHING",
      {a, b});
  bump_content_version(db);
}

void unfollow(Pool& db, std::int64_t a, std::int64_t b) {
  db.query("DELETE FROM mb_followers WHERE follower_id = $1 AND followed_id = $2", {a, b});
  bump_content_version(db);
}

TokenState token_state(Pool& db, std::int64_t uid) {
  auto r = db.query("SELECT token_nonce, token_expiration FROM mb_users WHERE id = $1", {uid});
  if (r.empty()) return {};
  return {r[0].get<std::optional<std::string>>(0), r[0].get<std::optional<std::int64_t>>(1)};
}

void store_token(Pool& db, std::int64_t uid, const std::string& nonce, const std::string& hash,
                 std::int64_t expiration) {
  db.query(
      "UPDATE mb_users SET token_nonce = $1, token_hash = $2, token_expiration = $3 WHERE id = $4",
      {nonce, hash, expiration, uid});
}

void revoke_token(Pool& db, std::int64_t uid, std::int64_t now) {
  db.query("UPDATE mb_users SET token_expiration = $1 WHERE id = $2", {now - 1'000'000, uid});
}

std::optional<UserRow> user_by_token_hash(Pool& db, const std::string& hash, std::int64_t now) {
  return one(db, "WHERE token_hash = $1 AND token_expiration >= $2", {hash, now});
}

UserPage list_users(Pool& db, const std::string& kind, std::int64_t uid, int page, int per_page) {
  std::string from = "FROM mb_users u ";
  ts::db::Params p;
  if (kind == "followers") {
    from += "JOIN mb_followers f ON f.follower_id = u.id WHERE f.followed_id = $1 ";
    p.push_back(uid);
  } else if (kind == "following") {
    from += "JOIN mb_followers f ON f.followed_id = u.id WHERE f.follower_id = $1 ";
    p.push_back(uid);
  }
  UserPage out;
  out.total = db.query("SELECT count(*) " + from, p).scalar<std::int64_t>();
  const auto n = p.size();
  const ts::core::Page pg{page, per_page};
  p.push_back(pg.size);
  p.push_back(pg.offset());
  auto r = db.query(with_counts_select() + from + "ORDER BY u.id LIMIT $" + std::to_string(n + 1) +
                        " OFFSET $" + std::to_string(n + 2),
                    p);
  for (const auto& row : r) {
    out.items.push_back(user_view().decode(row));
    out.counts.push_back(counts_after_user(row));
  }
  return out;
}

}  // namespace microblog::storage
