// Readiness and the balancers' pools: every component probed as its kind
// wants (HTTP for apps, nginx, Prometheus and Alertmanager; libpq's ping for PostgreSQL),
// and the upstream files rewritten — nginx reloaded one instance at a time —
// when the set of ready instances changes.
#include <libpq-fe.h>
#include <signal.h>

#include <iostream>
#include <thread>

#include "tierstack/os/http.hpp"
#include "tierstack/os/net.hpp"
#include "tierstack/render/upstreams.hpp"
#include "tierstack/supervise/supervisor.hpp"

namespace tierstack {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// What a readiness probe learned. `slow`: no answer within the probe's
// timeout, which on a busy machine is a late answer more often than a dead
// instance, so it takes kSlowProbesBeforeOut of them in a row to take an
// instance out of its pool (a refused connection, a non-200 answer or an
// exited process takes it out at once). Every change of the pools reloads
// the nginx in front, and a reload closes the keep-alive connections the
// tier in front holds: a request that was just being sent on one fails, and
// nginx does not retry a POST elsewhere. A probe that flaps under load
// therefore costs real requests.
enum class ProbeResult { ready, not_ready, slow };
constexpr int kSlowProbesBeforeOut = 4;

// With --isolated the probes run inside the component's namespace (as an
// agent on its host would), so they need no hole in the firewall.
ProbeResult probe(Kind kind, const std::string& netns, const std::string& host,
                  std::uint16_t port) {
  auto get = [&](const char* path) {
    const auto reply = http_get(netns, host, port, path, 300ms);
    if (reply.status == 200) return ProbeResult::ready;
    return reply.timed_out ? ProbeResult::slow : ProbeResult::not_ready;
  };
  switch (kind) {
    case Kind::app:
      return get("/readyz");
    case Kind::web:
    case Kind::lb:
      return get("/__tierstack/health");
    case Kind::prometheus:
    case Kind::alertmanager:
      return get("/-/ready");
    case Kind::node_exporter:
      return get("/");
    case Kind::postgres: {
      // A ping, not SQL: accepting connections is what ready means here.
      const auto conn = "host=" + host + " port=" + std::to_string(port) +
                        " user=tierstack dbname=postgres connect_timeout=1";
      bool ok = false;
      in_netns(netns, [&] { ok = PQping(conn.c_str()) == PQPING_OK; });
      return ok ? ProbeResult::ready : ProbeResult::not_ready;
    }
  }
  return ProbeResult::not_ready;
}

// Whether a component counts as ready after this probe.
bool ready_after(Component& c, ProbeResult r) {
  if (r != ProbeResult::slow) {
    c.slow_probes = 0;
    return r == ProbeResult::ready;
  }
  ++c.slow_probes;
  return c.ready && c.slow_probes < kSlowProbesBeforeOut;
}

}  // namespace

void Supervisor::poll_readiness() {
  struct Probe {
    Component* c;
    Kind kind;
    std::string netns, host;
    std::uint16_t port;
    ProbeResult result = ProbeResult::not_ready;
  };
  std::vector<Probe> probes;
  {
    std::lock_guard lk(mu_);
    for (auto& c : comps_)
      if (c->pid > 0)
        probes.push_back({c.get(), c->kind, c->spawn.netns, c->host,
                          c->kind == Kind::app ? c->monitor_port : c->port});
  }
  for (auto& p : probes) p.result = probe(p.kind, p.netns, p.host, p.port);
  std::lock_guard lk(mu_);
  bool changed = false;
  for (auto& p : probes) {
    if (p.c->pid <= 0) continue;
    const bool ready = ready_after(*p.c, p.result);
    if (p.c->ready == ready) continue;
    p.c->ready = ready;
    if (ready) p.c->failures_in_row = 0;
    changed = true;
    if (!ready)
      std::cerr << now_text() << " " << p.c->name << " is not ready"
                << (p.result == ProbeResult::slow ? " (no answer to its readiness probe in time)"
                                                  : "")
                << "\n";
    // An nginx that came up while the pool file changed may have read an
    // older version: one reload makes sure.
    if (ready && (p.kind == Kind::web || p.kind == Kind::lb)) kill(p.c->pid, SIGHUP);
  }
  if (changed) update_pools_locked();
}

std::vector<pid_t> Supervisor::update_pools_locked() {
  const auto texts = render_upstreams(topo_, comps_);
  std::vector<pid_t> replaced;
  auto apply = [&](const std::string& text, std::string& last, Kind kind) {
    if (text == last) return;
    write_file(upstreams_file(topo_, kind), kUpstreamsHeader + text);
    last = text;
    // One nginx at a time: the next reloads only when the previous one's
    // old workers are gone, so the tier in front always has an instance
    // whose keep-alive connections are intact to retry on.
    for (auto& c : comps_) {
      if (c->kind != kind || c->pid <= 0 || !c->ready) continue;
      const auto old = children_of(c->pid);
      kill(c->pid, SIGHUP);  // graceful reload: old workers finish and exit
      const auto deadline = Clock::now() + std::chrono::seconds(3);
      for (pid_t w : old) {
        while (alive(w) && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
        replaced.push_back(w);
      }
    }
  };
  apply(texts.app, app_upstreams_, Kind::web);
  apply(texts.lb, lb_upstreams_, Kind::lb);
  return replaced;
}

}  // namespace tierstack
