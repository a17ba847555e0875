#pragma once
// Private to the server: Server::Impl and the helpers its parts share. The
// implementation is split by concern:
//   server.cpp             settings, listening, lifecycle (drain, signals, run)
//   server_connections.cpp accepting, connection caps, refusing, lingering close
//   server_session.cpp     one connection: header, routing, body, one answer
//   server_response.cpp    writing an answer, its metrics and access log line
//   server_dispatch.cpp    the middleware chain: built-ins, CORS, rate limit, access
// (scripts/tidy turns two clang-analyzer path checks off for these files: the
// analyzer does not model coroutine frames and reports Boost.Asio's internals.)
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <atomic>
#include <list>
#include <map>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "platform/http/error.hpp"
#include "platform/http/rate_limit.hpp"
#include "platform/http/server.hpp"
#include "platform/metrics/metrics.hpp"

namespace ts::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace server_detail {

inline constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// Runs fn on the worker pool and resumes the calling coroutine on its own
// executor with the result (or the exception fn threw).
template <class F>
asio::awaitable<std::invoke_result_t<F&>> offload(asio::thread_pool& pool, F fn) {
  using R = std::invoke_result_t<F&>;
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable),
                                          void(std::exception_ptr, R)>(
      [&pool](auto handler, F work) {
        asio::post(pool, [handler = std::move(handler), work = std::move(work)]() mutable {
          std::exception_ptr error;
          R result{};
          try {
            result = work();
          } catch (...) {
            error = std::current_exception();
          }
          // The exception moves on with the result: its last reference is
          // dropped on the coroutine's thread, which reads it, and not here
          // while that thread may still be reading it (the reference count
          // lives in libstdc++, which ThreadSanitizer does not see).
          auto ex = asio::get_associated_executor(handler);
          asio::post(ex, [handler = std::move(handler), error = std::move(error),
                          result = std::move(result)]() mutable {
            std::move(handler)(std::move(error), std::move(result));
          });
        });
      },
      asio::use_awaitable, std::move(fn));
}

inline Response json_error(int status, std::string_view detail) {
  return Response(status, detail_json(detail), "application/json");
}

// The bytes a request holds of the buffered-body budget, given back when
// the request is done (its body lives until then).
struct BodyReservation {
  std::atomic<std::size_t>& total;
  std::size_t bytes = 0;
  explicit BodyReservation(std::atomic<std::size_t>& t) : total(t) {}
  BodyReservation(const BodyReservation&) = delete;
  BodyReservation& operator=(const BodyReservation&) = delete;
  void release() { total.fetch_sub(std::exchange(bytes, 0)); }
  ~BodyReservation() { release(); }
};

}  // namespace server_detail

struct Server::Impl {
  using Parser = bhttp::request_parser<bhttp::string_body>;

  // A connection's state as the drain logic sees it; touched only on the
  // connection's own io_context thread.
  struct SessionRef {
    beast::tcp_stream* stream;
    bool idle;
  };
  struct Context {
    asio::io_context ioc{1};
    std::unique_ptr<tcp::acceptor> acceptor;
    std::list<SessionRef> sessions;
  };

  ServerOptions opt;
  Router& router;
  metrics::Registry& registry;
  std::function<void(Request&)> authenticator;
  AccessCheck access_check;
  std::function<bool()> readiness;
  std::function<std::optional<Response>(const std::exception&)> exception_mapper;
  FiberRunner fiber_runner;
  std::vector<std::unique_ptr<Context>> contexts;
  std::unique_ptr<asio::thread_pool> pool;
  std::unique_ptr<tcp::acceptor> monitor_acceptor;
  std::uint16_t bound_port = 0;
  std::uint16_t bound_monitor_port = 0;
  std::atomic<bool> draining{false};
  std::atomic<bool> stopped{false};
  std::atomic<int> open_sessions{0};
  // Open main-port connections per peer address (for the per-client cap).
  std::mutex clients_mutex;
  std::unordered_map<std::string, unsigned> clients;
  std::atomic<std::uint64_t> rejected_connections{0};
  // Bytes reserved by requests whose bodies are being received or held.
  std::atomic<std::size_t> buffered_body_bytes{0};
  std::atomic<std::uint64_t> rejected_bodies{0};
  std::map<std::string, std::unique_ptr<RateLimiter>> limiters;
  std::array<metrics::RouteStats*, kMethodCount> unmatched_stats{};
  metrics::RouteStats* healthz_stats = nullptr;
  metrics::RouteStats* readyz_stats = nullptr;
  metrics::RouteStats* metrics_stats = nullptr;
  std::unique_ptr<asio::signal_set> signals;

