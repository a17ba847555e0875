#include "shop/app.hpp"

#include <boost/json.hpp>

#include "platform/http/error.hpp"
#include "shop/domain/sandbox_gateway.hpp"
#include "shop/payments/stripe_gateway.hpp"
#include "shop/storage/sandbox.hpp"
#include "shop/storage/users.hpp"

namespace shop {

using ts::http::HttpError;

namespace {

constexpr const char* kDevSecret = "development-only-secret-key-do-not-use-in-production!";

HttpError unauthorized(boost::json::object body) {
  return HttpError(401, boost::json::value(std::move(body)))
      .with_header("WWW-Authenticate", "Bearer realm=\"api\"");
}

HttpError token_not_valid(std::string_view message) {
  return unauthorized(
      {{"detail", "Given token not valid for any token type"},
       {"code", "token_not_valid"},
       {"messages",
        boost::json::array{boost::json::object{
            {"token_class", "AccessToken"}, {"token_type", "access"}, {"message", message}}}}});
}

}  // namespace

Settings read_settings(ts::Config& cfg) {
  Settings s;
  const bool dev = cfg.boolean("DEV_MODE", false);
  s.secret_key = cfg.secret("SECRET_KEY", 32,
                            dev ? std::optional<std::string_view>(kDevSecret) : std::nullopt);
  s.media_dir = cfg.str("MEDIA_DIR", "var/media");
  s.access_lifetime =
      std::chrono::seconds(cfg.integer("ACCESS_TOKEN_SECONDS", 15 * 60, 10, 24 * 3600));
  s.refresh_lifetime =
      std::chrono::seconds(cfg.integer("REFRESH_TOKEN_SECONDS", 24 * 3600, 60, 90 * 24 * 3600));
  s.payment_gateway = cfg.choice("PAYMENT_GATEWAY", "sandbox", {"sandbox", "stripe"});
  if (s.payment_gateway == "stripe") s.stripe_secret_key = cfg.required("STRIPE_SECRET_KEY");
  s.stripe_api_base = cfg.str("STRIPE_API_BASE", s.stripe_api_base);
  s.max_image_bytes =
      static_cast<std::size_t>(cfg.integer("MAX_IMAGE_BYTES", 5 << 20, 1024, 64 << 20));
  s.catalogue_cache =
      cfg.millis("CATALOGUE_CACHE_MS", s.catalogue_cache, std::chrono::milliseconds(0),
                 std::chrono::milliseconds(3'600'000));
  s.idempotency_takeover =
      std::chrono::seconds(cfg.integer("IDEMPOTENCY_TAKEOVER_SECONDS", 120, 1, 24 * 3600));
  return s;
}

Shop::Shop(std::shared_ptr<ts::db::Pool> pool, Settings s)
    : db(std::move(pool)), settings(std::move(s)), signer(settings.secret_key) {
  if (settings.payment_gateway == "stripe") {
    gateway = payments::make_stripe_gateway(
        {.secret_key = settings.stripe_secret_key, .api_base = settings.stripe_api_base});
    return;
  }
  // The sandbox keeps its customers, cards and charges in this database: one
  // processor for every instance on it, and saved cards outlive a restart.
  gateway = std::make_unique<domain::SandboxGateway>(
      domain::SandboxGateway::Options{.store = storage::make_sandbox_store(db)});
}

std::optional<boost::json::object> verify_bearer(const Shop& shop, const ts::http::Request& req) {
  auto header = req.header("Authorization");
  if (!header) return std::nullopt;
  // Split on whitespace as the original did; only the Bearer scheme counts.
  std::vector<std::string_view> parts;
  std::string_view rest = *header;
  while (!rest.empty()) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    if (rest.empty()) break;
    const auto end = rest.find_first_of(" \t");
    parts.push_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end);
  }
  if (parts.empty() || parts[0] != "Bearer") return std::nullopt;
  if (parts.size() != 2)
    throw unauthorized({{"detail", "Authorization header must contain two space-delimited values"},
                        {"code", "bad_authorization_header"}});
  auto outcome = shop.signer.verify(parts[1], "access");
  if (!outcome) {
    throw token_not_valid(outcome.error == ts::auth::TokenError::wrong_type
                              ? "Token has wrong type"
                              : "Token is invalid or expired");
  }
  const auto* uid = outcome.claims->if_contains("user_id");
  const auto* jti = outcome.claims->if_contains("jti");
  if (!uid || !uid->is_int64() || !jti || !jti->is_string())
    throw token_not_valid("Token is invalid or expired");
  return std::move(*outcome.claims);
}

void authenticate(Shop& shop, ts::http::Request& req) {
  const auto claims = verify_bearer(shop, req);
  if (!claims) return;
  const auto uid = claims->at("user_id").as_int64();
  if (storage::is_token_revoked(*shop.db, std::string(claims->at("jti").as_string())))
    throw token_not_valid("Token is invalid or expired");
  auto user = storage::find_user(*shop.db, uid);
  if (!user) throw unauthorized({{"detail", "User not found"}, {"code", "user_not_found"}});
  if (!user->is_active)
    throw unauthorized({{"detail", "User is inactive"}, {"code", "user_inactive"}});
  req.user = User{user->id, user->username, user->email, user->is_staff, user->is_active};
}

const User* current_user(const ts::http::Request& req) {
  return std::any_cast<User>(&req.user);
}

const User& require_user(const ts::http::Request& req) {
  if (const auto* u = current_user(req)) return *u;
  throw unauthorized({{"detail", "Authentication credentials were not provided."}});
}

const User& require_admin(const ts::http::Request& req) {
  const auto& u = require_user(req);
  if (!u.is_staff) throw HttpError(403, "You do not have permission to perform this action.");
  return u;
}

std::string issue_access_token(const Shop& shop, std::int64_t user_id) {
  return shop.signer.issue("access", {{"user_id", user_id}}, shop.settings.access_lifetime);
}

std::string issue_refresh_token(const Shop& shop, std::int64_t user_id) {
  return shop.signer.issue("refresh", {{"user_id", user_id}}, shop.settings.refresh_lifetime);
}

}  // namespace shop
