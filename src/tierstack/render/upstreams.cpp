#include "tierstack/render/upstreams.hpp"

#include <vector>

namespace tierstack {

namespace {

// Web → app: nginx's passive check takes a failing instance out for 2 s.
// Load balancer → web: no passive check (max_fails=0). A web-tier reload
// closes the balancer's idle keep-alive connections, and a request that
// meets such a closed connection is retried on the other web instance; a
// failure count of 1 would take both out for a moment and answer 502
// ("no live upstreams"). tierstack's readiness polling is the health check.
//
// Idle keep-alive connections close after 15 s (nginx's default is 60 s).
// nginx reuses its most recently freed connection first, so the extra ones a
// burst opened sit idle at the end of the cache until they time out: with 60
// s, a burst keeps an app instance's open fds up for a whole minute, which
// is the likeliest reading of the soak's two 30 s fd-floor windows at
// +17-19 (docs/performance.md, "Soak"). The apps close idle connections
// after 60 s, so nginx stays the side that closes first and never sends a
// request on a connection the app is closing.
std::string block(const std::string& name, const std::vector<std::string>& servers,
                  const char* check) {
  std::string s = "upstream " + name + " {\n";
  for (const auto& a : servers) s += "  server " + a + " " + check + ";\n";
  return s + "  keepalive 32;\n  keepalive_timeout 15s;\n}\n";
}

bool in_pool(const Component& c) {
  return c.pid > 0 && c.ready && !c.out_of_pool;
}

}  // namespace

UpstreamTexts render_upstreams(const Topology& topo, const Components& comps) {
  UpstreamTexts out;
  std::vector<std::string> apps;
  for (const auto& a : topo.apps)
    for (const auto& c : comps)
      if (c->kind == Kind::app && c->app == a.name) {
        apps.push_back(a.name);
        break;
      }
  for (const auto& app : apps) {
    std::vector<std::string> ready, all;
    for (const auto& c : comps) {
      if (c->kind != Kind::app || c->app != app) continue;
      const auto addr = c->host + ":" + std::to_string(c->port);
      all.push_back(addr);
      if (in_pool(*c)) ready.push_back(addr);
    }
    // An upstream needs a server; with none ready, list all and let nginx's
    // passive checks find one that answers.
    out.app += block("app_" + app, ready.empty() ? all : ready, "max_fails=1 fail_timeout=2s");
    std::vector<std::string> wready, wall;
    for (const auto& c : comps) {
      if (c->kind != Kind::web) continue;
      const auto addr = c->host + ":" + std::to_string(c->app_ports.at(app));
      wall.push_back(addr);
      if (in_pool(*c)) wready.push_back(addr);
    }
    out.lb += block("web_" + app, wready.empty() ? wall : wready, "max_fails=0");
  }
  return out;
}

std::filesystem::path upstreams_file(const Topology& topo, Kind kind) {
  return topo.state_dir / "nginx" / (kind == Kind::lb ? "lb-upstreams.conf" : "app-upstreams.conf");
}

}  // namespace tierstack
