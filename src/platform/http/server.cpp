#include "platform/http/server.hpp"

#include <cstdio>
#include <thread>

#include "platform/core/log.hpp"
#include "platform/http/server_impl.hpp"

namespace ts::http {

using server_detail::kNoThrow;

namespace {

std::unique_ptr<tcp::acceptor> make_acceptor(asio::io_context& ioc, const Endpoint& ep,
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

}  // namespace

Server::Impl::Impl(ServerOptions o, Router& r, metrics::Registry& reg)
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
        return std::vector<metrics::Sample>{{"", static_cast<double>(rejected_connections.load())}};
      });
  registry.add_callback(
      "http_request_body_bytes_buffered",
      "Bytes reserved by request bodies being received or held.", "gauge", [this] {
        return std::vector<metrics::Sample>{{"", static_cast<double>(buffered_body_bytes.load())}};
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

void Server::Impl::start() {
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

// ---- lifecycle -------------------------------------------------------

void Server::Impl::begin_drain() {
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

asio::awaitable<void> Server::Impl::wait_drained() {
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

void Server::Impl::shutdown_now() {
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

void Server::Impl::run() {
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

void Server::Impl::wait_signal() {
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

Server::Server(ServerOptions options, Router& router, metrics::Registry& registry)
    : impl_(std::make_unique<Impl>(std::move(options), router, registry)) {}
Server::~Server() = default;

void Server::set_authenticator(std::function<void(Request&)> fn) {
  impl_->authenticator = std::move(fn);
}
void Server::set_access_check(AccessCheck fn) {
  impl_->access_check = std::move(fn);
}
void Server::set_fiber_runner(FiberRunner fn) {
  impl_->fiber_runner = std::move(fn);
}
void Server::set_exception_mapper(
    std::function<std::optional<Response>(const std::exception&)> fn) {
  impl_->exception_mapper = std::move(fn);
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
