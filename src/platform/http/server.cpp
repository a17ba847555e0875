#include "platform/http/server.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <array>
#include <atomic>
#include <cstdio>
#include <list>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "platform/core/log.hpp"
#include "platform/core/text.hpp"
#include "platform/http/error.hpp"
#include "platform/http/rate_limit.hpp"
#include "platform/http/wire.hpp"
#include "platform/metrics/metrics.hpp"

namespace ts::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

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
          auto ex = asio::get_associated_executor(handler);
          asio::post(ex,
                     [handler = std::move(handler), error, result = std::move(result)]() mutable {
                       std::move(handler)(error, std::move(result));
                     });
        });
      },
      asio::use_awaitable, std::move(fn));
}

std::string new_request_id() {
  // Request ids correlate log lines; they need to be unique, not secret.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  // 80 random bits as 20 hex characters.
  std::array<std::uint64_t, 2> bits{rng(), rng()};
  return core::hex_encode(std::string_view(reinterpret_cast<const char*>(bits.data()), 10));
}

Response json_error(int status, std::string_view detail) {
  return Response(status, detail_json(detail), "application/json");
}

// After refusing a request whose body is still on its way: how long, and how
// much of it, the server reads and discards before closing. Closing a socket
// with unread data sends a reset, which can destroy the refusal before the
// client has read it; reading on for a moment (into a fixed buffer, nothing
// kept) lets the client see the answer and stop sending.
constexpr auto kLingerTime = std::chrono::milliseconds(1000);
constexpr std::size_t kLingerBytes = std::size_t{1} << 20;
// A connection beyond a cap gets its 503 within this, or is dropped.
constexpr auto kRejectWriteTimeout = std::chrono::milliseconds(2000);

}  // namespace

struct Server::Impl {
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

  Impl(ServerOptions o, Router& r, metrics::Registry& reg)
      : opt(std::move(o)), router(r), registry(reg) {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    if (opt.io_threads == 0) opt.io_threads = cores;
    if (opt.worker_threads == 0) opt.worker_threads = std::max(8u, 4 * cores);
    for (std::size_t i = 0; i < kMethodCount; ++i)
      unmatched_stats[i] = registry.route("unmatched", method_name(static_cast<Method>(i)));
    registry.add_callback(
        "http_connections_open", "Open connections on the main port.", "gauge", [this] {
          return std::vector<metrics::Sample>{{"", static_cast<double>(open_sessions.load())}};
        });
    registry.add_callback(
        "http_connections_rejected_total",
        "Connections answered 503 and closed because a connection cap was reached.", "counter",
        [this] {
          return std::vector<metrics::Sample>{
              {"", static_cast<double>(rejected_connections.load())}};
        });
    registry.add_callback("http_request_body_bytes_buffered",
                          "Bytes reserved by request bodies being received or held.", "gauge",
                          [this] {
                            return std::vector<metrics::Sample>{
                                {"", static_cast<double>(buffered_body_bytes.load())}};
                          });
    registry.add_callback(
        "http_request_bodies_rejected_total",
        "Requests answered 503 because the buffered-body budget was spent.", "counter", [this] {
          return std::vector<metrics::Sample>{{"", static_cast<double>(rejected_bodies.load())}};
        });
    healthz_stats = registry.route("/healthz", "GET");
    readyz_stats = registry.route("/readyz", "GET");
    metrics_stats = registry.route("/metrics", "GET");
  }

  // ---- listening -------------------------------------------------------

