#pragma once
// Where the microblog maps its errors to HTTP, for both faces:
//  - the API (/api/…): JSON {"error": reason[, "message"]}, as the original's
//    bad_request/error_response; anything unexpected becomes its 500;
//  - the pages: the HTML error pages (or JSON for clients that prefer it),
//    and the redirect to the login page for a visitor who is not signed in.
#include <chrono>
#include <exception>
#include <functional>
#include <string>

#include "platform/http/error.hpp"
#include "platform/http/message.hpp"
#include "platform/http/router.hpp"

namespace microblog {
struct Microblog;
}

namespace microblog::web {

class RequestContext;
class Page;
struct Form;

// The API's errors. The reason phrase of a status, as the original writes it.
const char* reason(int status);
ts::http::HttpError api_error(int status, const std::string& message = "");
// 429 with when to come back.
ts::http::HttpError api_too_many(std::chrono::seconds retry_after);
// 401 for a missing or unknown bearer token / bad Basic credentials.
ts::http::HttpError api_bearer_failure();
ts::http::HttpError api_basic_failure();
// An API handler whose exceptions become the API's JSON errors.
ts::http::Handler api_handler(std::function<ts::http::Response(ts::http::Request&)> fn);
// The same JSON shape as a response (the page routes that answer JSON).
ts::http::Response json_error(int status, const std::string& message = "");

// The pages' errors. Accept negotiation as the original: JSON unless
// text/html is preferred.
bool wants_json(const ts::http::Request& req);
// The 404 / 500 page (or JSON) for a request.
ts::http::Response error_response(Microblog& app, ts::http::Request& req, int status);
// What a page answers for the exception in flight: the 404 page for a 404,
// the 500 page (logged) for anything unexpected; other HTTP errors and lost
// database connections are rethrown for the server to answer.
ts::http::Response page_failure(Microblog& app, ts::http::Request& req, std::exception_ptr e);
// A form refused for too many attempts (or, with kBusyMessage, because the
// server has no hash slot free): its error, 429 and when to come back;
// `render` draws the form.
inline constexpr const char* kTooManyMessage =
    "Too many attempts. Please wait a minute and try again.";
inline constexpr const char* kBusyMessage = "The server is busy. Please try again in a moment.";
ts::http::Response form_too_many(Page& p, Form& f, std::chrono::seconds retry_after,
                                 const std::function<ts::http::Response()>& render,
                                 const char* message = kTooManyMessage);
// A visitor who is not signed in: a flash and a redirect to the login page
// with next=… the page asked for.
ts::http::Response login_redirect(RequestContext& ctx);

// Unknown URLs: the HTML "Not Found" page for browsers, JSON for API paths
// (/api/…) and for clients that prefer JSON, as the original.
void register_not_found(Microblog& app, ts::http::Router& r);

}  // namespace microblog::web
