// The middleware chain after routing: the built-in endpoints, CORS, the
// rate limit, authentication and the access rule, then the handler.
#include <boost/json.hpp>

#include "platform/http/server_impl.hpp"

namespace ts::http {

using server_detail::json_error;
using server_detail::offload;

bool Server::Impl::runs_blocking(const Route& route, const Request& req) const {
  return route.options.blocking && !(route.options.inline_when && route.options.inline_when(req));
}

// Authentication, then the route's access rule; a response when refused.
std::optional<Response> Server::Impl::check(Request& req, const Route& route) {
  if (route.options.authenticate && authenticator) authenticator(req);
  if (route.options.access != Access::anyone && access_check)
    return access_check(req, route.options.access);
  return std::nullopt;
}

bool Server::Impl::is_builtin(std::string_view path, bool monitor) const {
  if (path == "/healthz" || path == "/readyz") return true;
  if (path == "/metrics") return monitor || !opt.monitor;
  return monitor;  // the monitor port serves nothing else
}

asio::awaitable<Response> Server::Impl::serve_builtin(Request& req) {
  if (req.method != Method::get && req.method != Method::head) {
    Response r = json_error(405, "Method \"" + req.method_text + "\" not allowed.");
    r.headers.set("Allow", "GET, HEAD");
    co_return r;
  }
  if (req.path == "/healthz") co_return Response::json(boost::json::object{{"status", "ok"}});
  if (req.path == "/readyz") {
    bool ready = !draining.load();
    if (ready && readiness) ready = co_await offload(*pool, [this] { return readiness(); });
    if (ready) co_return Response::json(boost::json::object{{"status", "ready"}});
    co_return Response::json(
        boost::json::object{{"status", draining.load() ? "draining" : "not ready"}}, 503);
  }
  if (req.path == "/metrics") {
    // Rendered here, not on the worker pool: rendering only reads counters,
    // and a pool saturated by slow handlers must not hide the metrics that
    // show it.
    co_return Response(200, registry.render(), "text/plain; version=0.0.4; charset=utf-8");
  }
  co_return json_error(404, "Not found.");
}

asio::awaitable<Response> Server::Impl::dispatch(Request& req, const Router::Match& match,
                                                 bool checked) {
  // CORS preflight for any existing path.
  if (req.method == Method::options && match.kind != Router::Match::not_found &&
      match.kind != Router::Match::bad_path) {
    if (req.headers.contains("Origin") && req.headers.contains("Access-Control-Request-Method")) {
      Response r = Response::empty(200);
      if (origin_allowed(*req.headers.get("Origin"))) {
        r.headers.set("Access-Control-Allow-Methods", opt.cors.allow_methods);
        r.headers.set("Access-Control-Allow-Headers", opt.cors.allow_headers);
        r.headers.set("Access-Control-Max-Age", std::to_string(opt.cors.max_age_seconds));
      }
      co_return r;
    }
    if (match.kind == Router::Match::method_not_allowed) {
      Response r = Response::empty(204);
      r.headers.set("Allow", match.allow);
      co_return r;
    }
  }
  switch (match.kind) {
    case Router::Match::found:
      break;
    case Router::Match::redirect: {
      Response r = Response::redirect(match.location, 301);
      co_return r;
    }
    case Router::Match::method_not_allowed: {
      Response r = json_error(405, "Method \"" + req.method_text + "\" not allowed.");
      r.headers.set("Allow", match.allow);
      co_return r;
    }
    case Router::Match::bad_path:
      co_return json_error(400, "Malformed request path.");
    case Router::Match::not_found:
      co_return json_error(404, "Not found.");
  }
  const Route& route = *match.route;

  // -- rate limit (per client address)
  if (route.options.rate_limit) {
    auto& limiter = *limiters.at(route.options.rate_limit->name);
    const auto d = limiter.take(route.options.rate_limit->name + "|" + req.client_ip);
    if (!d.allowed) {
      Response r = json_error(429, "Request was throttled. Expected available in " +
                                       std::to_string(d.retry_after.count()) + " seconds.");
      r.headers.set("Retry-After", std::to_string(d.retry_after.count()));
      co_return r;
    }
  }

  co_return co_await execute(req, route, checked);
}

asio::awaitable<Response> Server::Impl::execute(Request& req, const Route& route, bool checked) {
  auto run = [this, &req, &route, checked]() -> Response {
    if (!checked)
      if (auto refused = check(req, route)) return std::move(*refused);
    return route.handler(req);
  };
  std::optional<Response> res;
  if (runs_blocking(route, req)) {
    if (!(route.options.db_only && fiber_runner)) co_return co_await offload(*pool, run);
    // In a fiber on this thread (PostgreSQL); a handler that finds it has
    // other blocking work (require_worker) runs again on the pool, below.
    try {
      res = co_await in_fiber(run);
    } catch (const RunOnWorkers&) {
      res.reset();
    }
  } else {
    if (!checked)
      if (auto refused = check(req, route)) co_return std::move(*refused);
    try {
      res = route.handler(req);
    } catch (const RunOnWorkers&) {
      res.reset();
    }
  }
  // The handler found blocking work (after authentication): again, on the pool.
  if (!res) res = co_await offload(*pool, [&req, &route] { return route.handler(req); });
  co_return std::move(*res);
}

// Runs fn through the fiber runner on this network thread and resumes the
// calling coroutine with the result (or the exception fn threw).
asio::awaitable<Response> Server::Impl::in_fiber(std::function<Response()> fn) {
  auto& ioc = static_cast<asio::io_context&>(
      asio::query(co_await asio::this_coro::executor, asio::execution::context));
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable),
                                          void(std::exception_ptr, Response)>(
      [this, &ioc](auto handler, std::function<Response()> work) {
        using H = decltype(handler);
        struct State {
          H resume;
          std::exception_ptr error;
          Response result;
        };
        auto state = std::make_shared<State>(State{std::move(handler), nullptr, Response{}});
        fiber_runner(
            ioc,
            [state, work = std::move(work)]() mutable {
              try {
                state->result = work();
              } catch (...) {
                state->error = std::current_exception();
              }
            },
            [state, &ioc] {
              asio::post(ioc, [state] {
                std::move(state->resume)(state->error, std::move(state->result));
              });
            });
      },
      asio::use_awaitable, std::move(fn));
}

bool Server::Impl::origin_allowed(std::string_view origin) const {
  for (const auto& o : opt.cors.allow_origins)
    if (o == "*" || o == origin) return true;
  return false;
}

void Server::Impl::apply_cors(const Request& req, Response& res, const Router::Match&) const {
  if (opt.cors.allow_origins.empty()) return;
  auto origin = req.headers.get("Origin");
  if (!origin || !origin_allowed(*origin)) return;
  const bool wildcard = opt.cors.allow_origins.size() == 1 && opt.cors.allow_origins[0] == "*";
  res.headers.set("Access-Control-Allow-Origin", wildcard ? std::string_view("*") : *origin);
  if (!wildcard) res.headers.add("Vary", "Origin");
}

}  // namespace ts::http