  Impl(ServerOptions o, Router& r, metrics::Registry& reg);

  // ---- listening and lifecycle (server.cpp) ------------------------------
  void start();
  void begin_drain();
  asio::awaitable<void> wait_drained();
  void shutdown_now();
  void run();
  void wait_signal();

  // ---- accepting and connection caps (server_connections.cpp) -------------
  asio::awaitable<void> accept_loop(Context& ctx, tcp::acceptor& acceptor, bool monitor);
  bool per_client_cap() const;
  bool admit(const std::string& peer);
  void release(const std::string& peer);
  asio::awaitable<void> reject(tcp::socket socket);
  asio::awaitable<void> linger_close(beast::tcp_stream& stream);

  // ---- one connection (server_session.cpp) ---------------------------------
  asio::awaitable<void> session(Context& ctx, tcp::socket socket, std::string peer, bool monitor);
  asio::awaitable<bool> handle_one(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                   Parser& parser, const std::string& peer, bool monitor,
                                   Clock::time_point start, unsigned pipelined);
  Router::Match route_request(const Request& req, bool builtin, bool monitor);
  void identify(Request& req, const Parser& parser, const std::string& peer) const;
  asio::awaitable<bool> receive_body(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                     Parser& parser, Request& req, const Router::Match& match,
                                     bool builtin, Clock::time_point start,
                                     server_detail::BodyReservation& reservation, bool& checked);
  asio::awaitable<std::optional<Response>> check_before_body(Request& req,
                                                             const Router::Match& match,
                                                             bool builtin);
  std::optional<Response> reserve_body(Request& req, const Router::Match& match, bool builtin,
                                       std::size_t wanted,
                                       server_detail::BodyReservation& reservation);
  asio::awaitable<bool> read_body(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                  Parser& parser, Request& req, const Router::Match& match,
                                  std::size_t body_limit, Clock::time_point start);
  asio::awaitable<Response> respond(Request& req, const Router::Match& match, bool builtin,
                                    bool checked);

  // ---- writing an answer (server_response.cpp) -----------------------------
  asio::awaitable<void> write(beast::tcp_stream& stream, Response& res, unsigned version, bool head,
                              bool keep_alive, std::size_t& bytes);
  asio::awaitable<void> write_error(beast::tcp_stream& stream, int status, std::string_view detail);
  asio::awaitable<void> finish(beast::tcp_stream& stream, Request& req, Response res,
                               const Router::Match& match, Clock::time_point start,
                               bool keep_alive);
  metrics::RouteStats* stats_for(const Request& req, const Router::Match& match);
  Response response_for(const std::exception_ptr& error, const Request& req,
                        const Router::Match& match);
  void decorate(const Request& req, Response& res, const Router::Match& match, bool builtin);

  // ---- the middleware chain (server_dispatch.cpp) --------------------------
  bool runs_blocking(const Route& route, const Request& req) const;
  std::optional<Response> check(Request& req, const Route& route);
  bool is_builtin(std::string_view path, bool monitor) const;
  asio::awaitable<Response> serve_builtin(Request& req);
  asio::awaitable<Response> dispatch(Request& req, const Router::Match& match, bool checked);
  // Authentication and access (unless done before the body), then the handler:
  // on the worker pool, in a fiber (db_only routes with a fiber runner), or
  // inline; a handler that calls require_worker() runs again on the pool.
  asio::awaitable<Response> execute(Request& req, const Route& route, bool checked);
  asio::awaitable<Response> in_fiber(std::function<Response()> fn);
  std::optional<Response> answer_without_handler(const Request& req,
                                                 const Router::Match& match) const;
  std::optional<Response> throttle(const Request& req, const Route& route);
  bool origin_allowed(std::string_view origin) const;
  void apply_cors(const Request& req, Response& res, const Router::Match&) const;
};

}  // namespace ts::http
