// Writing an answer: the serialised response, its metrics and its access
// log line; and the answer for a failure.
#include <boost/json.hpp>

#include "platform/core/log.hpp"
#include "platform/http/server_impl.hpp"

namespace ts::http {

using server_detail::json_error;
using server_detail::kNoThrow;

// Serialises the response into one buffer and writes it with one call:
// cheaper than Beast's fields container, which allocates per header.
asio::awaitable<void> Server::Impl::write(beast::tcp_stream& stream, Response& res,
                                          unsigned version, bool head, bool keep_alive,
                                          std::size_t& bytes) {
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

asio::awaitable<void> Server::Impl::write_error(beast::tcp_stream& stream, int status,
                                                std::string_view detail) {
  Response res = json_error(status, detail);
  std::size_t bytes = 0;
  try {
    co_await write(stream, res, 11, false, false, bytes);
  } catch (...) {
  }
  unmatched_stats[static_cast<std::size_t>(Method::other)]->observe(status, 0);
}

asio::awaitable<void> Server::Impl::finish(beast::tcp_stream& stream, Request& req, Response res,
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
  // The probes and scrapes (the supervisor's /readyz twice a second,
  // Prometheus's /metrics) are counted above but logged at debug only:
  // at info they would bury the requests.
  const bool probe = stats == healthz_stats || stats == readyz_stats || stats == metrics_stats;
  if (opt.access_log)
    log::access(req.request_id, req.method_text,
                stats ? std::string_view(stats->route()) : "unmatched", status, seconds * 1000.0,
                bytes, req.client_ip, probe ? log::Level::debug : log::Level::info);
  // cppcheck-suppress missingReturn ; a coroutine returning awaitable<void>
  if (write_error) std::rethrow_exception(write_error);
}

// The answer for an exception from a handler, the authenticator or the
// access check: an HttpError's own response, a mapped one, or a 500.
Response Server::Impl::response_for(const std::exception_ptr& error, const Request& req,
                                    const Router::Match& match) {
  try {
    std::rethrow_exception(error);
  } catch (const HttpError& e) {
    return e.to_response();
  } catch (const std::exception& e) {
    if (auto mapped = exception_mapper ? exception_mapper(e) : std::nullopt) {
      // A known, temporary condition (e.g. the database is away).
      log::warn("request failed",
                {{"request_id", req.request_id}, {"status", mapped->status}, {"error", e.what()}});
      return std::move(*mapped);
    }
    log::error("unhandled exception", {{"request_id", req.request_id},
                                       {"route", match.route ? match.route->pattern : "unmatched"},
                                       {"method", req.method_text},
                                       {"error", e.what()}});
  } catch (...) {
    log::error("unhandled exception", {{"request_id", req.request_id},
                                       {"route", match.route ? match.route->pattern : "unmatched"},
                                       {"method", req.method_text}});
  }
  return Response::json(
      boost::json::object{{"detail", "Internal server error."}, {"request_id", req.request_id}},
      500);
}

// CORS, security headers and the request id, on every answer.
void Server::Impl::decorate(const Request& req, Response& res, const Router::Match& match,
                            bool builtin) {
  if (!builtin) {
    apply_cors(req, res, match);
    for (const auto& [k, v] : opt.security_headers)
      if (!res.headers.contains(k)) res.headers.set(k, v);
  }
  res.headers.set("X-Request-Id", req.request_id);
}

}  // namespace ts::http
