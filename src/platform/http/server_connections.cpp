// Accepting connections, the connection caps, and the two ways a connection
// is refused or ended without a request being served.
#include "platform/core/log.hpp"
#include "platform/http/server_impl.hpp"

namespace ts::http {

using server_detail::kNoThrow;

namespace {

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

asio::awaitable<void> Server::Impl::accept_loop(Context& ctx, tcp::acceptor& acceptor,
                                                bool monitor) {
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

bool Server::Impl::per_client_cap() const {
  return opt.max_connections_per_client > 0 && opt.trusted_proxy_hops == 0;
}

// Counts a new main-port connection in, or refuses it (caps reached).
bool Server::Impl::admit(const std::string& peer) {
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

void Server::Impl::release(const std::string& peer) {
  if (per_client_cap()) {
    std::lock_guard lock(clients_mutex);
    if (auto it = clients.find(peer); it != clients.end() && --it->second == 0) clients.erase(it);
  }
  open_sessions.fetch_sub(1);
}

// A connection beyond a cap: a fixed 503, then closed. The request is not
// read; the open connections are not disturbed.
asio::awaitable<void> Server::Impl::reject(tcp::socket socket) {
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
asio::awaitable<void> Server::Impl::linger_close(beast::tcp_stream& stream) {
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

}  // namespace ts::http
