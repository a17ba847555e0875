#include "shop/storage/users.hpp"

#include "shop/domain/timestamps.hpp"
#include "shop/storage/tables.hpp"

namespace shop::storage {
std::optional<UserRecord> find_user(ts::db::Pool& db, std::int64_t id) {
  auto r = db.query(user_view().select_sql() + "WHERE id = $1", {id});
  if (r.empty()) return std::nullopt;
  return user_view().decode(r[0]);
}

std::optional<SessionLookup> find_session(ts::db::Pool& db, std::int64_t id,
                                          const std::string& jti) {
  // One round trip per authenticated request: the revocation check rides
  // along with the account row, as the column after the account's.
  static const std::string sql =
      "SELECT " + user_view().select_list() +
      ", EXISTS (SELECT 1 FROM shop_revoked_tokens WHERE jti = $2) FROM shop_users WHERE id = $1";
  auto r = db.query(sql, {id, jti});
  if (r.empty()) return std::nullopt;
  return SessionLookup{user_view().decode(r[0]), r[0].get<bool>(user_view().size())};
}

std::optional<UserRecord> find_user_by_username(ts::db::Pool& db, std::string_view username) {
  auto r = db.query(user_view().select_sql() + "WHERE username = $1", {username});
  if (r.empty()) return std::nullopt;
  return user_view().decode(r[0]);
}

bool email_taken(ts::db::Pool& db, std::string_view email) {
  return !db.query("SELECT 1 FROM shop_users WHERE email = $1", {email}).empty();
}

std::int64_t insert_user(ts::db::Connection& db, const UserRecord& u) {
  static const ts::db::RowInserter<UserRow> users(users_table());
  return users.insert(db, {u, domain::format_db_timestamp(domain::now_timestamp()), std::nullopt});
}

void set_password_hash(ts::db::Pool& db, std::int64_t id, std::string_view hash) {
  db.query("UPDATE shop_users SET password_hash = $1, password_reset_required = 0 WHERE id = $2",
           {hash, id});
}

bool username_taken_by_other(ts::db::Pool& db, std::string_view username, std::int64_t exclude_id) {
  return !db.query("SELECT 1 FROM shop_users WHERE username = $1 AND id <> $2",
                   {username, exclude_id})
              .empty();
}

bool email_taken_by_other(ts::db::Pool& db, std::string_view email, std::int64_t exclude_id) {
  return !db.query("SELECT 1 FROM shop_users WHERE email = $1 AND email <> '' AND id <> $2",
                   {email, exclude_id})
              .empty();
}

bool update_user(ts::db::Pool& db, std::int64_t id, std::string_view username,
                 std::string_view email, const std::optional<std::string>& password_hash) {
  if (password_hash) {
    return db.query(
                 "UPDATE shop_users SET username = $1, email = $2, password_hash = $3, "
                 "password_reset_required = 0, token_generation = token_generation + 1 "
                 "WHERE id = $4",
                 {username, email, *password_hash, id})
               .affected_rows() > 0;
  }
  return db.query("UPDATE shop_users SET username = $1, email = $2 WHERE id = $3",
                  {username, email, id})
             .affected_rows() > 0;
}

bool delete_user(ts::db::Pool& db, std::int64_t id) {
  return db.query("DELETE FROM shop_users WHERE id = $1", {id}).affected_rows() > 0;
}

bool revoke_token(ts::db::Pool& db, const std::string& jti, std::int64_t user_id,
                  const std::string& expires_at) {
  // A token revoked twice (a retried logout) is still just revoked.
  return db.query(
               "INSERT INTO shop_revoked_tokens (jti, user_id, expires_at) VALUES ($1, $2, $3) "
               "ON CONFLICT (jti) DO NOTHING",
               {jti, user_id, expires_at})
             .affected_rows() > 0;
}

void purge_expired_revocations(ts::db::Pool& db, const std::string& now) {
  db.query("DELETE FROM shop_revoked_tokens WHERE expires_at < $1", {now});
}

}  // namespace shop::storage
