#pragma once
// The microblog's check for RouteOptions::access (Server::set_access_check):
// the same refusal the handler itself would give, but on the request's
// header, before the server reads a body. API routes (/api/…) want a valid
// bearer token (401 in the API's JSON shape); page routes want a signed-in
// session (a redirect to the login page with the usual flash message).
#include <optional>

#include "platform/http/message.hpp"
#include "platform/http/router.hpp"

#include "microblog/storage/storage.hpp"

namespace microblog {
struct Microblog;
}

namespace microblog::web {

// The SHA-256 (hex) of the request's bearer token; the API's 401 when there
// is none.
std::string bearer_hash(const ts::http::Request& req);
// The user the request's bearer token belongs to; the API's 401 otherwise.
storage::UserRow token_user(Microblog& app, const ts::http::Request& req);

std::optional<ts::http::Response> check_access(Microblog& app, ts::http::Request& req,
                                               ts::http::Access access);

}  // namespace microblog::web
