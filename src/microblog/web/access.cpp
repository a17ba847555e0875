#include "microblog/web/access.hpp"

#include <boost/json.hpp>

#include "microblog/app.hpp"
#include "microblog/domain/text.hpp"
#include "microblog/domain/timefmt.hpp"
#include "microblog/storage/storage.hpp"
#include "microblog/web/page.hpp"
#include "platform/auth/crypto.hpp"
#include "platform/core/text.hpp"
#include "platform/http/error.hpp"

namespace microblog::web {

using ts::http::Request;
using ts::http::Response;

namespace {

// The API's 401, as api.cpp answers a missing or unknown token.
ts::http::HttpError bearer_failure() {
  return ts::http::HttpError(401,
                             boost::json::value(boost::json::object{{"error", "Unauthorized"}}))
      .with_header("WWW-Authenticate", "Bearer realm=\"Authentication Required\"");
}

void require_token(Microblog& app, const Request& req) {
  const auto h = req.header("Authorization").value_or("");
  if (h.size() < 7 || !ts::http::iequals(h.substr(0, 7), "Bearer ")) throw bearer_failure();
  const auto token = std::string(ts::core::trim(h.substr(7)));
  if (token.empty()) throw bearer_failure();
  if (!storage::user_by_token_hash(*app.db, ts::auth::sha256_hex(token), domain::now_us()))
    throw bearer_failure();
}

}  // namespace

std::optional<Response> check_access(Microblog& app, Request& req, ts::http::Access) {
  // The microblog has no staff role: every rule means "signed in".
  const std::string_view path = req.path;
  if (path == "/api" || path.starts_with("/api/")) {
    require_token(app, req);
    return std::nullopt;
  }
  // What page(app, true, …) does for a visitor without a session.
  Page p(app, req);
  if (p.user) return std::nullopt;
  p.flash(p.t("Please log in to access this page."));
  const std::string target = req.path + (req.query.empty() ? "" : "?" + req.query);
  return p.redirect("/auth/login?next=" + ts::core::percent_encode(target));
}

}  // namespace microblog::web
