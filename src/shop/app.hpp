#pragma once
// What the shop's handlers share: the database, the token signer, the
// payment gateway, rate limiters and settings. One instance per process,
// built in main.cpp from SHOP_* settings.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "platform/auth/jwt.hpp"
#include "platform/db/pool.hpp"
#include "platform/http/message.hpp"
#include "platform/http/rate_limit.hpp"
#include "platform/service/service.hpp"
#include "shop/domain/payment_gateway.hpp"

namespace shop {

struct User {
  std::int64_t id = 0;
  std::string username;
  std::string email;
  bool is_staff = false;
  bool is_active = true;
};

struct Settings {
  std::string secret_key;
  std::string media_dir;
  std::chrono::seconds access_lifetime{15 * 60};
  std::chrono::seconds refresh_lifetime{24 * 60 * 60};
  std::string payment_gateway = "sandbox";  // or "stripe"
  std::string stripe_secret_key;
  std::string stripe_api_base = "https://api.stripe.com";
  std::size_t max_image_bytes = 5 * 1024 * 1024;
  // Public catalogue JSON kept in memory is rebuilt this often (and after
  // every local write), so other instances' writes show within it; 0: no cache.
  std::chrono::milliseconds catalogue_cache{1000};
  // A checkout's Idempotency-Key left 'started' this long belongs to a
  // process that died mid-request; a retry may then take it over. Must exceed
  // the longest a live checkout can take (the Stripe gateway gives up after
  // 30 s, retried once).
  std::chrono::seconds idempotency_takeover{120};
};

struct Shop {
  explicit Shop(std::shared_ptr<ts::db::Pool> pool, Settings s);

  std::shared_ptr<ts::db::Pool> db;
  Settings settings;
  ts::auth::TokenSigner signer;
  std::unique_ptr<domain::PaymentGateway> gateway;
  // Login attempts: per account name and per client address (429 beyond).
  ts::http::RateLimiter login_by_account{5.0 / 60.0, 10};
  ts::http::RateLimiter login_by_address{30.0 / 60.0, 60};
};

// Reads SHOP_SECRET_KEY, SHOP_MEDIA_DIR, SHOP_PAYMENT_GATEWAY … (README.md).
Settings read_settings(ts::Config& cfg);

// The authenticator the server runs before handlers (spec shop.md §2.1):
// no Authorization header, or a scheme other than Bearer, is anonymous; a
// bad, expired, revoked or wrong-type token is a 401 even on public routes,
// as in the original. On success req.user holds a shop::User.
void authenticate(Shop& shop, ts::http::Request& req);

// The claims of the request's bearer access token (signature, expiry and
// type checked; nothing looked up), nullopt when there is no Bearer header.
// Throws the original's 401 bodies for a malformed header or a bad token.
std::optional<boost::json::object> verify_bearer(const Shop& shop, const ts::http::Request& req);

const User* current_user(const ts::http::Request& req);
// 401 {"detail":"Authentication credentials were not provided."} when anonymous.
const User& require_user(const ts::http::Request& req);
// 401 when anonymous, 403 {"detail":"You do not have permission to perform this action."} for
// non-staff.
const User& require_admin(const ts::http::Request& req);

// Access and refresh tokens for a user (claims token_type, exp, iat, jti, user_id).
std::string issue_access_token(const Shop& shop, std::int64_t user_id);
std::string issue_refresh_token(const Shop& shop, std::int64_t user_id);

}  // namespace shop
