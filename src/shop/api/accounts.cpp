// /account/ endpoints for accounts and tokens (spec shop.md §2.1–2.2):
// register, login, token refresh, logout, and the user's own record.
// Password hashing and verification are slow by design; these handlers run
// on the worker pool (RouteOptions::blocking, the default).
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>

#include "platform/auth/login.hpp"
#include "platform/core/text.hpp"
#include "platform/db/error.hpp"
#include "shop/api/access.hpp"
#include "shop/api/errors.hpp"
#include "shop/api/routes.hpp"
#include "shop/domain/timestamps.hpp"
#include "shop/domain/validation.hpp"
#include "shop/storage/users.hpp"

namespace shop::api {
namespace {

using boost::json::object;
using ts::http::HttpError;
using ts::http::Request;
using ts::http::Response;

// ---- request bodies ----------------------------------------------------

using ts::core::to_lower;
using ts::core::trim_ows;

// The value of a parameter (boundary=…) in a header value, unquoted.
std::string header_param(std::string_view value, std::string_view name) {
  std::size_t pos = 0;
  while ((pos = value.find(';', pos)) != std::string_view::npos) {
    ++pos;
    auto rest = trim_ows(value.substr(pos));
    const auto eq = rest.find('=');
    if (eq == std::string_view::npos) continue;
    if (to_lower(trim_ows(rest.substr(0, eq))) != name) continue;
    auto v = trim_ows(rest.substr(eq + 1));
    v = v.substr(0, v.find(';'));
    v = trim_ows(v);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    return std::string(v);
  }
  return {};
}

object parse_form(std::string_view body) {
  object out;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const auto pair = body.substr(0, amp);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      auto key = ts::http::form_decode(pair.substr(0, eq));
      auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                                : ts::http::form_decode(pair.substr(eq + 1));
      if (!key || !value) throw malformed("bad %-escape in form data");
      out[*key] = *value;  // a repeated key: the last value wins, as Django's QueryDict[] does
    }
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return out;
}

// Text fields of a multipart/form-data body; file parts are ignored (no
// account endpoint takes a file).
object parse_multipart(std::string_view body, const std::string& boundary) {
  if (boundary.empty() || boundary.size() > 200) throw malformed("multipart without a boundary");
  const std::string delimiter = "--" + boundary;
  object out;
  auto pos = body.find(delimiter);
  if (pos == std::string_view::npos) throw malformed("multipart boundary not found");
  pos += delimiter.size();
  while (true) {
    if (body.substr(pos, 2) == "--") return out;  // closing delimiter
    if (body.substr(pos, 2) != "\r\n") throw malformed("bad multipart delimiter line");
    pos += 2;
    const auto head_end = body.find("\r\n\r\n", pos);
    if (head_end == std::string_view::npos) throw malformed("multipart part without headers");
    const auto headers = body.substr(pos, head_end - pos);
    const auto content_begin = head_end + 4;
    const auto next = body.find("\r\n" + delimiter, content_begin);
    if (next == std::string_view::npos) throw malformed("unterminated multipart part");
    const auto content = body.substr(content_begin, next - content_begin);
    std::string name;
    bool is_file = false;
    std::size_t line_begin = 0;
    while (line_begin <= headers.size()) {
      auto line_end = headers.find("\r\n", line_begin);
      if (line_end == std::string_view::npos) line_end = headers.size();
      const auto line = headers.substr(line_begin, line_end - line_begin);
      const auto colon = line.find(':');
      if (colon != std::string_view::npos &&
          to_lower(trim_ows(line.substr(0, colon))) == "content-disposition") {
        const auto value = line.substr(colon + 1);
        name = header_param(value, "name");
        // filename="" (an empty file input) is a file part too.
        is_file = to_lower(value).find("filename=") != std::string::npos;
      }
      line_begin = line_end + 2;
    }
    if (!name.empty() && !is_file) out[name] = content;
    pos = next + 2 + delimiter.size();
  }
}

// The body as an object of fields, from JSON, form-urlencoded or multipart
// (the original's DRF parsers accepted all three).
object read_body(const Request& req) {
  const auto content_type = req.header("Content-Type").value_or("");
  const auto media = to_lower(trim_ows(content_type.substr(0, content_type.find(';'))));
  if (media == "application/x-www-form-urlencoded") return parse_form(req.body);
  if (media == "multipart/form-data")
    return parse_multipart(req.body, header_param(content_type, "boundary"));
  if (!media.empty() && media != "application/json" && !media.ends_with("+json"))
    throw HttpError(
        415, "Unsupported media type \"" + std::string(trim_ows(content_type)) + "\" in request.");
  if (trim_ows(req.body).empty()) return {};
  auto value = req.json();
  if (!value.is_object()) {
    const char* kind = value.is_array() ? "list" : value.is_string() ? "str" : "value";
    throw HttpError(400, boost::json::value(object{
                             {"non_field_errors",
                              boost::json::array{"Invalid data. Expected a dictionary, but got " +
                                                 std::string(kind) + "."}}}));
  }
  return std::move(value.as_object());
}

// ---- answers -------------------------------------------------------------

// The original's UserSerializer, in its key order.
object user_json(const storage::UserRecord& u) {
  object o;
  o["id"] = u.id;
  o["username"] = u.username;
  o["email"] = u.email;
  o["admin"] = u.is_staff;
  return o;
}

// ---- tokens ----------------------------------------------------------------

struct TokenClaims {
  std::int64_t user_id = 0;
  std::int64_t generation = 0;
  std::string jti;
  std::string expires_at;  // stored form, for the revocation row
};

std::optional<TokenClaims> claims_of(const object& claims) {
  const auto* uid = claims.if_contains("user_id");
  const auto* jti = claims.if_contains("jti");
  const auto* exp = claims.if_contains("exp");
  const auto gen = token_generation(claims);
  if (!uid || !uid->is_int64() || !jti || !jti->is_string() || !exp || !gen) return std::nullopt;
  std::int64_t exp_seconds = 0;
  if (exp->is_int64()) {
    exp_seconds = exp->as_int64();
  } else if (exp->is_double()) {
    exp_seconds = static_cast<std::int64_t>(exp->as_double());
  } else {
    return std::nullopt;
  }
  // Bounded so a far-future exp still fits the fixed-width stored form.
  exp_seconds = std::clamp<std::int64_t>(exp_seconds, 0, 253402300799);  // 9999-12-31
  return TokenClaims{
      uid->as_int64(), *gen, std::string(jti->as_string()),
      domain::format_db_timestamp(domain::Timestamp(std::chrono::seconds(exp_seconds)))};
}

// The bearer token of a request that authenticate() has already accepted.
std::string_view bearer_token(const Request& req) {
  auto header = trim_ows(req.header("Authorization").value_or(""));
  const auto space = header.find_last_of(" \t");
  return space == std::string_view::npos ? header : header.substr(space + 1);
}

std::string now_stored() {
  return domain::format_db_timestamp(domain::now_timestamp());
}

// A required, non-blank string field (DRF CharField) or a field error.
std::optional<std::string> required_text(const object& body, std::string_view field,
                                         domain::FieldErrors& errors) {
  return domain::read_char_field(body, field, domain::CharFieldSpec{.trim = false}, errors);
}

// ---- handlers ----------------------------------------------------------------

Response register_user(Shop& shop, Request& req) {
  auto& db = *shop.db;
  // Before anything else: a flood of sign-ups (or of probes for taken names)
  // from one address costs a bucket lookup, not a password hash.
  if (auto d = shop.register_by_address.take(req.client_ip); !d.allowed)
    throw throttled(d.retry_after);
  const auto body = read_body(req);
  auto input = domain::validate_registration(body);
  if (!input) {
    const auto& e = input.error();
    object out;
    // The original's (misspelt) key comes first so its clients keep working;
    // the field errors say what exactly is wrong.
    if (e.empty_identity) out["detial"] = domain::msg::kEmptyIdentity;
    for (const auto& kv : e.fields.to_json()) out[kv.key()] = kv.value();
    throw HttpError(400, boost::json::value(std::move(out)));
  }
  const auto& r = input.value();
  auto conflict = [&]() -> std::optional<HttpError> {
    if (storage::find_user_by_username(db, r.username))
      return HttpError(403, "A user with that username already exist!");
    if (storage::email_taken(db, r.email))
      return HttpError(403, "A user with that email address already exist!");
    return std::nullopt;
  };
  if (auto e = conflict()) throw *e;

  storage::UserRecord u;
  u.username = r.username;
  u.email = r.email;
  u.password_hash = shop.passwords.hash(r.password);
  try {
    auto lease = db.acquire();
    u.id = storage::insert_user(*lease, u);
  } catch (const ts::db::UniqueViolation&) {
    // Another registration took the name or address meanwhile.
    if (auto e = conflict()) throw *e;
    throw HttpError(403, "A user with that username already exist!");
  }
  auto out = user_json(u);
  out["token"] = issue_access_token(shop, u.id, u.token_generation);
  return Response::json(out);
}

Response login(Shop& shop, Request& req) {
  auto& db = *shop.db;
  const auto body = read_body(req);
  auto input = domain::validate_login(body);
  if (!input) throw field_errors(input.error());
  const auto& creds = input.value();

  std::optional<storage::UserRecord> user;
  const auto result = shop.passwords.login(creds.username, req.client_ip, creds.password, [&] {
    user = storage::find_user_by_username(db, creds.username);
    ts::auth::PasswordLogin::Account account;
    if (!user) return account;
    account.stored_hash = user->password_hash;
    account.may_sign_in = user->is_active && !user->password_reset_required;
    account.store_hash = [&](const std::string& h) { storage::set_password_hash(db, user->id, h); };
    return account;
  });
  if (result.refused())  // throttled, or every hash slot busy
    throw throttled(result.retry_after);
  if (!result) throw no_active_account();

  // Key order of the original (simplejwt's pair, then the serializer's fields).
  const auto gen = user->token_generation;
  object out;
  out["refresh"] = issue_refresh_token(shop, user->id, gen);
  out["access"] = issue_access_token(shop, user->id, gen);
  for (const auto& kv : user_json(*user)) out[kv.key()] = kv.value();
  out["token"] = issue_access_token(shop, user->id, gen);
  return Response::json(out);
}

Response refresh(Shop& shop, Request& req) {
  auto& db = *shop.db;
  const auto body = read_body(req);
  domain::FieldErrors errors;
  auto token = required_text(body, "refresh", errors);
  if (!token) throw field_errors(errors);

  const auto outcome = shop.signer.verify(*token, "refresh");
  if (!outcome)
    throw refresh_not_valid(outcome.error == ts::auth::TokenError::wrong_type
                                ? "Token has wrong type"
                                : "Token is invalid or expired");
  const auto claims = claims_of(*outcome.claims);
  if (!claims) throw refresh_not_valid("Token is invalid or expired");
  auto user = storage::find_user(db, claims->user_id);
  if (!user) throw unauthorized({{"detail", "User not found"}, {"code", "user_not_found"}});
  if (!user->is_active)
    throw unauthorized({{"detail", "User is inactive"}, {"code", "user_inactive"}});
  // Issued before the latest password change, which ended that session and
  // every refresh chain it started.
  if (claims->generation != user->token_generation)
    throw refresh_not_valid("Token is invalid or expired");
  // Rotation: the old refresh token is spent by the same statement that
  // checks it, so two concurrent refreshes cannot both succeed.
  try {
    if (!storage::revoke_token(db, claims->jti, claims->user_id, claims->expires_at))
      throw refresh_not_valid("Token is blacklisted");
  } catch (const ts::db::ForeignKeyViolation&) {  // the account went meanwhile
    throw refresh_not_valid("Token is invalid or expired");
  }
  object out;
  out["access"] = issue_access_token(shop, user->id, claims->generation);
  out["refresh"] = issue_refresh_token(shop, user->id, claims->generation);
  return Response::json(out);
}

Response logout(Shop& shop, Request& req) {
  auto& db = *shop.db;
  const auto& me = caller(req);
  const auto body = read_body(req);

  // authenticate() accepted the access token; read its jti and expiry again.
  const auto access = shop.signer.verify(bearer_token(req), "access");
  const auto access_claims = access ? claims_of(*access.claims) : std::nullopt;
  if (!access_claims) throw detail_error(401, "Authentication credentials were not provided.");

  std::optional<TokenClaims> refresh_claims;
  if (const auto* value = body.if_contains("refresh"); value && !value->is_null()) {
    domain::FieldErrors errors;
    auto token = required_text(body, "refresh", errors);
    if (!token) throw field_errors(errors);
    const auto outcome = shop.signer.verify(*token, "refresh");
    if (outcome) refresh_claims = claims_of(*outcome.claims);
    // Another user's refresh token is not ours to revoke.
    if (!refresh_claims || refresh_claims->user_id != me.id) {
      errors.add("refresh", "Token is invalid or expired");
      throw field_errors(errors);
    }
  }
  storage::revoke_token(db, access_claims->jti, me.id, access_claims->expires_at);
  if (refresh_claims)
    storage::revoke_token(db, refresh_claims->jti, me.id, refresh_claims->expires_at);
  storage::purge_expired_revocations(db, now_stored());
  // The original style of body; the server sends none with a 204.
  return Response::json(object{{"detail", "Successfully logged out."}}, 204);
}

Response user_detail(Shop& shop, Request& req) {
  const auto& me = caller(req);
  const auto pk = req.param_int("pk");
  auto user = storage::find_user(*shop.db, pk);
  if (!user) throw details(404, "User not found");
  // The original showed any user to any logged-in caller (spec §8.3).
  if (user->id != me.id && !me.is_staff) throw details(403, "Permission Denied.");
  return Response::json(user_json(*user));
}

Response user_update(Shop& shop, Request& req) {
  auto& db = *shop.db;
  const auto& me = caller(req);
  const auto pk = req.param_int("pk");
  auto current = storage::find_user(db, pk);
  if (!current) throw details(404, "User not found.");
  if (current->id != me.id) throw details(403, "Permission Denied.");
  const auto body = read_body(req);
  auto input = domain::validate_user_update(body, current->username, current->email);
  if (!input) throw field_errors(input.error());
  const auto& update = input.value();

  // A new password or another e-mail address (where a reset would go) takes
  // the current password: a stolen token alone must not take the account
  // over. Other changes check it only when sent (the original never asked).
  const bool needs_current = update.new_password.has_value() || update.email != current->email;
  if (needs_current || body.contains("current_password")) {
    domain::FieldErrors errors;
    auto given = domain::read_char_field(body, "current_password",
                                         domain::CharFieldSpec{.trim = false}, errors);
    if (!given) throw field_errors(errors);
    // A guess at the password like a login's, limited by the same buckets.
    const auto result = shop.passwords.login(current->username, req.client_ip, *given, [&] {
      return ts::auth::PasswordLogin::Account{.stored_hash = current->password_hash};
    });
    if (result.refused())  // throttled, or every hash slot busy
      throw throttled(result.retry_after);
    if (!result) {
      errors.add("current_password", "Incorrect password.");
      throw field_errors(errors);
    }
  }

  auto taken = [&]() {
    domain::FieldErrors errors;
    if (update.username != current->username &&
        storage::username_taken_by_other(db, update.username, pk))
      errors.add("username", "A user with that username already exists.");
    if (update.email != current->email && storage::email_taken_by_other(db, update.email, pk))
      errors.add("email", "A user with that email address already exists.");
    return errors;
  };
  if (auto errors = taken(); !errors.empty()) throw field_errors(errors);

  std::optional<std::string> hash;
  if (update.new_password) hash = shop.passwords.hash(*update.new_password);
  try {
    if (!storage::update_user(db, pk, update.username, update.email, hash))
      throw details(404, "User not found.");
  } catch (const ts::db::UniqueViolation&) {
    if (auto errors = taken(); !errors.empty()) throw field_errors(errors);
    throw HttpError(409, "The username or email address was taken meanwhile; try again.");
  }
  auto updated = storage::find_user(db, pk);
  if (!updated) throw details(404, "User not found.");
  object out;
  out["details"] = "User Successfully Updated.";
  out["user"] = user_json(*updated);
  if (update.new_password) {
    // The change ended every session issued before it, the caller's too; the
    // caller goes on with these (added keys: the original's clients ignore them).
    out["refresh"] = issue_refresh_token(shop, updated->id, updated->token_generation);
    out["access"] = issue_access_token(shop, updated->id, updated->token_generation);
  }
  return Response::json(out);
}

Response user_delete(Shop& shop, Request& req) {
  auto& db = *shop.db;
  const auto& me = caller(req);
  const auto pk = req.param_int("pk");
  auto user = storage::find_user(db, pk);
  if (!user) throw details(404, "User not found.");
  if (user->id != me.id) throw details(403, "Permission Denied.");
  const auto body = read_body(req);
  domain::FieldErrors errors;
  auto password = domain::read_char_field(
      body, "password", domain::CharFieldSpec{.allow_blank = true, .trim = false}, errors);
  if (!password) throw field_errors(errors);
  if (!shop.passwords.check(*password, user->password_hash))
    throw details(401, "Incorrect password.");
  if (!storage::delete_user(db, pk)) throw details(404, "User not found.");
  return Response::json(object{{"details", "User successfully deleted."}}, 204);
}

}  // namespace

void register_accounts(Shop& shop, ts::http::Router& router) {
  Shop* s = &shop;
  // The original's token views (login, refresh) ran no authentication: a
  // stale token in the header must not stop a user from logging in again.
  const ts::http::RouteOptions token_view{.authenticate = false};
  router.post("/account/register/", [s](Request& req) { return register_user(*s, req); });
  router.post(
      "/account/login/", [s](Request& req) { return login(*s, req); }, token_view);
  router.post(
      "/account/token/refresh/", [s](Request& req) { return refresh(*s, req); }, token_view);
  router.post(
      "/account/logout/", [s](Request& req) { return logout(*s, req); }, kSignedIn);
  router.get(
      "/account/user/{pk:int}/", [s](Request& req) { return user_detail(*s, req); }, kSignedIn);
  router.put(
      "/account/user_update/{pk:int}/", [s](Request& req) { return user_update(*s, req); },
      kSignedIn);
  router.post(
      "/account/user_delete/{pk:int}/", [s](Request& req) { return user_delete(*s, req); },
      kSignedIn);
}

}  // namespace shop::api
