#include "platform/http/message.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <cmath>

#include "platform/http/error.hpp"

namespace ts::http {

std::optional<std::string> form_decode(std::string_view s) {
  return core::percent_decode(s, {.plus_as_space = true});
}

std::string_view method_name(Method m) {
  switch (m) {
    case Method::get:
      return "GET";
    case Method::head:
      return "HEAD";
    case Method::post:
      return "POST";
    case Method::put:
      return "PUT";
    case Method::patch:
      return "PATCH";
    case Method::del:
      return "DELETE";
    case Method::options:
      return "OPTIONS";
    case Method::other:
      return "OTHER";
  }
  return "OTHER";
}

Method parse_method(std::string_view t) {
  if (t == "GET") return Method::get;
  if (t == "POST") return Method::post;
  if (t == "HEAD") return Method::head;
  if (t == "PUT") return Method::put;
  if (t == "DELETE") return Method::del;
  if (t == "PATCH") return Method::patch;
  if (t == "OPTIONS") return Method::options;
  return Method::other;
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& f : fields_)
    if (iequals(f.name, name)) return std::string_view(f.value);
  return std::nullopt;
}

void Headers::set(std::string_view name, std::string_view value) {
  erase(name);
  fields_.push_back({std::string(name), std::string(value)});
}

void Headers::add(std::string_view name, std::string_view value) {
  fields_.push_back({std::string(name), std::string(value)});
}

void Headers::erase(std::string_view name) {
  std::erase_if(fields_, [&](const Field& f) { return iequals(f.name, name); });
}

std::string_view Request::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  throw HttpError::not_found();
}

std::int64_t Request::param_int(std::string_view name) const {
  const auto text = param(name);
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) throw HttpError::not_found();
  return v;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  if (query.empty()) return std::nullopt;
  // form-urlencoded rules: '&' separates pairs, '+' is a space. A malformed
  // escape makes that one value absent rather than throwing from a handler.
  std::string_view rest(query);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    auto key = form_decode(pair.substr(0, eq));
    // An empty pair ("a=1&&b=2") names no parameter, as one at the end does not
    // (WHATWG urlencoded parsing skips them).
    if (key && !pair.empty() && *key == name) {
      if (eq == std::string_view::npos) return std::string();
      return form_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

namespace {
// A number beyond a double's range (1e999) parses as ±infinity, which
// boost::json::serialize writes as "Infinity" — not JSON, so an echo of the
// value, or a copy stored as JSON, could not be read back. Found by
// tests/fuzz (fuzz_jwt, corpus/jwt/claims-infinity).
bool all_finite(const boost::json::value& v) {
  if (v.is_double()) return std::isfinite(v.get_double());
  if (v.is_array()) {
    for (const auto& e : v.get_array())
      if (!all_finite(e)) return false;
  } else if (v.is_object()) {
    for (const auto& kv : v.get_object())
      if (!all_finite(kv.value())) return false;
  }
  return true;
}
}  // namespace

boost::json::value Request::json() const {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec) throw HttpError::bad_request("JSON parse error - " + ec.message());
  if (!all_finite(v)) throw HttpError::bad_request("JSON parse error - number out of range");
  return v;
}

Response::Response(int s, std::string b, std::string_view content_type)
    : status(s), body(std::move(b)) {
  headers.set("Content-Type", content_type);
}

Response Response::json(const boost::json::value& v, int status) {
  return Response(status, boost::json::serialize(v), "application/json");
}

Response Response::text(std::string b, int status) {
  return Response(status, std::move(b), "text/plain; charset=utf-8");
}

Response Response::html(std::string b, int status) {
  return Response(status, std::move(b), "text/html; charset=utf-8");
}

Response Response::empty(int status) {
  Response r;
  r.status = status;
  return r;
}

Response Response::redirect(std::string_view location, int status) {
  Response r;
  r.status = status;
  r.headers.set("Location", location);
  return r;
}

}  // namespace ts::http
