#include "shop/api/errors.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <string>

namespace shop::api {

namespace {
constexpr std::string_view kRealm = "Bearer realm=\"api\"";
}  // namespace

HttpError to_http(const domain::Refusal& e) {
  using Kind = domain::Refusal::Kind;
  switch (e.kind) {
    case Kind::invalid:
      return detail_error(400, e.text, e.code);
    case Kind::not_found:
      return detail_error(404, e.text, e.code);
    case Kind::in_progress:
      return detail_error(409, e.text, e.code);
    case Kind::too_large:
      return detail_error(413, e.text, e.code);
    case Kind::reused_key:
      break;
  }
  return detail_error(422, e.text, e.code);
}

HttpError to_http(const domain::InvalidFields& e) {
  if (dynamic_cast<const domain::InvalidProduct*>(&e))
    return HttpError(400, boost::json::value{{"detail", e.errors.to_json()}});
  return field_errors(e.errors);
}

HttpError to_http(const domain::GatewayFailure& e) {
  return gateway_error(e.error, e.paying ? 402 : 400);
}

HttpError gateway_error(const domain::GatewayError& e, int card_status) {
  using Kind = domain::GatewayError::Kind;
  switch (e.kind) {
    case Kind::card:
      return detail_error(card_status, e.message, e.code);
    case Kind::invalid_request:
      return detail_error(400, e.message, e.code);
    case Kind::not_found:
      return detail_error(404, e.message, e.code);
    case Kind::idempotency:
      return detail_error(409, e.message, e.code);
    case Kind::unavailable:
      break;
  }
  return detail_error(503, e.message, e.code);
}

ts::http::Response mapped(const std::function<ts::http::Response()>& handler) {
  try {
    return handler();
  } catch (const domain::Refusal& e) {
    throw to_http(e);
  } catch (const domain::InvalidFields& e) {
    throw to_http(e);
  } catch (const domain::GatewayFailure& e) {
    throw to_http(e);
  }
}

HttpError detail_error(int status, std::string_view detail, std::string_view code) {
  boost::json::object body{{"detail", detail}};
  if (!code.empty()) body["code"] = code;
  return HttpError(status, boost::json::value(std::move(body)));
}

HttpError field_error(std::string_view field, std::string_view message) {
  return HttpError::fields({{std::string(field), std::string(message)}});
}

HttpError field_errors(const domain::FieldErrors& errors) {
  return HttpError(400, boost::json::value(errors.to_json()));
}

HttpError details(int status, std::string_view text) {
  return HttpError(status, boost::json::value(boost::json::object{{"details", text}}));
}

HttpError malformed(std::string_view what) {
  return HttpError(400, "Malformed request body: " + std::string(what));
}

HttpError unauthorized(boost::json::object body) {
  return HttpError(401, boost::json::value(std::move(body)))
      .with_header("WWW-Authenticate", std::string(kRealm));
}

HttpError token_not_valid(std::string_view message) {
  return unauthorized(
      {{"detail", "Given token not valid for any token type"},
       {"code", "token_not_valid"},
       {"messages",
        boost::json::array{boost::json::object{
            {"token_class", "AccessToken"}, {"token_type", "access"}, {"message", message}}}}});
}

HttpError refresh_not_valid(std::string_view message) {
  return unauthorized({{"detail", message}, {"code", "token_not_valid"}});
}

HttpError no_active_account() {
  return HttpError(401, "No active account found with the given credentials")
      .with_header("WWW-Authenticate", std::string(kRealm));
}

HttpError not_signed_in() {
  return unauthorized({{"detail", "Authentication credentials were not provided."}});
}

HttpError not_staff() {
  return HttpError(403, "You do not have permission to perform this action.");
}

HttpError throttled(std::chrono::seconds retry_after) {
  const auto seconds = std::max<std::int64_t>(1, retry_after.count());
  return HttpError(429, "Request was throttled. Expected available in " + std::to_string(seconds) +
                            " seconds.")
      .with_header("Retry-After", std::to_string(seconds));
}

}  // namespace shop::api
