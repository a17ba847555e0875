// What `tierstack status` and `up` show — the status table with request
// rates from each app's /metrics, the URLs — and state.json, which the CLI
// and the tests read to find the components.
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "tierstack/os/http.hpp"
#include "tierstack/supervise/supervisor.hpp"

namespace tierstack {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// One app's request counter: where to read it (copied under the supervisor's
// lock, read over HTTP without it) and the last two readings.
struct RateProbe {
  Component* c;
  std::string netns, host;
  std::uint16_t port = 0;
  double last_total = -1;
  Clock::time_point last_scrape{};
  double total = -1;
  Clock::time_point at{};
};

double metrics_total(const RateProbe& p) {
  const auto r = http_get(p.netns, p.host, p.port, "/metrics", 1000ms);
  if (r.status != 200) return -1;
  double total = 0;
  std::istringstream in(r.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("http_requests_total", 0) != 0) continue;
    // Only the traffic the app serves, not tierstack's and Prometheus's probes.
    if (line.find("route=\"/readyz\"") != std::string::npos ||
        line.find("route=\"/healthz\"") != std::string::npos ||
        line.find("route=\"/metrics\"") != std::string::npos)
      continue;
    const auto sp = line.rfind(' ');
    if (sp != std::string::npos) total += std::strtod(line.c_str() + sp + 1, nullptr);
  }
  return total;
}

std::string uptime_text(Clock::time_point started) {
  const auto s = static_cast<long>(seconds_since(started));
  char buf[32];
  if (s < 3600)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  return buf;
}

// Each running app's requests per second, from two readings of its
// /metrics (the one the last status kept, or one a second ago). The HTTP
// reads run without mu; the components' fields are read and written under
// it, because the main loop changes them (a restart's pid) meanwhile.
std::map<const Component*, double> request_rates(std::mutex& mu,
                                                 const std::vector<Component*>& comps) {
  std::vector<RateProbe> probes;
  {
    std::lock_guard lk(mu);
    for (auto* c : comps)
      if (c->kind == Kind::app && c->pid > 0)
        probes.push_back(
            {c, c->spawn.netns, c->host, c->monitor_port, c->last_total, c->last_scrape});
  }
  bool need_second = false;
  for (auto& p : probes) {
    p.total = metrics_total(p);
    p.at = Clock::now();
    if (p.last_total < 0 || seconds_since(p.last_scrape) > 60) need_second = true;
  }
  if (need_second) {
    std::this_thread::sleep_for(1s);
    for (auto& p : probes) {
      p.last_total = p.total;
      p.last_scrape = p.at;
      p.total = metrics_total(p);
      p.at = Clock::now();
    }
  }
  std::map<const Component*, double> rates;
  std::lock_guard lk(mu);
  for (auto& p : probes) {
    if (p.total < 0) continue;
    const double dt = std::chrono::duration<double>(p.at - p.last_scrape).count();
    if (p.last_total >= 0 && dt > 0 && p.total >= p.last_total)
      rates[p.c] = (p.total - p.last_total) / dt;
    p.c->last_total = p.total;
    p.c->last_scrape = p.at;
  }
  return rates;
}

}  // namespace

std::string Supervisor::urls() const {
  auto row = [](const std::string& label, const std::string& url) {
    return "  " + label + std::string(14 - std::min<std::size_t>(13, label.size()), ' ') + url +
           "\n";
  };
  std::string s, monitoring;
  for (auto& c : comps_) {
    if (c->kind == Kind::lb)
      for (const auto& a : topo_.apps)
        if (c->app_ports.count(a.name))
          s += row(a.lb_name,
                   "http://" + c->host + ":" + std::to_string(c->app_ports.at(a.name)) + "/");
    // Debian's Prometheus serves the classic UI only (/graph, /targets,
    // /alerts are 404s); Debian's Alertmanager has no web UI, only its API.
    const std::string base = "http://" + c->host + ":" + std::to_string(c->port);
    if (c->kind == Kind::prometheus) {
      std::string urls = row("prometheus", base + "/classic/graph");
      urls += row("  targets", base + "/classic/targets");
      urls += row("  alerts", base + "/classic/alerts");
      if (fs::exists(topo_.dashboards / "index.html")) urls += row("dashboards", base + "/user/");
      monitoring.insert(0, urls);
    }
    if (c->kind == Kind::alertmanager) {
      monitoring += row("alertmanager", base + "/api/v2/alerts");
      monitoring +=
          row("", "(no web UI in Debian's package: amtool --alertmanager.url=" + base + " alert)");
    }
  }
  return s + monitoring;
}

