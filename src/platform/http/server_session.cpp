// One connection: its requests read one after another (header, routing,
// body), each answered before the next is read.
#include <random>

#include "platform/core/log.hpp"
#include "platform/core/text.hpp"
#include "platform/http/server_impl.hpp"
#include "platform/http/wire.hpp"

namespace ts::http {

using server_detail::json_error;
using server_detail::kNoThrow;
using server_detail::offload;

namespace {

std::string new_request_id() {
  // Request ids correlate log lines; they need to be unique, not secret.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  // 80 random bits as 20 hex characters.
  std::array<std::uint64_t, 2> bits{rng(), rng()};
  return core::hex_encode(std::string_view(reinterpret_cast<const char*>(bits.data()), 10));
}

}  // namespace

// cppcheck-suppress passedByValue ; a coroutine must own its arguments (a reference would dangle)
asio::awaitable<void> Server::Impl::session(Context& ctx, tcp::socket socket, std::string peer,
                                            bool monitor) {
  beast::tcp_stream stream(std::move(socket));
  auto self = ctx.sessions.insert(ctx.sessions.end(), SessionRef{&stream, true});
  beast::flat_buffer buffer(opt.max_header_bytes + std::size_t{64} * 1024);
  // Reads take as much as has arrived (Beast's default read size is small),
  // so requests a client pipelined are all seen as queued.
  buffer.reserve(std::size_t{16} * 1024);
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
        auto [ec, n] =
            co_await stream.async_read_some(buffer.prepare(std::size_t{16} * 1024), kNoThrow);
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

// Answers one request; returns whether the connection stays open.
asio::awaitable<bool> Server::Impl::handle_one(beast::tcp_stream& stream,
                                               beast::flat_buffer& buffer, Parser& parser,
                                               const std::string& peer, bool monitor,
                                               Clock::time_point start, unsigned pipelined) {
  auto& header = parser.get();
  Request req;
  wire::set_request_line(req, header);

  // Routing happens before the body is read: the route decides the body
  // limit and whether the client must be authenticated first.
  const bool builtin = is_builtin(req.path, monitor);
  const Router::Match match = route_request(req, builtin, monitor);
  if (match.kind == Router::Match::found) {
    req.params = match.params;
    req.route = match.route->pattern;
  }

  auto& counter = registry.in_flight();
  counter.fetch_add(1, std::memory_order_relaxed);
  struct Guard {
    std::atomic<std::int64_t>& c;
    ~Guard() { c.fetch_sub(1, std::memory_order_relaxed); }
  } guard{counter};

  identify(req, parser, peer);

  server_detail::BodyReservation reservation{buffered_body_bytes};
  bool keep_alive = header.keep_alive();
  bool checked = false;  // authenticator and access check already ran
  if (!parser.is_done() && !co_await receive_body(stream, buffer, parser, req, match, builtin,
                                                  start, reservation, checked))
    co_return false;
  // Only the body: header fields were taken from the header (fields in a
  // chunked body's trailer are not merged into them).
  req.body = std::move(parser.get().body());

  Response res = co_await respond(req, match, builtin, checked);
  // The body is done with: freed and given back before the write (which a
  // slow reader may stretch), and before the client can see the answer.
  std::string().swap(req.body);
  reservation.release();

  if (draining.load() || res.close || pipelined >= opt.pipeline_limit) keep_alive = false;
  co_await finish(stream, req, std::move(res), match, start, keep_alive);
  co_return keep_alive;
}

// The route for a request that is not for a built-in endpoint (the monitor
// port serves only those).
Router::Match Server::Impl::route_request(const Request& req, bool builtin, bool monitor) {
  Router::Match match;
  if (!builtin && !monitor) {
    if (req.path.empty() || req.path.front() != '/')
      match.kind = Router::Match::bad_path;
    else
      match = router.match(req.method, req.path, req.query);
  }
  return match;
}

// Everything but the body is known from the header: the request id, the
// client address and the header fields are set before the body is read.
void Server::Impl::identify(Request& req, const Parser& parser, const std::string& peer) const {
  wire::set_fields(req, parser.get());
  req.client_ip = wire::client_address(peer, req.headers, opt.trusted_proxy_hops);
  if (auto id = req.headers.get("X-Request-Id"); id && wire::valid_request_id(*id))
    req.request_id = *id;
  else
    req.request_id = new_request_id();
}

// Decides on the header whether the body may come (size, access, the
// buffered-body budget), then reads it. Returns false when the request was
// answered (or the connection lost) instead: the connection then closes.
asio::awaitable<bool> Server::Impl::receive_body(beast::tcp_stream& stream,
                                                 beast::flat_buffer& buffer, Parser& parser,
                                                 Request& req, const Router::Match& match,
                                                 bool builtin, Clock::time_point start,
                                                 server_detail::BodyReservation& reservation,
                                                 bool& checked) {
  const Route* route = match.kind == Router::Match::found ? match.route : nullptr;
  const std::size_t body_limit = route ? route->options.body_limit : std::size_t{1} << 20;
  if (parser.content_length() && *parser.content_length() > body_limit) {
    co_await finish(
        stream, req,
        json_error(413, "Request body too large (limit " + std::to_string(body_limit) + " bytes)."),
        match, start, false);
    co_return false;
  }
  // Who may send a body is decided on the header: a refusal is answered
  // now and the body never read.
  if (route && route->options.access != Access::anyone) {
    if (auto refused = co_await check_before_body(req, match, builtin)) {
      co_await finish(stream, req, std::move(*refused), match, start, false);
      co_await linger_close(stream);
      co_return false;
    }
    checked = true;
  }
  const std::size_t wanted =
      parser.content_length() ? static_cast<std::size_t>(*parser.content_length()) : body_limit;
  if (auto busy = reserve_body(req, match, builtin, wanted, reservation)) {
    co_await finish(stream, req, std::move(*busy), match, start, false);
    co_await linger_close(stream);
    co_return false;
  }
  co_return co_await read_body(stream, buffer, parser, req, match, body_limit, start);
}

// Authentication and the access rule on the header alone; the (decorated)
// refusal, if any.
asio::awaitable<std::optional<Response>> Server::Impl::check_before_body(Request& req,
                                                                         const Router::Match& match,
                                                                         bool builtin) {
  const Route* route = match.route;
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
  if (refused) decorate(req, *refused, match, builtin);
  co_return refused;
}

// Takes the body's bytes from the buffered-body budget, or returns the
// (decorated) 503 when the budget is spent.
std::optional<Response> Server::Impl::reserve_body(Request& req, const Router::Match& match,
                                                   bool builtin, std::size_t wanted,
                                                   server_detail::BodyReservation& reservation) {
  if (buffered_body_bytes.fetch_add(wanted) + wanted > opt.max_buffered_body_bytes) {
    buffered_body_bytes.fetch_sub(wanted);
    rejected_bodies.fetch_add(1, std::memory_order_relaxed);
    Response busy = json_error(503, "The server is busy receiving other requests; try again.");
    busy.headers.set("Retry-After", "1");
    decorate(req, busy, match, builtin);
    return busy;
  }
  reservation.bytes = wanted;
  return std::nullopt;
}

// Reads the body (after a 100 Continue when asked for); on failure answers
// what can be answered and returns false.
asio::awaitable<bool> Server::Impl::read_body(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                              Parser& parser, Request& req,
                                              const Router::Match& match, std::size_t body_limit,
                                              Clock::time_point start) {
  auto& header = parser.get();
  parser.body_limit(body_limit);
  if (auto expect = header[bhttp::field::expect]; iequals(expect, "100-continue")) {
    bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, header.version()};
    stream.expires_after(opt.write_timeout);
    auto [wec, wn] = co_await bhttp::async_write(stream, cont, kNoThrow);
    if (wec) throw beast::system_error(wec);
  }
  stream.expires_after(opt.body_timeout);
  auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, kNoThrow);
  if (!ec) co_return true;
  if (ec == bhttp::error::body_limit) {
    co_await finish(
        stream, req,
        json_error(413, "Request body too large (limit " + std::to_string(body_limit) + " bytes)."),
        match, start, false);
  } else if (ec == beast::error::timeout) {
    // The deadline closed the socket: record it, nothing can be sent.
    unmatched_stats[static_cast<std::size_t>(Method::other)]->observe(408, 0);
  } else if (ec != bhttp::error::end_of_stream && ec != asio::error::connection_reset &&
             ec != asio::error::eof) {
    co_await finish(stream, req, json_error(400, "Malformed request body: " + ec.message() + "."),
                    match, start, false);
  }
  co_return false;
}

// The catch-all around the handler: anything unexpected is a logged 500
// with the request id. The answer comes back decorated.
asio::awaitable<Response> Server::Impl::respond(Request& req, const Router::Match& match,
                                                bool builtin, bool checked) {
  Response res;
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
  co_return res;
}

}  // namespace ts::http
