#include "tierstack/render/nginx.hpp"

#include <map>
#include <stdexcept>

#include "tierstack/os/files.hpp"
#include "tierstack/render/template.hpp"
#include "tierstack/render/upstreams.hpp"

namespace tierstack {
namespace fs = std::filesystem;

namespace {

using Vars = std::map<std::string, std::string>;

// The server block of one app on the web tier: the front end's files with
// the API paths proxied, or everything proxied when there is no build.
std::string web_server(const Topology& topo, const NginxTemplates& t, const Component& c,
                       const AppTier& a, Vars v, std::vector<std::string>& notes) {
  const auto proxy_conf = (t.dir / "proxy.conf").string();
  if (!a.static_root.empty() && fs::exists(fs::path(a.static_root) / "index.html")) {
    std::string locs;
    for (const auto& path : a.proxy_paths)
      locs += render(t.proxy_location,
                     {{"path", path}, {"upstream", "app_" + a.name}, {"proxy_conf", proxy_conf}},
                     "web-proxy-location.conf.tmpl");
    v["static_root"] = a.static_root;
    v["proxy_locations"] = locs;
    return render(t.spa_server, v, "web-spa-server.conf.tmpl");
  }
  if (!a.static_root.empty() && c.name == "web-" + topo.zones.front())
    notes.push_back(a.name + ": no front-end build at " + a.static_root +
                    " — the web tier proxies every path to the app");
  v["upstream"] = "app_" + a.name;
  return render(t.proxy_server, v, "web-proxy-server.conf.tmpl");
}

}  // namespace

NginxTemplates load_nginx_templates(const fs::path& dir) {
  NginxTemplates t;
  t.dir = dir;
  t.main = read_file(dir / "nginx.conf.tmpl");
  t.lb_server = read_file(dir / "lb-server.conf.tmpl");
  t.spa_server = read_file(dir / "web-spa-server.conf.tmpl");
  t.proxy_location = read_file(dir / "web-proxy-location.conf.tmpl");
  t.proxy_server = read_file(dir / "web-proxy-server.conf.tmpl");
  if (t.main.empty() || t.lb_server.empty())
    throw std::runtime_error("nginx templates not found in " + dir.string());
  return t;
}

fs::path nginx_dir(const Topology& topo, const Component& c) {
  return topo.state_dir / "nginx" / c.name;
}

std::string render_nginx_conf(const Topology& topo, const NginxTemplates& t, const Component& c,
                              std::vector<std::string>& notes) {
  const auto dir = nginx_dir(topo, c);
  const auto logs = topo.state_dir / "logs";
  std::string servers;
  for (const auto& a : topo.apps) {
    if (!c.app_ports.count(a.name)) continue;
    Vars base = {{"app", a.name},
                 {"url_name", a.lb_name},
                 {"listen", c.host + ":" + std::to_string(c.app_ports.at(a.name))},
                 {"proxy_conf", (t.dir / "proxy.conf").string()}};
    if (c.kind == Kind::lb) {
      base["upstream"] = "web_" + a.name;
      servers += render(t.lb_server, base, "lb-server.conf.tmpl");
    } else {
      servers += web_server(topo, t, c, a, base, notes);
    }
  }
  const Vars vars = {
      {"worker_processes", std::to_string(topo.nginx_workers)},
      {"pid_file", (dir / "nginx.pid").string()},
      {"error_log", (logs / (c.name + ".error.log")).string()},
      {"access_log", (logs / (c.name + ".access.log")).string() + " tierstack buffer=32k flush=1s"},
      {"temp_dir", (dir / "temp").string()},
      {"upstreams_file", upstreams_file(topo, c.kind == Kind::lb ? Kind::lb : Kind::web).string()},
      {"servers", servers}};
  return render(t.main, vars, "nginx.conf.tmpl");
}

}  // namespace tierstack
