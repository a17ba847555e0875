#include "shop/app.hpp"

#include <boost/json.hpp>

#include "shop/api/errors.hpp"
#include "shop/domain/sandbox_gateway.hpp"
#include "shop/payments/stripe_gateway.hpp"
#include "shop/storage/sandbox.hpp"
#include "shop/storage/users.hpp"

namespace shop {

using api::token_not_valid;
using api::unauthorized;

namespace {

constexpr const char* kDevSecret = "development-only-secret-key-do-not-use-in-production!";

// Seconds, in the settings' integer type.
constexpr std::int64_t kMinute = 60;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

}  // namespace

Settings read_settings(ts::Config& cfg, bool serving) {
  Settings s;
  const bool dev = cfg.boolean("DEV_MODE", false);
  const bool allow_sandbox = cfg.boolean("ALLOW_SANDBOX", false);
  s.secret_key = cfg.secret("SECRET_KEY", 32,
                            dev ? std::optional<std::string_view>(kDevSecret) : std::nullopt);
  s.media_dir = cfg.str("MEDIA_DIR", "var/media");
  s.access_lifetime =
      std::chrono::seconds(cfg.integer("ACCESS_TOKEN_SECONDS", 15 * kMinute, 10, kDay));
  s.refresh_lifetime =
      std::chrono::seconds(cfg.integer("REFRESH_TOKEN_SECONDS", kDay, 60, 90 * kDay));
  s.payment_gateway = cfg.choice("PAYMENT_GATEWAY", "sandbox", {"sandbox", "stripe"});
  // The sandbox marks orders paid without charging anyone: a production
  // store that forgot the setting must not start taking orders that way.
  if (serving && s.payment_gateway == "sandbox" && !dev && !allow_sandbox)
    cfg.fail("PAYMENT_GATEWAY",
             "is sandbox (also the default when unset), a test-mode processor that takes orders "
             "as paid without charging anyone; set SHOP_PAYMENT_GATEWAY=stripe (with "
             "SHOP_STRIPE_SECRET_KEY) for a real store, or SHOP_ALLOW_SANDBOX=true (or "
             "SHOP_DEV_MODE=true) to serve with the sandbox on purpose");
  if (s.payment_gateway == "stripe") s.stripe_secret_key = cfg.required("STRIPE_SECRET_KEY");
  s.stripe_api_base = cfg.str("STRIPE_API_BASE", s.stripe_api_base);
  s.max_image_bytes =
      static_cast<std::size_t>(cfg.integer("MAX_IMAGE_BYTES", 5 << 20, 1024, 64 << 20));
  // Each side stays within the decoders' 16384 pixels whatever this says.
  s.max_image_pixels = cfg.integer("MAX_IMAGE_PIXELS", s.max_image_pixels, 1, 100'000'000);
  s.register_burst = static_cast<double>(
      cfg.integer("REGISTER_BURST", static_cast<std::int64_t>(s.register_burst), 1, 1'000'000));
  s.register_per_hour = static_cast<double>(cfg.integer(
      "REGISTER_PER_HOUR", static_cast<std::int64_t>(s.register_per_hour), 1, 36'000'000));
  s.catalogue_cache =
      cfg.millis("CATALOGUE_CACHE_MS", s.catalogue_cache, std::chrono::milliseconds(0),
                 std::chrono::milliseconds(3'600'000));
  s.idempotency_takeover =
      std::chrono::seconds(cfg.integer("IDEMPOTENCY_TAKEOVER_SECONDS", 120, 1, kDay));
  return s;
}

Shop::Shop(std::shared_ptr<ts::db::Pool> pool, Settings s)
    : db(std::move(pool)),
      settings(std::move(s)),
      signer(settings.secret_key),
      register_by_address(settings.register_per_hour / 3600.0, settings.register_burst) {
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

std::optional<std::int64_t> token_generation(const boost::json::object& claims) {
  const auto* gen = claims.if_contains("gen");
  if (!gen) return 0;
  if (!gen->is_int64()) return std::nullopt;
  return gen->as_int64();
}

void authenticate(Shop& shop, ts::http::Request& req) {
  const auto claims = verify_bearer(shop, req);
  if (!claims) return;
  const auto uid = claims->at("user_id").as_int64();
  const auto generation = token_generation(*claims);
  if (!generation) throw token_not_valid("Token is invalid or expired");
  // The account and the token's revocation in one query.
  auto session = storage::find_session(*shop.db, uid, std::string(claims->at("jti").as_string()));
  if (session && session->revoked) throw token_not_valid("Token is invalid or expired");
  if (!session) throw unauthorized({{"detail", "User not found"}, {"code", "user_not_found"}});
  const auto* user = &session->user;
  // Issued before the latest password change: that change ended this session.
  if (*generation != user->token_generation) throw token_not_valid("Token is invalid or expired");
  if (!user->is_active)
    throw unauthorized({{"detail", "User is inactive"}, {"code", "user_inactive"}});
  req.user = User{user->id, user->username, user->email, user->is_staff, user->is_active};
}

const User* current_user(const ts::http::Request& req) {
  return req.user ? &*req.user : nullptr;
}

std::string issue_access_token(const Shop& shop, std::int64_t user_id, std::int64_t generation) {
  return shop.signer.issue("access", {{"user_id", user_id}, {"gen", generation}},
                           shop.settings.access_lifetime);
}

std::string issue_refresh_token(const Shop& shop, std::int64_t user_id, std::int64_t generation) {
  return shop.signer.issue("refresh", {{"user_id", user_id}, {"gen", generation}},
                           shop.settings.refresh_lifetime);
}

}  // namespace shop
