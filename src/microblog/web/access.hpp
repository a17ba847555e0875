#pragma once
// The microblog's check for RouteOptions::access (Server::set_access_check):
// the same refusal the handler itself would give, but on the request's
// header, before the server reads a body. API routes (/api/…) want a valid
// bearer token (401 in the API's JSON shape); page routes want a signed-in
// session (a redirect to the login page with the usual flash message).
#include <optional>

#include "platform/http/message.hpp"
#include "platform/http/router.hpp"

namespace microblog {
struct Microblog;
}

namespace microblog::web {

std::optional<ts::http::Response> check_access(Microblog& app, ts::http::Request& req,
                                               ts::http::Access access);

}  // namespace microblog::web
