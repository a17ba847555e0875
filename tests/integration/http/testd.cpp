// platform-testd — a service built only from the platform, used by the HTTP
// integration tests and by bench/ (GET /hello is the trivial JSON endpoint).
// Configured like every service: TESTD_LISTEN, TESTD_MONITOR_LISTEN,
// TESTD_LOG_LEVEL, …
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "platform/core/config.hpp"
#include "platform/core/log.hpp"
#include "platform/http/error.hpp"
#include "platform/http/server.hpp"
#include "platform/metrics/metrics.hpp"

using namespace ts;
using namespace ts::http;

int main() {
  Config cfg("TESTD");
  ServerOptions options = server_options_from(cfg, "127.0.0.1:8080");
  const bool ready = cfg.boolean("READY", true);
  if (log::Level level; log::parse_level(cfg.str("LOG_LEVEL", "info"), level))
    log::set_level(level);
  else
    cfg.fail("LOG_LEVEL", "must be debug, info, warn or error");
  try {
    cfg.check();
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }

  Router router(TrailingSlash::redirect_get);
  router.get("/hello",
             [](Request&) {
               return Response::json(boost::json::object{{"message", "hello"}});
             },
             {.blocking = false});
  router.get("/hello-pooled", [](Request&) {
    return Response::json(boost::json::object{{"message", "hello"}});
  });
  router.post("/echo", [](Request& r) {
    return Response(200, r.body, r.header("Content-Type").value_or("application/octet-stream"));
  });
  router.post("/small",
              [](Request& r) {
                return Response::json(boost::json::object{{"size", r.body.size()}});
              },
              {.body_limit = 16});
  static std::atomic<int> sleeps_started{0}, sleeps_done{0};
  router.get("/sleep", [](Request& r) {
    const int ms = std::stoi(r.query_param("ms").value_or("100"));
    ++sleeps_started;
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    ++sleeps_done;
    return Response::json(boost::json::object{{"slept_ms", ms}});
  });
  // Blocking, except for requests with ?inline=1 (RouteOptions::inline_when).
  router.get(
      "/maybe-inline",
      [](Request& r) {
        return Response::json(boost::json::object{{"inline", r.query_param("inline").value_or("0")},
                                                  {"sleeps_started", sleeps_started.load()},
                                                  {"sleeps_done", sleeps_done.load()}});
      },
      {.inline_when = [](const Request& r) { return r.query_param("inline") == "1"; }});
  // Runs on the network thread; with ?heavy=1 the handler asks for the worker
  // pool (ts::http::require_worker) and runs again there.
  router.get("/escalate",
             [](Request& r) {
               const bool network = ts::http::on_network_thread();
               if (r.query_param("heavy") == "1") ts::http::require_worker();
               return Response::json(boost::json::object{{"network_thread", network}});
             },
             {.blocking = false});
  router.get("/boom",
             [](Request&) -> Response { throw std::runtime_error("secret internal detail"); });
  router.get("/teapot", [](Request&) -> Response {
    throw HttpError(418, boost::json::object{{"field", boost::json::array{"bad value"}}});
  });
  router.get("/items/{id:int}/", [](Request& r) {
    return Response::json(boost::json::object{{"id", r.param_int("id")}});
  });
  router.put("/items/{id:int}/", [](Request& r) {
    auto body = r.json();
    return Response::json(boost::json::object{{"id", r.param_int("id")}, {"body", body}});
  });
  router.get("/names/{name}/", [](Request& r) {
    return Response::json(
        boost::json::object{{"name", r.param("name")}, {"q", r.query_param("q").value_or("")}});
  });
  router.get("/limited",
             [](Request&) {
               return Response::json(boost::json::object{{"ok", true}});
             },
             {.rate_limit = RateRule{"limited", 1.0, 2.0}});
  router.get("/private", [](Request& r) {
    return Response::json(boost::json::object{{"user", r.user->username}});
  });
  // An upload only a signed-in user (or staff) may send: the access rule is
  // checked on the header, before the body is read.
  router.post("/upload",
              [](Request& r) {
                return Response::json(boost::json::object{{"size", r.body.size()}});
              },
              {.body_limit = 8 << 20, .access = Access::user});
  router.post("/staff-upload",
              [](Request& r) {
                return Response::json(boost::json::object{{"size", r.body.size()}});
              },
              {.body_limit = 8 << 20, .access = Access::staff});
  // The same rule on a route handled on the network thread.
  router.post("/upload-inline",
              [](Request& r) {
                return Response::json(boost::json::object{{"size", r.body.size()}});
              },
              {.body_limit = 8 << 20, .blocking = false, .access = Access::user});
  // A large body limit and no access rule, for the buffered-body budget.
  router.post("/big",
              [](Request& r) {
                return Response::json(boost::json::object{{"size", r.body.size()}});
              },
              {.body_limit = 8 << 20});
  router.get("/client-ip",
             [](Request& r) {
               return Response::json(boost::json::object{{"ip", r.client_ip}});
             },
             {.authenticate = false});

  metrics::Registry registry;
  Server server(options, router, registry);
  static std::atomic<int> authentications{0};
  server.set_authenticator([](Request& r) {
    ++authentications;
    const auto auth = r.header("Authorization");
    if (auth == "Bearer letmein") r.user = ts::http::Principal{.id = 1, .username = "alice"};
    if (auth == "Bearer boss")
      r.user = ts::http::Principal{.id = 2, .username = "boss", .is_staff = true};
    if (r.route == "/private" && !r.user.has_value())
      throw HttpError(401, "Authentication credentials were not provided.")
          .with_header("WWW-Authenticate", "Bearer realm=\"api\"");
  });
  // The application's own refusals: 401 for anonymous, 403 for a user who
  // is not staff.
  server.set_access_check([](Request& r, Access access) -> std::optional<Response> {
    if (!r.user.has_value())
      throw HttpError(401, "Authentication credentials were not provided.")
          .with_header("WWW-Authenticate", "Bearer realm=\"api\"");
    if (access == Access::staff && !r.user->is_staff)
      throw HttpError(403, "You do not have permission to perform this action.");
    return std::nullopt;
  });
  router.get("/authentications",
             [](Request&) {
               return Response::json(boost::json::object{{"count", authentications.load()}});
             },
             {.blocking = false, .authenticate = false});
  server.set_readiness_check([ready] { return ready; });
  try {
    server.start();
  } catch (const std::exception& e) {
    log::error("cannot listen", {{"error", e.what()}, {"address", options.listen.to_string()}});
    return 1;
  }
  server.run();
  log::info("stopped");
  return 0;
}
