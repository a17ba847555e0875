#pragma once
// HTTP/1.1 server on Boost.Beast with C++20 coroutines.
//
// One io_context and one listening socket (SO_REUSEPORT) per network thread,
// so the kernel spreads connections over every core without a shared
// acceptor. Handlers marked blocking (the default) run on a separate worker
// pool, so database calls and password hashing never stall the network
// threads. Per request, in this fixed order: metrics → request id →
// catch-all → CORS → security headers → rate limit → authentication →
// access check → handler; except that for a route with an access rule
// (RouteOptions::access) and a request with a body, authentication and the
// access check run on the header, before the body is read (and before the
// rate limit). See docs/architecture.md.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/core/config.hpp"
#include "platform/http/router.hpp"

namespace ts::metrics {
class Registry;
}
namespace boost::asio {
class io_context;
}

namespace ts::http {

struct CorsOptions {
  // Origins allowed to read responses cross-origin; "*" allows any. Empty: no CORS headers.
  std::vector<std::string> allow_origins;
  std::string allow_methods = "DELETE, GET, OPTIONS, PATCH, POST, PUT";
  std::string allow_headers =
      "accept, accept-encoding, authorization, content-type, dnt, origin, user-agent, x-csrftoken, "
      "x-requested-with, idempotency-key, x-request-id";
  int max_age_seconds = 86400;
};

struct ServerOptions {
  Endpoint listen{"127.0.0.1", 8000};
  // /metrics, /healthz and /readyz on their own port; when unset, /metrics is
  // served on the main port too. /healthz and /readyz are always on both.
  std::optional<Endpoint> monitor;
  unsigned io_threads = 0;      // 0: one per core
  unsigned worker_threads = 0;  // blocking-handler pool; 0: 4 per core, at least 8
  // From the connection's start (first request) or the first byte of a later
  // request on a kept-alive connection, to the end of its header.
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};  // end of header to end of body
  // Between requests on a kept-alive connection: from the end of a response
  // to the first byte of the next request (then header_timeout applies).
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds drain_timeout{20'000};  // SIGTERM: in-flight requests get this long
  // Request line and all header lines together, however they arrive; 431 beyond.
  std::size_t max_header_bytes = std::size_t{16} * 1024;
  // Open connections on the main port (the monitor port is not counted, so
  // /metrics stays reachable); a connection beyond the cap is answered 503
  // and closed, the open ones keep working.
  unsigned max_connections = 4096;
  // Open connections from one peer address; 0: no per-address cap. Not
  // applied with trusted_proxy_hops > 0, where every peer is a proxy that
  // carries many clients (the proxies cap their clients themselves).
  unsigned max_connections_per_client = 256;
  // Request bodies being received and held across the whole process: a
  // request whose body would pass this (by its Content-Length, or the
  // route's body limit when chunked) is answered 503 and the connection
  // closed before any of the body is read.
  std::size_t max_buffered_body_bytes = std::size_t{256} << 20;
  // Requests a client may queue behind one another (HTTP pipelining) before
  // the server answers the last with Connection: close.
  unsigned pipeline_limit = 32;
  CorsOptions cors;
  // Added to every response unless the handler set the header itself.
  std::vector<std::pair<std::string, std::string>> security_headers = {
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "same-origin"},
  };
  // Number of reverse proxies in front (load balancer, web tier) whose
  // X-Forwarded-For entries are trusted to name the client address.
  unsigned trusted_proxy_hops = 0;
  bool access_log = true;
  // When set, "<port> <monitor port>\n" is written here once listening.
  std::string port_file;
};

// Reads the common server settings <PREFIX>_LISTEN, _MONITOR_LISTEN,
// _IO_THREADS, _WORKER_THREADS, _HEADER_TIMEOUT_MS, _BODY_TIMEOUT_MS,
// _IDLE_TIMEOUT_MS, _DRAIN_TIMEOUT_MS, _MAX_CONNECTIONS,
// _MAX_CONNECTIONS_PER_CLIENT, _MAX_BUFFERED_BODY_BYTES, _CORS_ORIGINS,
// _TRUST_PROXY_HOPS, _ACCESS_LOG, _PORT_FILE (documented in README).
ServerOptions server_options_from(Config& cfg, std::string_view default_listen);

class Server {
 public:
  Server(ServerOptions options, Router& router, metrics::Registry& registry);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Called (on a worker thread) before each handler of a route with
  // authenticate = true; may set req.user or throw HttpError (e.g. 401).
  void set_authenticator(std::function<void(Request&)> fn);
  // Enforces RouteOptions::access: called after the authenticator for every
  // request to a route whose access is not `anyone` (on a worker thread for
  // a blocking route) — for a request with a body, before the body is read.
  // Throws the application's HttpError (401, 403) or returns a response to
  // answer instead (e.g. a redirect to a login page) to refuse; nullopt lets
  // the request through. A refusal before the body closes the connection.
  using AccessCheck = std::function<std::optional<Response>(Request&, Access)>;
  void set_access_check(AccessCheck fn);
  // Extra readiness condition for /readyz, e.g. "the database answers";
  // called on a worker thread.
  void set_readiness_check(std::function<bool()> fn);

  // Runs the handlers of blocking routes marked RouteOptions::db_only on the
  // network thread: called there with that thread's io_context, the work
  // (which does not throw) and what to call, on that thread, once the work
  // is done. E.g. ts::db::fiber::start. Unset: such routes use the worker pool.
  using FiberRunner = std::function<void(boost::asio::io_context&, std::function<void()> work,
                                         std::function<void()> done)>;
  void set_fiber_runner(FiberRunner fn);

  // Maps exceptions other than HttpError to a response (e.g. a lost database
  // connection to 503); returning nullopt leaves them to the catch-all 500.
  void set_exception_mapper(std::function<std::optional<Response>(const std::exception&)> fn);

  // Binds the listeners; throws std::system_error (e.g. address in use).
  void start();
  // Serves until SIGTERM/SIGINT or stop(), then drains: /readyz turns 503,
  // listeners close, idle connections close, in-flight requests finish
  // (up to drain_timeout). Returns when everything has stopped.
  void run();
  // Begins the graceful drain; safe from any thread.
  void stop();

  std::uint16_t port() const;
  std::uint16_t monitor_port() const;
  bool draining() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ts::http
