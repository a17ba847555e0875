// libFuzzer target: raw bytes from a client, through the server's own
// parsing and routing (ts::http::wire::parse_and_route), then everything a
// handler typically does with the routed request. Besides the sanitizers,
// it checks invariants the rest of the server relies on and traps when one
// breaks, so a violation is reported as a crash with its input.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "platform/http/error.hpp"
#include "platform/http/message.hpp"
#include "platform/http/router.hpp"
#include "platform/http/wire.hpp"

namespace {

using ts::http::HttpError;
using ts::http::Method;
using ts::http::Request;
using ts::http::Response;
using ts::http::RouteOptions;
using ts::http::Router;
using ts::http::TrailingSlash;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

Response nothing(Request&) {
  return Response::empty(204);
}

RouteOptions limit(std::size_t bytes) {
  RouteOptions o;
  o.body_limit = bytes;
  return o;
}

// A route set shaped like the applications': literals, named and integer
// parameters, a literal beside a parameter, and different body limits.
void add_routes(Router& r) {
  r.get("/healthz", nothing);
  r.get("/api/products/", nothing);
  r.post("/api/products/", nothing, limit(4096));
  r.get("/api/product/{id:int}/", nothing);
  r.put("/api/product/{id:int}/", nothing, limit(1024));
  r.del("/api/product/{id:int}/", nothing);
  r.get("/api/product/new/", nothing);
  r.patch("/account/user/{pk:int}/", nothing, limit(256));
  r.get("/account/user/{pk:int}/orders/{order:int}/", nothing);
  r.post("/blog/{slug}/comments/", nothing, limit(64));
  r.get("/blog/{slug}/", nothing);
  r.get("/static/{name}", nothing);
  r.add(Method::options, "/api/cors/", nothing);
  r.post("/upload/", nothing, limit(0));
}

const Router& router(TrailingSlash policy) {
  static const Router strict = [] {
    Router r(TrailingSlash::strict);
    add_routes(r);
    return r;
  }();
  static const Router redirecting = [] {
    Router r(TrailingSlash::redirect_get);
    add_routes(r);
    return r;
  }();
  return policy == TrailingSlash::strict ? strict : redirecting;
}

void exercise_found(const Request& req, const Router::Match& m) {
  check(m.route != nullptr);
  check(req.body.size() <= m.route->options.body_limit);
  check(req.params.size() == m.params.size());
  const std::string_view pattern = m.route->pattern;
  for (const auto& [name, value] : req.params) {
    // Decoded parameters are never empty and never carry a NUL byte.
    check(!value.empty() && value.find('\0') == std::string::npos);
    check(req.param(name) == value);
    const bool is_int = pattern.find("{" + name + ":int}") != std::string_view::npos;
    try {
      const auto v = req.param_int(name);
      check(!is_int || v >= 0);
    } catch (const HttpError& e) {
      // The router accepted only digits for {x:int}; they must convert.
      check(!is_int);
      check(e.status() == 404);
    }
  }
  try {
    (void)req.param("no-such-parameter");
    check(false);
  } catch (const HttpError& e) {
    check(e.status() == 404);
  }
}

void exercise_handler_side(const Request& req) {
  for (const char* name : {"page", "q", "search", "ordering", "", "a b"}) {
    if (auto v = req.query_param(name)) check(v->size() <= req.query.size());
  }
  // The first key of the query, as a handler looking up an arbitrary name would.
  const auto eq = req.query.find_first_of("=&");
  if (auto first = ts::http::form_decode(std::string_view(req.query).substr(0, eq)))
    (void)req.query_param(*first);

  try {
    const boost::json::value v = req.json();
    // What we accept must serialise and parse back to the same value.
    const std::string text = boost::json::serialize(v);
    boost::system::error_code ec;
    const boost::json::value again = boost::json::parse(text, ec);
    check(!ec && again == v);
  } catch (const HttpError& e) {
    check(e.status() == 400);
    const Response r = e.to_response();
    check(r.status == 400 && !r.body.empty());
  }

  if (auto form = ts::http::form_decode(req.body)) check(form->size() <= req.body.size());
  if (auto seg = ts::http::decode_segment(req.path)) check(seg->size() <= req.path.size());

  for (const char* name : {"Host", "content-type", "CONTENT-LENGTH", "X-Request-Id", "Cookie"})
    (void)req.header(name);
  if (auto id = req.header("x-request-id")) (void)ts::http::wire::valid_request_id(*id);
  for (unsigned hops : {0u, 1u, 2u, 7u}) {
    const auto ip = ts::http::wire::client_address("192.0.2.1", req.headers, hops);
    check(!ip.empty());
  }
  for (const auto& f : req.headers) check(req.headers.contains(f.name));
}

void run(std::string_view bytes, TrailingSlash policy) {
  auto parsed = ts::http::wire::parse_and_route(bytes, router(policy));
  if (!parsed) return;
  Request& req = parsed->request;
  const Router::Match& m = parsed->match;
  check(req.path.size() <= req.target.size());
  switch (m.kind) {
    case Router::Match::found:
      exercise_found(req, m);
      break;
    case Router::Match::redirect:
      check(policy == TrailingSlash::redirect_get);
      check(req.method == Method::get || req.method == Method::head);
      check(m.location.starts_with(req.path + "/"));
      break;
    case Router::Match::method_not_allowed:
      check(!m.allow.empty() && m.allow.ends_with("OPTIONS"));
      break;
    case Router::Match::not_found:
    case Router::Match::bad_path:
      check(m.route == nullptr);
      break;
  }
  exercise_handler_side(req);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  run(bytes, TrailingSlash::strict);
  run(bytes, TrailingSlash::redirect_get);
  return 0;
}
