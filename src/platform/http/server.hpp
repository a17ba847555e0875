#pragma once
// HTTP/1.1 server on Boost.Beast with C++20 coroutines.
//
// One io_context and one listening socket (SO_REUSEPORT) per network thread,
// so the kernel spreads connections over every core without a shared
// acceptor. Handlers marked blocking (the default) run on a separate worker
// pool, so database calls and password hashing never stall the network
// threads. Per request, in this fixed order: metrics → request id →
// catch-all → CORS → security headers → rate limit → authentication →
// handler. See docs/architecture.md.
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
  std::chrono::milliseconds header_timeout{10'000};  // first byte to end of header
  std::chrono::milliseconds body_timeout{30'000};    // end of header to end of body
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds drain_timeout{20'000};  // SIGTERM: in-flight requests get this long
  std::size_t max_header_bytes = 16 * 1024;
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
// _IDLE_TIMEOUT_MS, _DRAIN_TIMEOUT_MS, _CORS_ORIGINS, _TRUST_PROXY_HOPS,
// _ACCESS_LOG, _PORT_FILE (documented in README).
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
  // Extra readiness condition for /readyz, e.g. "the database answers";
  // called on a worker thread.
  void set_readiness_check(std::function<bool()> fn);

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