std::string Supervisor::status_table(bool with_rates) {
  std::vector<Component*> rows;
  {
    std::lock_guard lk(mu_);
    for (auto& name : start_order_) rows.push_back(find(name));
  }
  const auto rates = with_rates ? request_rates(mu_, rows) : std::map<const Component*, double>{};
  std::ostringstream s;
  char line[256];
  std::snprintf(line, sizeof line, "%-14s %-4s %-10s %-8s %-12s %-6s %-8s %-8s %8s\n", "INSTANCE",
                "ZONE", "TIER", "PID", "PORT", "READY", "RESTARTS", "UPTIME", "REQ/S");
  // With --isolated: where each instance is (its address in its subnet's namespace).
  auto where = [this](std::string l, const std::string& addr, const std::string& ns) {
    if (!net_) return l;
    char extra[96];
    std::snprintf(extra, sizeof extra, "  %-13s %s\n", addr.c_str(), ns.c_str());
    l.pop_back();
    return l + extra;
  };
  s << where(line, "ADDRESS", "NETNS");
  std::lock_guard lk(mu_);
  for (auto* c : rows) {
    std::string port = std::to_string(c->port);
    if (c->kind == Kind::app) port += "/" + std::to_string(c->monitor_port);
    if (c->app_ports.size() > 1) {
      port.clear();
      for (auto& [a, p] : c->app_ports) port += (port.empty() ? "" : ",") + std::to_string(p);
    }
    const std::string state = c->pid <= 0 ? (c->restart_pending ? "down*" : "down")
                                          : (c->ready ? (c->out_of_pool ? "drain" : "yes") : "no");
    char rate[32] = "-";
    if (auto it = rates.find(c); it != rates.end())
      std::snprintf(rate, sizeof rate, "%.1f", it->second);
    std::snprintf(line, sizeof line, "%-14s %-4s %-10s %-8s %-12s %-6s %-8d %-8s %8s\n",
                  c->name.c_str(), c->zone.empty() ? "-" : c->zone.c_str(), c->tier.c_str(),
                  c->pid > 0 ? std::to_string(c->pid).c_str() : "-", port.c_str(), state.c_str(),
                  c->restarts, c->pid > 0 ? uptime_text(c->started).c_str() : "-", rate);
    s << where(line, c->host, c->spawn.netns);
  }
  return s.str();
}

void Supervisor::write_state_locked() {
  boost::json::object st;
  st["supervisor_pid"] = getpid();
  st["database"] = topo_.database;
  boost::json::array arr;
  for (auto& c : comps_) {
    boost::json::object o{{"name", c->name}, {"tier", c->tier},
                          {"zone", c->zone}, {"pid", c->pid},
                          {"host", c->host}, {"netns", c->spawn.netns},
                          {"port", c->port}, {"monitor_port", c->monitor_port},
                          {"app", c->app}};
    boost::json::object ports;
    for (auto& [a, p] : c->app_ports) ports[a] = p;
    o["app_ports"] = ports;
    arr.push_back(o);
  }
  st["components"] = arr;
  if (net_) {
    boost::json::object subnets;
    for (auto& sn : net_->subnets())
      subnets[sn.key] = {{"netns", sn.netns}, {"cidr", sn.cidr}, {"address", sn.address}};
    st["isolated"] = {{"network", net_->network()},
                      {"router_netns", net_->router_netns()},
                      {"operator_link", net_->operator_link()},
                      {"subnets", subnets}};
  }
  try {
    write_file(state_ / "state.json", boost::json::serialize(st) + "\n");
  } catch (...) {
  }
}

}  // namespace tierstack
