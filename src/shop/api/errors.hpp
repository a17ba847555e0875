#pragma once
// Every HTTP error the shop answers with is built here: the domain's and the
// services' refusals (shop/domain/errors.hpp) mapped to statuses and bodies,
// and the few answers that only exist at the HTTP edge (tokens, throttling,
// malformed bodies). Handlers and services throw; nothing else builds bodies.
#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <string_view>

#include "platform/http/error.hpp"
#include "platform/http/message.hpp"
#include "shop/domain/errors.hpp"

namespace shop::api {

using ts::http::HttpError;

// ---- the domain's refusals ----
HttpError to_http(const domain::Refusal& e);
HttpError to_http(const domain::InvalidFields& e);
HttpError to_http(const domain::GatewayFailure& e);
// A gateway outcome as an HTTP answer. `card_status`: 402 when a charge was
// refused (Stripe's status), 400 where the original answered card problems so.
HttpError gateway_error(const domain::GatewayError& e, int card_status);

// Runs a handler, answering the domain's refusals as the mappings above do.
ts::http::Response mapped(const std::function<ts::http::Response()>& handler);

// ---- bodies of the original's shapes ----
// {"detail": detail[, "code": code]}
HttpError detail_error(int status, std::string_view detail, std::string_view code = {});
// 400 {"field": ["message"]}
HttpError field_error(std::string_view field, std::string_view message);
// 400 {"field": ["message", …], …}
HttpError field_errors(const domain::FieldErrors& errors);
// {"details": text} (the original's account and address views)
HttpError details(int status, std::string_view text);
// 400 {"detail": "Malformed request body: …"}
HttpError malformed(std::string_view what);

// ---- authentication and throttling ----
// 401 with the body given and WWW-Authenticate: Bearer realm="api".
HttpError unauthorized(boost::json::object body);
// 401 simplejwt's "Given token not valid for any token type" for an access token.
HttpError token_not_valid(std::string_view message);
// 401 simplejwt's TokenViewBase answer for a refresh token it will not take.
HttpError refresh_not_valid(std::string_view message);
// 401 for a login with wrong credentials.
HttpError no_active_account();
// 401 {"detail": "Authentication credentials were not provided."}
HttpError not_signed_in();
// 403 {"detail": "You do not have permission to perform this action."}
HttpError not_staff();
// 429 with Retry-After (at least one second).
HttpError throttled(std::chrono::seconds retry_after);

}  // namespace shop::api
