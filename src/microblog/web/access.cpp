#include "microblog/web/access.hpp"

#include "microblog/app.hpp"
#include "microblog/domain/text.hpp"
#include "microblog/domain/timefmt.hpp"
#include "microblog/storage/storage.hpp"
#include "microblog/web/context.hpp"
#include "microblog/web/errors.hpp"
#include "platform/auth/crypto.hpp"
#include "platform/core/text.hpp"

namespace microblog::web {

using ts::http::Request;
using ts::http::Response;

std::string bearer_hash(const Request& req) {
  const auto h = req.header("Authorization").value_or("");
  if (h.size() < 7 || !ts::http::iequals(h.substr(0, 7), "Bearer ")) throw api_bearer_failure();
  const auto token = std::string(ts::core::trim(h.substr(7)));
  if (token.empty()) throw api_bearer_failure();
  return ts::auth::sha256_hex(token);
}

storage::UserRow token_user(Microblog& app, const Request& req) {
  auto user = storage::user_by_token_hash(*app.db, bearer_hash(req), domain::now_us());
  if (!user) throw api_bearer_failure();
  return *user;
}

std::optional<Response> check_access(Microblog& app, Request& req, ts::http::Access) {
  // The microblog has no staff role: every rule means "signed in".
  const std::string_view path = req.path;
  if (path == "/api" || path.starts_with("/api/")) {
    token_user(app, req);
    return std::nullopt;
  }
  // What signed_in_page does for a visitor without a session. Only reads:
  // the view's pipeline records the visit.
  auto ctx = RequestContext::load(app, req);
  if (ctx.user) return std::nullopt;
  return login_redirect(ctx);
}

}  // namespace microblog::web