  static std::unique_ptr<tcp::acceptor> make_acceptor(asio::io_context& ioc, const Endpoint& ep,
                                                      bool reuse_port) {
    auto acc = std::make_unique<tcp::acceptor>(ioc);
    const tcp::endpoint endpoint(asio::ip::make_address(ep.host), ep.port);
    acc->open(endpoint.protocol());
    acc->set_option(asio::socket_base::reuse_address(true));
    if (reuse_port)
      acc->set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true));
    acc->bind(endpoint);
    acc->listen(asio::socket_base::max_listen_connections);
    return acc;
  }

  void start() {
    // Routes may be added after construction (the service runner builds the
    // server first, then lets the app register); bind their metrics and
    // rate limiters now, when the route set is final.
    for (auto* route : router.routes()) {
      route->stats = registry.route(route->pattern, method_name(route->method));
      if (route->options.rate_limit) {
        const auto& rule = *route->options.rate_limit;
        auto& l = limiters[rule.name];
        if (!l) l = std::make_unique<RateLimiter>(rule.per_second, rule.burst);
      }
    }
    for (unsigned i = 0; i < opt.io_threads; ++i) contexts.push_back(std::make_unique<Context>());
    Endpoint ep = opt.listen;
    for (auto& c : contexts) {
      c->acceptor = make_acceptor(c->ioc, ep, true);
      // Port 0 asks the kernel for a free port; the other threads join it.
      if (ep.port == 0) ep.port = c->acceptor->local_endpoint().port();
    }
    bound_port = ep.port;
    if (opt.monitor) {
      monitor_acceptor = make_acceptor(contexts[0]->ioc, *opt.monitor, false);
      bound_monitor_port = monitor_acceptor->local_endpoint().port();
    }
    pool = std::make_unique<asio::thread_pool>(opt.worker_threads);
    if (!opt.port_file.empty()) {
      const std::string tmp = opt.port_file + ".tmp";
      if (FILE* f = std::fopen(tmp.c_str(), "w")) {
        std::fprintf(f, "%u %u\n", bound_port, bound_monitor_port);
        std::fclose(f);
        std::rename(tmp.c_str(), opt.port_file.c_str());
      }
    }
  }

  asio::awaitable<void> accept_loop(Context& ctx, tcp::acceptor& acceptor, bool monitor) {
    while (acceptor.is_open()) {
      auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
        // EMFILE and friends: back off briefly instead of spinning.
        log::warn("accept failed", {{"error", ec.message()}});
        asio::steady_timer t(ctx.ioc, std::chrono::milliseconds(50));
        co_await t.async_wait(kNoThrow);
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      std::string peer;
      if (auto ep = socket.remote_endpoint(ec); !ec) peer = ep.address().to_string();
      if (!monitor && !admit(peer)) {
        rejected_connections.fetch_add(1, std::memory_order_relaxed);
        asio::co_spawn(ctx.ioc, reject(std::move(socket)), asio::detached);
        continue;
      }
      asio::co_spawn(ctx.ioc, session(ctx, std::move(socket), std::move(peer), monitor),
                     asio::detached);
    }
  }

  // ---- connection caps -------------------------------------------------

  bool per_client_cap() const {
    return opt.max_connections_per_client > 0 && opt.trusted_proxy_hops == 0;
  }

  // Counts a new main-port connection in, or refuses it (caps reached).
  bool admit(const std::string& peer) {
    if (open_sessions.fetch_add(1) >= static_cast<int>(opt.max_connections)) {
      open_sessions.fetch_sub(1);
      return false;
    }
    if (per_client_cap()) {
      std::lock_guard lock(clients_mutex);
      auto& n = clients[peer];
      if (n >= opt.max_connections_per_client) {
        open_sessions.fetch_sub(1);
        return false;
      }
      ++n;
    }
    return true;
  }

  void release(const std::string& peer) {
    if (per_client_cap()) {
      std::lock_guard lock(clients_mutex);
      if (auto it = clients.find(peer); it != clients.end() && --it->second == 0) clients.erase(it);
    }
    open_sessions.fetch_sub(1);
  }

  // A connection beyond a cap: a fixed 503, then closed. The request is not
  // read; the open connections are not disturbed.
  asio::awaitable<void> reject(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    static constexpr std::string_view kBusy =
        "HTTP/1.1 503 Service Unavailable\r\nServer: tierstack\r\n"
        "Content-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\n"
        "Content-Length: 57\r\n\r\n"
        "{\"detail\":\"Too many connections; try again in a moment.\"}";
    stream.expires_after(kRejectWriteTimeout);
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(kBusy), kNoThrow);
    // cppcheck-suppress missingReturn ; a coroutine returning awaitable<void>
    if (!ec) co_await linger_close(stream);
    boost::system::error_code ignored;
    stream.socket().close(ignored);
  }

  // Ends our side of the connection, then reads and discards what the client
  // still sends for a bounded time (see kLingerTime) before the close.
  asio::awaitable<void> linger_close(beast::tcp_stream& stream) {
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    std::array<char, 4096> sink;
    std::size_t total = 0;
    stream.expires_after(kLingerTime);
    while (total < kLingerBytes) {
      auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), kNoThrow);
      if (ec) break;
      total += n;
    }
  }

  // ---- one connection --------------------------------------------------

  // Serialises the response into one buffer and writes it with one call:
  // cheaper than Beast's fields container, which allocates per header.
  asio::awaitable<void> write(beast::tcp_stream& stream, Response& res, unsigned version, bool head,
                              bool keep_alive, std::size_t& bytes) {
    // One memchr per character of the set (find_first_of calls memchr once
    // per character of the value instead).
    auto has_any = [](std::string_view s, std::string_view set) {
      for (char x : set)
        if (s.find(x) != std::string_view::npos) return true;
      return false;
    };
    std::size_t size = 128;
    for (const auto& f : res.headers) size += f.name.size() + f.value.size() + 4;
    std::string out;
    out.reserve(size);
    const auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(res.status));
    out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
    out.append(std::to_string(res.status))
        .append(" ")
        .append(reason.data(), reason.size())
        .append("\r\n");
    for (const auto& f : res.headers) {
      // Header values come from handlers; a CR or LF would split the response.
      if (has_any(f.value, "\r\n") || has_any(f.name, "\r\n: ")) continue;
      out.append(f.name).append(": ").append(f.value).append("\r\n");
    }
    out.append("Server: tierstack\r\n");
    const bool no_body =
        res.status == 204 || res.status == 304 || (res.status >= 100 && res.status < 200);
    if (!no_body)
      out.append("Content-Length: ").append(std::to_string(res.body.size())).append("\r\n");
    if (!keep_alive)
      out.append("Connection: close\r\n");
    else if (version == 10)
      out.append("Connection: keep-alive\r\n");
    out.append("\r\n");
    bytes = no_body ? 0 : res.body.size();
    std::array<asio::const_buffer, 2> buffers{
        asio::buffer(out), asio::buffer(res.body.data(), head || no_body ? 0 : res.body.size())};
    stream.expires_after(opt.write_timeout);
    auto [ec, n] = co_await asio::async_write(stream, buffers, kNoThrow);
    // cppcheck-suppress missingReturn ; a coroutine returning awaitable<void>
    if (ec) throw beast::system_error(ec);
  }

  // cppcheck-suppress passedByValue ; a coroutine must own its arguments (a reference would dangle)
  asio::awaitable<void> session(Context& ctx, tcp::socket socket, std::string peer, bool monitor) {
    beast::tcp_stream stream(std::move(socket));
    auto self = ctx.sessions.insert(ctx.sessions.end(), SessionRef{&stream, true});
    beast::flat_buffer buffer(opt.max_header_bytes + 64 * 1024);
    // Reads take as much as has arrived (Beast's default read size is small),
    // so requests a client pipelined are all seen as queued.
    buffer.reserve(16 * 1024);
    unsigned pipelined = 0;
    bool first = true;
    try {
      while (!stopped.load()) {
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(opt.max_header_bytes));
        // The route decides the body limit once the header is in.
        parser.body_limit(boost::none);
        pipelined = buffer.size() > 0 ? pipelined + 1 : 0;
        self->idle = buffer.size() == 0;
        if (self->idle && draining.load() && !monitor) break;
        if (self->idle && !first) {
          // Between requests: the idle deadline runs until the next
          // request's first byte, and only until then.
          stream.expires_after(opt.idle_timeout);
          auto [ec, n] = co_await stream.async_read_some(buffer.prepare(16 * 1024), kNoThrow);
          if (ec) break;  // closed, reset, idle deadline or drain: nothing to answer
          buffer.commit(n);
        }
        self->idle = false;
        // The header deadline, for every request on the connection: from the
        // connection's start (first request) or the first byte of this one.
        stream.expires_after(opt.header_timeout);
        first = false;
        auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kNoThrow);
        if (ec) {
          if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
              ec == asio::error::connection_reset || ec == asio::error::eof)
            break;
          // A stalled header (slow client) or an idle keep-alive connection:
          // the stream has closed the socket on the deadline; nothing to answer.
          if (ec == beast::error::timeout) break;
          if (ec == bhttp::error::header_limit)
            co_await write_error(stream, 431, "Request header fields too large.");
          else
            co_await write_error(stream, 400, "Malformed request: " + ec.message() + ".");
          co_await linger_close(stream);
          break;
        }
        if (auto bad = wire::check_framing(parser.get())) {
          // The body's framing is unknown, so the connection cannot go on.
          co_await write_error(stream, bad->status, bad->detail);
          co_await linger_close(stream);
          break;
        }
        const auto start = Clock::now();
        if (!co_await handle_one(stream, buffer, parser, peer, monitor, start, pipelined)) break;
      }
    } catch (const std::exception& e) {
      // Write failures and timeouts end the connection; nothing to answer.
      log::debug("connection closed", {{"reason", e.what()}});
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.socket().close(ignored);
    ctx.sessions.erase(self);
    // cppcheck-suppress missingReturn ; a coroutine returning awaitable<void>
    if (!monitor) release(peer);
  }

  asio::awaitable<void> write_error(beast::tcp_stream& stream, int status,
                                    std::string_view detail) {
    Response res = json_error(status, detail);
    std::size_t bytes = 0;
    try {
      co_await write(stream, res, 11, false, false, bytes);
    } catch (...) {
    }
    unmatched_stats[static_cast<std::size_t>(Method::other)]->observe(status, 0);
  }

  // Answers one request; returns whether the connection stays open.
  asio::awaitable<bool> handle_one(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                   bhttp::request_parser<bhttp::string_body>& parser,
                                   const std::string& peer, bool monitor, Clock::time_point start,
                                   unsigned pipelined) {
    auto& header = parser.get();
    Request req;
    wire::set_request_line(req, header);

    // Routing happens before the body is read: the route decides the body
    // limit and whether the client must be authenticated first.
    Router::Match match;
    const bool builtin = is_builtin(req.path, monitor);
    if (!builtin && !monitor) {
      if (req.path.empty() || req.path.front() != '/')
        match.kind = Router::Match::bad_path;
      else
        match = router.match(req.method, req.path, req.query);
    }
    const Route* route = match.kind == Router::Match::found ? match.route : nullptr;
    std::size_t body_limit = 1 << 20;
    if (route) {
      body_limit = route->options.body_limit;
      req.params = match.params;
      req.route = route->pattern;
    }

    auto& counter = registry.in_flight();
    counter.fetch_add(1, std::memory_order_relaxed);
    struct Guard {
      std::atomic<std::int64_t>& c;
      ~Guard() { c.fetch_sub(1, std::memory_order_relaxed); }
    } guard{counter};

    // Everything but the body is known from the header: the request id, the
    // client address and the header fields are set before the body is read.
    wire::set_fields(req, header);
    req.client_ip = wire::client_address(peer, req.headers, opt.trusted_proxy_hops);
    if (auto id = req.headers.get("X-Request-Id"); id && wire::valid_request_id(*id))
      req.request_id = *id;
    else
      req.request_id = new_request_id();

    // The bytes this request holds of the buffered-body budget, given back
    // when the request is done (its body lives until then).
    struct Reservation {
      std::atomic<std::size_t>& total;
      std::size_t bytes = 0;
      void release() { total.fetch_sub(std::exchange(bytes, 0)); }
      ~Reservation() { release(); }
    } reservation{buffered_body_bytes};

    bool keep_alive = header.keep_alive();
    bool checked = false;  // authenticator and access check already ran
    if (!parser.is_done()) {
      if (parser.content_length() && *parser.content_length() > body_limit) {
        co_await finish(stream, req,
                        json_error(413, "Request body too large (limit " +
                                            std::to_string(body_limit) + " bytes)."),
                        match, start, false);
        co_return false;
      }
      // Who may send a body is decided on the header: a refusal is answered
      // now and the body never read.
      if (route && route->options.access != Access::anyone) {
        std::optional<Response> refused;
        std::exception_ptr error;
        try {
          if (runs_blocking(*route, req))
            refused = co_await offload(*pool, [this, &req, route] { return check(req, *route); });
          else
            refused = check(req, *route);
        } catch (...) {
          error = std::current_exception();
        }
        if (error) refused = response_for(error, req, match);
        if (refused) {
          decorate(req, *refused, match, builtin);
          co_await finish(stream, req, std::move(*refused), match, start, false);
          co_await linger_close(stream);
          co_return false;
        }
        checked = true;
      }
      const std::size_t wanted =
          parser.content_length() ? static_cast<std::size_t>(*parser.content_length()) : body_limit;
      if (buffered_body_bytes.fetch_add(wanted) + wanted > opt.max_buffered_body_bytes) {
        buffered_body_bytes.fetch_sub(wanted);
        rejected_bodies.fetch_add(1, std::memory_order_relaxed);
        Response busy = json_error(503, "The server is busy receiving other requests; try again.");
        busy.headers.set("Retry-After", "1");
        decorate(req, busy, match, builtin);
        co_await finish(stream, req, std::move(busy), match, start, false);
        co_await linger_close(stream);
        co_return false;
      }
      reservation.bytes = wanted;
      parser.body_limit(body_limit);
      if (auto expect = header[bhttp::field::expect]; iequals(expect, "100-continue")) {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, header.version()};
        stream.expires_after(opt.write_timeout);
        auto [wec, wn] = co_await bhttp::async_write(stream, cont, kNoThrow);
        if (wec) throw beast::system_error(wec);
      }
      stream.expires_after(opt.body_timeout);
      auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, kNoThrow);
      if (ec) {
        if (ec == bhttp::error::body_limit) {
          co_await finish(stream, req,
                          json_error(413, "Request body too large (limit " +
                                              std::to_string(body_limit) + " bytes)."),
                          match, start, false);
        } else if (ec == beast::error::timeout) {
          // The deadline closed the socket: record it, nothing can be sent.
          unmatched_stats[static_cast<std::size_t>(Method::other)]->observe(408, 0);
        } else if (ec != bhttp::error::end_of_stream && ec != asio::error::connection_reset &&
                   ec != asio::error::eof) {
          co_await finish(stream, req,
                          json_error(400, "Malformed request body: " + ec.message() + "."), match,
                          start, false);
        }
        co_return false;
      }
    }
    // Only the body: header fields were taken from the header (fields in a
    // chunked body's trailer are not merged into them).
    req.body = std::move(parser.get().body());

    Response res;
    // -- catch-all: anything unexpected is a logged 500 with the request id.
    std::exception_ptr error;
    try {
      if (builtin)
        res = co_await serve_builtin(req);
      else
        res = co_await dispatch(req, match, checked);
    } catch (...) {
      error = std::current_exception();
    }
    if (error) res = response_for(error, req, match);
    decorate(req, res, match, builtin);
    // The body is done with: freed and given back before the write (which a
    // slow reader may stretch), and before the client can see the answer.
    std::string().swap(req.body);
    reservation.release();

    if (draining.load() || res.close || pipelined >= opt.pipeline_limit) keep_alive = false;
    co_await finish(stream, req, std::move(res), match, start, keep_alive);
    co_return keep_alive;
  }

  // The answer for an exception from a handler, the authenticator or the
  // access check: an HttpError's own response, a mapped one, or a 500.
  Response response_for(std::exception_ptr error, const Request& req, const Router::Match& match) {
    try {
      std::rethrow_exception(error);
    } catch (const HttpError& e) {
      return e.to_response();
    } catch (const std::exception& e) {
      if (auto mapped = exception_mapper ? exception_mapper(e) : std::nullopt) {
        // A known, temporary condition (e.g. the database is away).
        log::warn(
            "request failed",
            {{"request_id", req.request_id}, {"status", mapped->status}, {"error", e.what()}});
        return std::move(*mapped);
      }
      log::error("unhandled exception",
                 {{"request_id", req.request_id},
                  {"route", match.route ? match.route->pattern : "unmatched"},
                  {"method", req.method_text},
                  {"error", e.what()}});
    } catch (...) {
      log::error("unhandled exception",
                 {{"request_id", req.request_id},
                  {"route", match.route ? match.route->pattern : "unmatched"},
                  {"method", req.method_text}});
    }
    return Response::json(
        boost::json::object{{"detail", "Internal server error."}, {"request_id", req.request_id}},
        500);
  }

  // CORS, security headers and the request id, on every answer.
  void decorate(const Request& req, Response& res, const Router::Match& match, bool builtin) {
    if (!builtin) {
      apply_cors(req, res, match);
      for (const auto& [k, v] : opt.security_headers)
        if (!res.headers.contains(k)) res.headers.set(k, v);
    }
    res.headers.set("X-Request-Id", req.request_id);
  }

  bool runs_blocking(const Route& route, const Request& req) const {
    return route.options.blocking && !(route.options.inline_when && route.options.inline_when(req));
  }

  // Authentication, then the route's access rule; a response when refused.
  std::optional<Response> check(Request& req, const Route& route) {
    if (route.options.authenticate && authenticator) authenticator(req);
    if (route.options.access != Access::anyone && access_check)
      return access_check(req, route.options.access);
    return std::nullopt;
  }

  asio::awaitable<void> finish(beast::tcp_stream& stream, Request& req, Response res,
                               const Router::Match& match, Clock::time_point start,
                               bool keep_alive) {
    const int status = res.status;
    // Counted before the write: a client that has read the response and then
    // scrapes /metrics (on any thread) must find its request already counted.
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    metrics::RouteStats* stats = nullptr;
    if (match.kind == Router::Match::found)
      stats = match.route->stats;
    else if (req.path == "/healthz")
      stats = healthz_stats;
    else if (req.path == "/readyz")
      stats = readyz_stats;
    else if (req.path == "/metrics")
      stats = metrics_stats;
    else
      stats = unmatched_stats[static_cast<std::size_t>(req.method)];
    if (stats) stats->observe(status, seconds);
    std::size_t bytes = 0;
    std::exception_ptr write_error;
    try {
      co_await write(stream, res, req.version, req.method == Method::head, keep_alive, bytes);
    } catch (...) {
      write_error = std::current_exception();
    }
    if (opt.access_log)
      log::access(req.request_id, req.method_text,
                  stats ? std::string_view(stats->route()) : "unmatched", status, seconds * 1000.0,
                  bytes, req.client_ip);
    // cppcheck-suppress missingReturn ; a coroutine returning awaitable<void>
    if (write_error) std::rethrow_exception(write_error);
  }

  // ---- the middleware chain -------------------------------------------

  bool is_builtin(std::string_view path, bool monitor) const {
    if (path == "/healthz" || path == "/readyz") return true;
    if (path == "/metrics") return monitor || !opt.monitor;
    return monitor;  // the monitor port serves nothing else
  }

  asio::awaitable<Response> serve_builtin(Request& req) {
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
      std::string text = registry.render();
      co_return Response(200, std::move(text), "text/plain; version=0.0.4; charset=utf-8");
    }
    co_return json_error(404, "Not found.");
  }

  asio::awaitable<Response> dispatch(Request& req, const Router::Match& match, bool checked) {
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

    // -- authentication and access (unless done before the body), then the handler
    auto run = [this, &req, &route, checked]() -> Response {
      if (!checked)
        if (auto refused = check(req, route)) return std::move(*refused);
      return route.handler(req);
    };
    if (runs_blocking(route, req)) {
      if (!(route.options.db_only && fiber_runner)) co_return co_await offload(*pool, run);
      // In a fiber on this thread (PostgreSQL); a handler that finds it has
      // other blocking work (require_worker) runs again on the pool, below.
      std::optional<Response> res;
      try {
        res = co_await in_fiber(run);
      } catch (const RunOnWorkers&) {
        res.reset();
      }
      if (!res) res = co_await offload(*pool, [&req, &route] { return route.handler(req); });
      co_return std::move(*res);
    }
    if (!checked)
      if (auto refused = check(req, route)) co_return std::move(*refused);
    std::optional<Response> res;
    try {
      res = route.handler(req);
    } catch (const RunOnWorkers&) {
      res.reset();
    }
    // The handler found blocking work (after authentication): again, on the pool.
    if (!res) res = co_await offload(*pool, [&req, &route] { return route.handler(req); });
    co_return std::move(*res);
  }

  // Runs fn through the fiber runner on this network thread and resumes the
  // calling coroutine with the result (or the exception fn threw).
  template <class F>
  asio::awaitable<Response> in_fiber(F fn) {
    auto& ioc = static_cast<asio::io_context&>(
        asio::query(co_await asio::this_coro::executor, asio::execution::context));
    co_return co_await asio::async_initiate<decltype(asio::use_awaitable),
                                            void(std::exception_ptr, Response)>(
        [this, &ioc](auto handler, F work) {
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

  bool origin_allowed(std::string_view origin) const {
    for (const auto& o : opt.cors.allow_origins)
      if (o == "*" || o == origin) return true;
    return false;
  }

  void apply_cors(const Request& req, Response& res, const Router::Match&) const {
    if (opt.cors.allow_origins.empty()) return;
    auto origin = req.headers.get("Origin");
    if (!origin || !origin_allowed(*origin)) return;
    const bool wildcard = opt.cors.allow_origins.size() == 1 && opt.cors.allow_origins[0] == "*";
    res.headers.set("Access-Control-Allow-Origin", wildcard ? std::string_view("*") : *origin);
    if (!wildcard) res.headers.add("Vary", "Origin");
  }

  // ---- lifecycle -------------------------------------------------------

  void begin_drain() {
    if (draining.exchange(true)) return;
    log::info("draining",
              {{"in_flight", registry.in_flight().load()}, {"connections", open_sessions.load()}});
    for (auto& c : contexts) {
      asio::post(c->ioc, [ctx = c.get()] {
        boost::system::error_code ec;
        if (ctx->acceptor) ctx->acceptor->close(ec);
        // Idle keep-alive connections would otherwise wait for idle_timeout.
        for (auto& s : ctx->sessions)
          if (s.idle) s.stream->socket().close(ec);
      });
    }
    asio::co_spawn(contexts[0]->ioc, wait_drained(), asio::detached);
  }

  asio::awaitable<void> wait_drained() {
    const auto deadline = Clock::now() + opt.drain_timeout;
    asio::steady_timer timer(contexts[0]->ioc);
    while (open_sessions.load() > 0 && Clock::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(10));
      co_await timer.async_wait(kNoThrow);
    }
    if (open_sessions.load() > 0)
      log::warn("drain deadline passed; closing remaining connections",
                {{"connections", open_sessions.load()}});
    else
      log::info("drained");
    shutdown_now();
  }

  void shutdown_now() {
    stopped = true;
    for (auto& c : contexts) {
      asio::post(c->ioc, [ctx = c.get()] {
        boost::system::error_code ec;
        for (auto& s : ctx->sessions) s.stream->socket().close(ec);
      });
    }
    if (monitor_acceptor) {
      asio::post(contexts[0]->ioc, [this] {
        boost::system::error_code ec;
        monitor_acceptor->close(ec);
      });
    }
    if (signals) {
      asio::post(contexts[0]->ioc, [this] {
        boost::system::error_code ec;
        signals->cancel(ec);
      });
    }
    // Let the closes above run, then stop every loop.
    asio::post(contexts[0]->ioc, [this] {
      for (auto& c : contexts) c->ioc.stop();
    });
  }

  void run() {
    signals = std::make_unique<asio::signal_set>(contexts[0]->ioc, SIGTERM, SIGINT);
    wait_signal();
    for (auto& c : contexts)
      asio::co_spawn(c->ioc, accept_loop(*c, *c->acceptor, false), asio::detached);
    if (monitor_acceptor)
      asio::co_spawn(contexts[0]->ioc, accept_loop(*contexts[0], *monitor_acceptor, true),
                     asio::detached);
    log::info("listening", {{"address", opt.listen.host},
                            {"port", bound_port},
                            {"monitor_port", bound_monitor_port},
                            {"io_threads", opt.io_threads},
                            {"worker_threads", opt.worker_threads}});
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < contexts.size(); ++i)
      threads.emplace_back([c = contexts[i].get()] {
        detail::mark_network_thread(true);
        c->ioc.run();
      });
    detail::mark_network_thread(true);
    contexts[0]->ioc.run();
    detail::mark_network_thread(false);
    for (auto& t : threads) t.join();
    pool->join();
  }

  void wait_signal() {
    signals->async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      if (draining.load()) {
        log::warn("second signal; stopping now", {{"signal", sig}});
        shutdown_now();
        return;
      }
      log::info("signal received", {{"signal", sig}});
      begin_drain();
      wait_signal();
    });
  }
};

