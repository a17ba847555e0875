#pragma once
// What the shop's handlers share: the database, the token signer, the
// payment gateway, rate limiters and settings. One instance per process,
// built in main.cpp from SHOP_* settings.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "platform/auth/jwt.hpp"
#include "platform/auth/login.hpp"
#include "platform/db/pool.hpp"
#include "platform/http/message.hpp"
#include "platform/http/rate_limit.hpp"
#include "platform/service/service.hpp"
#include "shop/domain/payment_gateway.hpp"

namespace shop {

// The signed-in account of a request (Request::user).
using User = ts::http::Principal;

struct Settings {
  std::string secret_key;
  std::string media_dir;
  std::chrono::seconds access_lifetime{15 * 60};
  std::chrono::seconds refresh_lifetime{24 * 60 * 60};
  // "sandbox" (a test-mode processor that takes every order as paid without
  // charging anyone) or "stripe". serve refuses the sandbox unless
  // SHOP_ALLOW_SANDBOX or SHOP_DEV_MODE says it is meant (read_settings).
  std::string payment_gateway = "sandbox";
  std::string stripe_secret_key;
  std::string stripe_api_base = "https://api.stripe.com";
  std::size_t max_image_bytes = std::size_t{5} * 1024 * 1024;
  // Uploaded images with more pixels are refused from their header, before
  // decoding: decoding costs about 6 bytes a pixel (an RGB PNG), so a small
  // file of a huge image could otherwise take hundreds of megabytes.
  std::int64_t max_image_pixels = 16'000'000;
  // POST /account/register/ per client address: a burst, then a steady rate.
  double register_burst = 10;
  double register_per_hour = 20;
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
  // Password guesses (login, and the current password of an account
  // update) and every password hash: the platform's one login service
  // (guess limits per address, per account and address, per account, 429
  // beyond; the process-wide bound on concurrent argon2id work).
  ts::auth::PasswordLogin passwords;
  // Registrations per client address (429 beyond).
  ts::http::RateLimiter register_by_address;
};

// Reads SHOP_SECRET_KEY, SHOP_MEDIA_DIR, SHOP_PAYMENT_GATEWAY … (README.md).
// serving: the command is serve, which refuses the sandbox gateway unless
// SHOP_ALLOW_SANDBOX=true or SHOP_DEV_MODE=true (other commands take no orders).
Settings read_settings(ts::Config& cfg, bool serving = false);

// The authenticator the server runs before handlers (spec shop.md §2.1):
// no Authorization header, or a scheme other than Bearer, is anonymous; a
// bad, expired, revoked or wrong-type token is a 401 even on public routes,
// as in the original. On success req.user holds a shop::User.
void authenticate(Shop& shop, ts::http::Request& req);

// The claims of the request's bearer access token (signature, expiry and
// type checked; nothing looked up), nullopt when there is no Bearer header.
// Throws the original's 401 bodies for a malformed header or a bad token.
std::optional<boost::json::object> verify_bearer(const Shop& shop, const ts::http::Request& req);

// The user authenticate() signed in, or nullptr. Handlers of routes that
// declare their access read it through api::caller (src/shop/api/access.hpp).
const User* current_user(const ts::http::Request& req);

// Access and refresh tokens for a user (claims token_type, exp, iat, jti,
// user_id, gen). gen is the user's token_generation: a password change raises
// it, and tokens of another generation are refused.
std::string issue_access_token(const Shop& shop, std::int64_t user_id, std::int64_t generation);
std::string issue_refresh_token(const Shop& shop, std::int64_t user_id, std::int64_t generation);

// The generation a token's claims carry: 0 when absent (tokens issued before
// generations existed), nullopt when present but not an integer.
std::optional<std::int64_t> token_generation(const boost::json::object& claims);

}  // namespace shop
