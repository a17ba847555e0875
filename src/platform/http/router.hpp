#pragma once
// Method + path template → handler. Templates are literal segments and
// parameters: "/api/product/{id}/" or "/account/user/{pk:int}/". A path that
// exists under another method is a 405 with Allow; a path that does not
// exist is a 404. With TrailingSlash::redirect_get, a GET/HEAD for a path
// that only exists with a final slash is answered 301 to the slashed path
// (what the shop's original API did).
#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "platform/http/message.hpp"

namespace ts::metrics {
class RouteStats;
}

namespace ts::http {

using Handler = std::function<Response(Request&)>;

enum class TrailingSlash { strict, redirect_get };

// A token bucket rule applied per client address before the handler runs.
struct RateRule {
  std::string name;        // bucket family, e.g. "login"
  double per_second = 10;  // refill rate
  double burst = 20;       // bucket capacity
};

// Who may use a route. The server enforces it on the request's header,
// before it reads a body, through the check the application registers
// (Server::set_access_check): an anonymous client must not be able to make
// the server receive and hold a multi-megabyte upload it will refuse anyway.
enum class Access { anyone, user, staff };

struct RouteOptions {
  std::size_t body_limit = 1 << 20;  // bytes; larger bodies get 413
  // Handlers that touch the database or hash passwords must not run on the
  // network threads; set false only for handlers that do neither.
  bool blocking = true;
  // For a blocking route: requests for which this returns true do no blocking
  // work (e.g. a page for a visitor without a session) and run on the network
  // thread, saving the hand-off to the worker pool.
  std::function<bool(const Request&)> inline_when;
  // For a blocking route: its blocking work is database queries and nothing
  // else (no password hashing, no file I/O, no sleeps). With a fiber runner
  // installed (Server::set_fiber_runner: the service does so on PostgreSQL)
  // it runs on the network thread in a fiber that sleeps while a query waits
  // for the server, instead of on the worker pool.
  bool db_only = false;
  std::optional<RateRule> rate_limit;
  // When false the application's authenticator is not called for this route.
  bool authenticate = true;
  // Anything but `anyone`: the authenticator and the application's access
  // check run before the body is read; a refusal is answered at once and the
  // connection closed, the body never read.
  Access access = Access::anyone;
};

struct Route {
  Method method;
  std::string pattern;
  Handler handler;
  RouteOptions options;
  metrics::RouteStats* stats = nullptr;  // set by the server
};

class Router {
 public:
  explicit Router(TrailingSlash policy = TrailingSlash::strict);
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  Route& add(Method method, std::string_view pattern, Handler handler, RouteOptions options = {});
  Route& get(std::string_view p, Handler h, RouteOptions o = {}) {
    return add(Method::get, p, std::move(h), std::move(o));
  }
  Route& post(std::string_view p, Handler h, RouteOptions o = {}) {
    return add(Method::post, p, std::move(h), std::move(o));
  }
  Route& put(std::string_view p, Handler h, RouteOptions o = {}) {
    return add(Method::put, p, std::move(h), std::move(o));
  }
  Route& patch(std::string_view p, Handler h, RouteOptions o = {}) {
    return add(Method::patch, p, std::move(h), std::move(o));
  }
  Route& del(std::string_view p, Handler h, RouteOptions o = {}) {
    return add(Method::del, p, std::move(h), std::move(o));
  }
  // Options first, for a handler written inline as the last argument.
  Route& get(std::string_view p, RouteOptions o, Handler h) {
    return add(Method::get, p, std::move(h), std::move(o));
  }
  Route& post(std::string_view p, RouteOptions o, Handler h) {
    return add(Method::post, p, std::move(h), std::move(o));
  }
  Route& put(std::string_view p, RouteOptions o, Handler h) {
    return add(Method::put, p, std::move(h), std::move(o));
  }
  Route& del(std::string_view p, RouteOptions o, Handler h) {
    return add(Method::del, p, std::move(h), std::move(o));
  }

  // Answers requests for paths no route matches (instead of the JSON 404),
  // e.g. an HTML "page not found" for a server-rendered app. It runs through
  // the whole middleware chain; its metrics label is "unmatched".
  void set_fallback(Handler handler, RouteOptions options = {});

  struct Match {
    enum Kind { found, not_found, method_not_allowed, redirect, bad_path } kind = not_found;
    const Route* route = nullptr;
    std::vector<std::pair<std::string, std::string>> params;
    std::string allow;     // for method_not_allowed and OPTIONS
    std::string location;  // for redirect
  };

  // `path` is the raw (percent-encoded) path without the query.
  Match match(Method method, std::string_view path, std::string_view query = {}) const;

  std::vector<Route*> routes();
  TrailingSlash policy() const { return policy_; }

 private:
  struct Node;
  bool lookup(std::string_view path, const Node*& node,
              std::vector<std::pair<std::string, std::string>>& params, bool& bad) const;

  TrailingSlash policy_;
  std::unique_ptr<Node> root_;
  std::vector<std::unique_ptr<Route>> routes_;
  std::unique_ptr<Route> fallback_;
};

// Percent-decodes one path segment; nullopt on a bad escape or a NUL byte.
std::optional<std::string> decode_segment(std::string_view s);

}  // namespace ts::http
