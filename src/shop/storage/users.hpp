#pragma once
// SQL for accounts (shop_users) and revoked tokens (shop_revoked_tokens).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "platform/db/pool.hpp"

namespace shop::storage {

struct UserRecord {
  std::int64_t id = 0;
  std::string username;
  std::string email;
  std::string password_hash;
  bool is_staff = false;
  bool is_active = true;
  bool is_superuser = false;
  bool password_reset_required = false;
  // Raised by every password change; tokens of an older generation are refused.
  std::int64_t token_generation = 0;
};

// What authenticate() needs for a bearer token, in one query: the account
// and whether this token (jti) was revoked by a logout or a refresh.
struct SessionLookup {
  UserRecord user;
  bool revoked = false;
};

std::optional<UserRecord> find_user(ts::db::Pool& db, std::int64_t id);
// nullopt when there is no such account.
std::optional<SessionLookup> find_session(ts::db::Pool& db, std::int64_t id,
                                          const std::string& jti);
std::optional<UserRecord> find_user_by_username(ts::db::Pool& db, std::string_view username);
bool email_taken(ts::db::Pool& db, std::string_view email);
// Inserts and returns the id; throws ts::db::UniqueViolation on a taken username/email.
std::int64_t insert_user(ts::db::Connection& db, const UserRecord& u);
void set_password_hash(ts::db::Pool& db, std::int64_t id, std::string_view hash);
// Another account (not exclude_id) already uses this username / non-blank email.
bool username_taken_by_other(ts::db::Pool& db, std::string_view username, std::int64_t exclude_id);
bool email_taken_by_other(ts::db::Pool& db, std::string_view email, std::int64_t exclude_id);
// Sets username and email, and the password hash when given (which also
// raises token_generation, ending every session issued before). Throws
// ts::db::UniqueViolation on a taken username/email; false when the id is gone.
bool update_user(ts::db::Pool& db, std::int64_t id, std::string_view username,
                 std::string_view email, const std::optional<std::string>& password_hash);
// Deletes the account; addresses, cards, orders and revocations go with it
// (ON DELETE CASCADE). False when there was no such account.
bool delete_user(ts::db::Pool& db, std::int64_t id);

// expires_at: the token's own expiry (stored form), after which the row may go.
// True when this call revoked it, false when it was revoked already: a refresh
// token can thus be spent once even by two concurrent requests.
bool revoke_token(ts::db::Pool& db, const std::string& jti, std::int64_t user_id,
                  const std::string& expires_at);
// Drops revocations of tokens that have expired anyway (stored-form timestamp).
void purge_expired_revocations(ts::db::Pool& db, const std::string& now);

}  // namespace shop::storage
