#include "shop/storage/users.hpp"

#include "shop/domain/timestamps.hpp"

namespace shop::storage {
namespace {
constexpr const char* kSelect =
    "SELECT id, username, email, password_hash, is_staff, is_active, is_superuser, "
    "password_reset_required, token_generation "
    "FROM shop_users ";

UserRecord from_row(const ts::db::Row& r) {
  UserRecord u;
  u.id = r.get<std::int64_t>(0);
  u.username = r.get<std::string>(1);
  u.email = r.get<std::string>(2);
  u.password_hash = r.get<std::string>(3);
  u.is_staff = r.get<bool>(4);
  u.is_active = r.get<bool>(5);
  u.is_superuser = r.get<bool>(6);
  u.password_reset_required = r.get<bool>(7);
  u.token_generation = r.get<std::int64_t>(8);
  return u;
}
}  // namespace

std::optional<UserRecord> find_user(ts::db::Pool& db, std::int64_t id) {
  auto r = db.query(std::string(kSelect) + "WHERE id = $1", {id});
  if (r.empty()) return std::nullopt;
  return from_row(r[0]);
}

std::optional<SessionLookup> find_session(ts::db::Pool& db, std::int64_t id,
                                          const std::string& jti) {
  // One round trip per authenticated request: the revocation check rides
  // along with the account row (column 9, after kSelect's columns).
  auto r = db.query(
      "SELECT id, username, email, password_hash, is_staff, is_active, is_superuser, "
      "password_reset_required, token_generation, "
      "EXISTS (SELECT 1 FROM shop_revoked_tokens WHERE jti = $2) "
      "FROM shop_users WHERE id = $1",
      {id, jti});
  if (r.empty()) return std::nullopt;
  return SessionLookup{from_row(r[0]), r[0].get<bool>(9)};
}

std::optional<UserRecord> find_user_by_username(ts::db::Pool& db, std::string_view username) {
  auto r = db.query(std::string(kSelect) + "WHERE username = $1", {username});
  if (r.empty()) return std::nullopt;
  return from_row(r[0]);
}

bool email_taken(ts::db::Pool& db, std::string_view email) {
  return !db.query("SELECT 1 FROM shop_users WHERE email = $1", {email}).empty();
}

std::int64_t insert_user(ts::db::Connection& db, const UserRecord& u) {
  return db
      .query(
          "INSERT INTO shop_users (username, email, password_hash, is_staff, is_active, "
          "is_superuser, "
          "date_joined, password_reset_required) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING "
          "id",
          {u.username, u.email, u.password_hash, u.is_staff ? 1 : 0, u.is_active ? 1 : 0,
           u.is_superuser ? 1 : 0, domain::format_db_timestamp(domain::now_timestamp()),
           u.password_reset_required ? 1 : 0})
      .scalar<std::int64_t>();
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