Server::Server(ServerOptions options, Router& router, metrics::Registry& registry)
    : impl_(std::make_unique<Impl>(std::move(options), router, registry)) {}
Server::~Server() = default;

void Server::set_authenticator(std::function<void(Request&)> fn) {
  impl_->authenticator = std::move(fn);
}
void Server::set_access_check(AccessCheck fn) {
  impl_->access_check = std::move(fn);
}
void Server::set_exception_mapper(
    std::function<std::optional<Response>(const std::exception&)> fn) {
  impl_->exception_mapper = std::move(fn);
}
void Server::set_fiber_runner(FiberRunner fn) {
  impl_->fiber_runner = std::move(fn);
}
void Server::set_readiness_check(std::function<bool()> fn) {
  impl_->readiness = std::move(fn);
}
void Server::start() {
  impl_->start();
}
void Server::run() {
  impl_->run();
}
void Server::stop() {
  asio::post(impl_->contexts[0]->ioc, [this] { impl_->begin_drain(); });
}
std::uint16_t Server::port() const {
  return impl_->bound_port;
}
std::uint16_t Server::monitor_port() const {
  return impl_->bound_monitor_port;
}
bool Server::draining() const {
  return impl_->draining.load();
}

ServerOptions server_options_from(Config& cfg, std::string_view default_listen) {
  using std::chrono::milliseconds;
  ServerOptions o;
  o.listen = cfg.listen("LISTEN", default_listen);
  o.monitor = cfg.optional_listen("MONITOR_LISTEN");
  o.io_threads = static_cast<unsigned>(cfg.integer("IO_THREADS", 0, 0, 256));
  o.worker_threads = static_cast<unsigned>(cfg.integer("WORKER_THREADS", 0, 0, 1024));
  o.header_timeout =
      cfg.millis("HEADER_TIMEOUT_MS", o.header_timeout, milliseconds(100), milliseconds(600'000));
  o.body_timeout =
      cfg.millis("BODY_TIMEOUT_MS", o.body_timeout, milliseconds(100), milliseconds(3'600'000));
  o.idle_timeout =
      cfg.millis("IDLE_TIMEOUT_MS", o.idle_timeout, milliseconds(100), milliseconds(3'600'000));
  o.drain_timeout =
      cfg.millis("DRAIN_TIMEOUT_MS", o.drain_timeout, milliseconds(0), milliseconds(600'000));
  o.max_connections =
      static_cast<unsigned>(cfg.integer("MAX_CONNECTIONS", o.max_connections, 1, 1'000'000));
  o.max_connections_per_client = static_cast<unsigned>(
      cfg.integer("MAX_CONNECTIONS_PER_CLIENT", o.max_connections_per_client, 0, 1'000'000));
  o.max_buffered_body_bytes = static_cast<std::size_t>(
      cfg.integer("MAX_BUFFERED_BODY_BYTES", static_cast<std::int64_t>(o.max_buffered_body_bytes),
                  1024, std::int64_t{1} << 40));
  o.cors.allow_origins = cfg.list("CORS_ORIGINS", "");
  o.trusted_proxy_hops = static_cast<unsigned>(cfg.integer("TRUST_PROXY_HOPS", 0, 0, 8));
  o.access_log = cfg.boolean("ACCESS_LOG", true);
  o.port_file = cfg.str("PORT_FILE", "");
  return o;
}

}  // namespace ts::http
