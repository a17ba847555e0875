// The planner: the component list of a topology (see plan.hpp). Ports are
// the topology's fixed ones (plus an offset per instance) or free ones.
#include "tierstack/supervise/plan.hpp"

#include <signal.h>

#include <algorithm>
#include <stdexcept>

#include "tierstack/db/postgres/pg_cluster.hpp"
#include "tierstack/net/isolated.hpp"

namespace tierstack {
namespace fs = std::filesystem;

namespace {

// X-Forwarded-For entries appended in front of every app instance: the load
// balancer's nginx appends the client's address, the web tier's nginx the
// load balancer's (both through deploy/nginx/proxy.conf,
// $proxy_add_x_forwarded_for). The app's own peer is the web tier, so the
// client is this many entries from the right; whatever the client sent
// itself stays further left and is never trusted.
constexpr int kLocalProxyHops = 2;

// The state of one planning run: the free ports handed out in order.
class Planner {
 public:
  Planner(const Topology& topo, const PlanInputs& in, std::vector<std::uint16_t> ports)
      : topo_(topo), in_(in), ports_(std::move(ports)) {}

  std::uint16_t pick(std::uint16_t fixed, int offset) {
    const auto p = ports_.at(next_++);
    return fixed ? static_cast<std::uint16_t>(fixed + offset) : p;
  }
  // With --isolated each component runs in its subnet's namespace, on its address.
  void place(Component& c, const std::string& subnet) const {
    if (!in_.net) return;
    c.host = in_.net->subnet(subnet).address;
    c.spawn.netns = in_.net->subnet(subnet).netns;
  }
  // A new component: its name, kind and tier, placed in `subnet`.
  std::unique_ptr<Component> component(std::string name, Kind kind, std::string tier,
                                       const std::string& subnet) const {
    auto c = std::make_unique<Component>();
    c->name = std::move(name);
    c->kind = kind;
    c->tier = std::move(tier);
    place(*c, subnet);
    return c;
  }
  void add(Plan& plan, std::unique_ptr<Component> c) const {
    plan.start_order.push_back(c->name);
    plan.comps.push_back(std::move(c));
  }

  void postgres(Plan& plan);
  std::unique_ptr<Component> lb(const Plan& plan);
  void app_instances(Plan& plan, const AppTier& a, const Component& lb);
  void web(Plan& plan, const std::vector<const AppTier*>& apps);
  void monitoring(Plan& plan);

 private:
  const Topology& topo_;
  const PlanInputs& in_;
  std::vector<std::uint16_t> ports_;
  std::size_t next_ = 0;
};

void set_user(Component& c, const std::optional<std::pair<uid_t, gid_t>>& user) {
  if (!user) return;
  c.spawn.uid = user->first;
  c.spawn.gid = user->second;
}

// The standby of `tierstack up --db postgres` (pg_cluster.hpp): the primary's
// command line on its own port and data directory; both run with the
// replication settings (wal_log_hints keeps pg_rewind possible for an
// operator), and the apps get a multi-host URL that follows a promotion.
void add_standby(Plan& plan, const fs::path& state, std::uint16_t port) {
  Component* primary = plan.comps.back().get();
  auto c = std::make_unique<Component>(*primary);
  c->name = PgHa::kNodes[1];
  c->port = port;
  auto& argv = c->spawn.argv;
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "-D") argv[i + 1] = pg_data_dir(state, c->name).string();
    if (argv[i] == "-p") argv[i + 1] = std::to_string(port);
    if (argv[i] == "-k") argv[i + 1] = (state / c->name / "run").string();
  }
  for (auto* n : {primary, c.get()})
    n->spawn.argv.insert(n->spawn.argv.end(),
                         {"-c", "wal_level=replica", "-c", "hot_standby=on", "-c",
                          "max_wal_senders=10", "-c", "max_replication_slots=10", "-c",
                          "wal_log_hints=on", "-c", "wal_receiver_status_interval=1s"});
  for (auto& [app, url] : plan.db_urls)
    url = "postgresql://tierstack@" + primary->host + ":" + std::to_string(primary->port) + "," +
          c->host + ":" + std::to_string(port) + "/" + app + "?target_session_attrs=read-write";
  plan.start_order.push_back(c->name);
  plan.comps.push_back(std::move(c));
}

void Planner::postgres(Plan& plan) {
  const auto& state = topo_.state_dir;
  if (topo_.database != "postgres") {
    for (const auto* a : plan.apps)
      plan.db_urls[a->name] = "sqlite://" + (state / "db" / (a->name + ".db")).string();
    return;
  }
  auto c = component(PgHa::kNodes[0], Kind::postgres, "db", "data");
  c->port = pick(topo_.database_port, 0);
  const auto dir = state / "postgres";
  c->spawn.argv = {in_.postgres_bindir + "/postgres", "-D", (dir / "data").string(), "-p",
                   std::to_string(c->port), "-k", (dir / "run").string(), "-c",
                   "listen_addresses=" + c->host, "-c", "max_connections=200", "-c",
                   // A commit is acknowledged once it is on the standby too (pg_cluster.cpp).
                   "synchronous_commit=on"};
  set_user(*c, in_.postgres_user);
  if (in_.net)
    c->spawn.argv.insert(c->spawn.argv.end(), {"-c", "hba_file=" + (dir / "pg_hba.conf").string()});
  c->stop_signal = SIGINT;  // fast shutdown
  c->stop_timeout = std::chrono::seconds(30);
  for (const auto* a : plan.apps)
    plan.db_urls[a->name] =
        "postgresql://tierstack@" + c->host + ":" + std::to_string(c->port) + "/" + a->name;
  add(plan, std::move(c));
  add_standby(plan, state, pick(topo_.database_port, 1));
}

// The load balancer is placed first: its address and ports are every app's
// public URL. It starts last.
std::unique_ptr<Component> Planner::lb(const Plan& plan) {
  auto lb = component("lb", Kind::lb, "lb", "lb");
  for (const auto* a : plan.apps) lb->app_ports[a->name] = pick(a->lb_port, 0);
  lb->port = lb->app_ports.at(plan.apps.front()->name);
  lb->stop_signal = SIGQUIT;  // graceful
  lb->stop_timeout = std::chrono::seconds(15);
  return lb;
}

std::map<std::string, std::string> app_env(const AppTier& a, const Component& c,
                                           const Component& lb, const std::string& db_url,
                                           const std::string& secret) {
  const auto& p = a.env_prefix;
  const auto& state = c.spawn.cwd;
  // The instance's own settings first: instance_env_keys names exactly these.
  std::map<std::string, std::string> env = {
      {p + "_LISTEN", c.host + ":" + std::to_string(c.port)},
      {p + "_MONITOR_LISTEN", c.host + ":" + std::to_string(c.monitor_port)},
      {p + "_PORT_FILE", (state / "run" / (c.name + ".ports")).string()},
      {p + "_TRUST_PROXY_HOPS", std::to_string(kLocalProxyHops)},
      {p + "_PUBLIC_URL", "http://" + lb.host + ":" + std::to_string(lb.app_ports.at(a.name))},
      {p + "_DATABASE_URL", db_url},
      {p + "_AUTO_MIGRATE", "false"},
      {p + "_SECRET_KEY", secret},
      {p + "_MEDIA_DIR", (state / "media" / a.name).string()},
      // Mail an app writes instead of sending it (no SMTP server set): what
      // `tierstack mail` reads. The microblog sends mail; the shop none.
      {p + "_OUTBOX_DIR", outbox_dir(state, a.name).string()},
      {p + "_DRAIN_TIMEOUT_MS", "10000"},
  };
  if (!a.payment_gateway.empty()) {
    env[p + "_PAYMENT_GATEWAY"] = a.payment_gateway;
    if (a.payment_gateway == "sandbox") env[p + "_ALLOW_SANDBOX"] = "true";
  }
  if (!a.translator.service.empty()) {
    env[p + "_TRANSLATOR"] = a.translator.service;
    if (!a.translator.url.empty()) env[p + "_TRANSLATOR_URL"] = a.translator.url;
    if (!a.translator.region.empty()) env[p + "_TRANSLATOR_REGION"] = a.translator.region;
  }
  for (const auto& [k, v] : a.env) env[k] = v;
  return env;
}

// Each release is a copy (release_binary), so rebuilding in place never
// changes a running instance and a rollback has the previous binary.
void Planner::app_instances(Plan& plan, const AppTier& a, const Component& lb) {
  const std::string secret = in_.secret(a);
  int index = 0;
  for (const auto& zone : topo_.zones) {
    for (int i = 0; i < a.per_zone; ++i, ++index) {
      auto c = component(a.name + "-" + zone + (a.per_zone > 1 ? std::to_string(i + 1) : ""),
                         Kind::app, "app", "priv-" + zone);
      c->zone = zone;
      c->app = a.name;
      c->port = pick(a.port, index);
      c->monitor_port = pick(a.monitor_port, index);
      c->release = in_.release;
      c->stop_timeout = std::chrono::seconds(25);
      c->spawn.argv = {release_binary(topo_, a.name, in_.release).string(), "serve"};
      c->spawn.cwd = topo_.state_dir;
      c->spawn.env = app_env(a, *c, lb, plan.db_urls[a.name], secret);
      add(plan, std::move(c));
    }
  }
}

void Planner::web(Plan& plan, const std::vector<const AppTier*>& apps) {
  for (const auto& zone : topo_.zones) {
    for (int i = 0; i < topo_.web_per_zone; ++i) {
      auto c = component("web-" + zone + (topo_.web_per_zone > 1 ? std::to_string(i + 1) : ""),
                         Kind::web, "web", "pub-" + zone);
      c->zone = zone;
      for (const auto* a : apps) c->app_ports[a->name] = pick(a->web_port, i);
      // The main port is the first app's in the topology (the store), as for the
      // balancer; app_ports is ordered by name, so its first entry is not that.
      c->port = c->app_ports.at(apps.front()->name);
      c->stop_signal = SIGQUIT;  // graceful
      c->stop_timeout = std::chrono::seconds(15);
      add(plan, std::move(c));
    }
  }
}

void Planner::monitoring(Plan& plan) {
  const auto& state = topo_.state_dir;
  auto ne = component("node-exporter", Kind::node_exporter, "monitoring", "mon");
  ne->port = pick(topo_.node_exporter_port, 0);
  ne->spawn.argv = {"/usr/bin/prometheus-node-exporter",
                    "--web.listen-address=" + ne->host + ":" + std::to_string(ne->port),
                    "--collector.textfile.directory=" + (state / "run").string()};
  set_user(*ne, in_.prometheus_user);
  add(plan, std::move(ne));

  // Alertmanager (render/alertmanager.hpp): one instance, so no cluster
  // listener (an empty --cluster.listen-address turns it off).
  auto am = component("alertmanager", Kind::alertmanager, "monitoring", "mon");
  am->port = pick(topo_.alertmanager_port, 0);
  const auto am_dir = state / "alertmanager";
  am->spawn.argv = {"/usr/bin/prometheus-alertmanager",
                    "--config.file=" + (am_dir / "alertmanager.yml").string(),
                    "--storage.path=" + (am_dir / "data").string(),
                    "--web.listen-address=" + am->host + ":" + std::to_string(am->port),
                    "--cluster.listen-address="};
  am->spawn.cwd = am_dir;
  set_user(*am, in_.prometheus_user);
  add(plan, std::move(am));

  auto c = component("prometheus", Kind::prometheus, "monitoring", "mon");
  c->port = pick(topo_.prometheus_port, 0);
  const auto dir = state / "prometheus";
  c->spawn.argv = {"/usr/bin/prometheus", "--config.file=" + (dir / "prometheus.yml").string(),
                   "--storage.tsdb.path=" + (dir / "data").string(),
                   "--storage.tsdb.retention.time=2d",
                   "--web.listen-address=" + c->host + ":" + std::to_string(c->port)};
  // The local dashboards page (web/dashboard, built from deploy/grafana's
  // definitions) is served by Prometheus itself at /user/: same origin as the
  // query API, reachable wherever Prometheus is, never through the LB.
  if (fs::exists(topo_.dashboards / "index.html"))
    c->spawn.argv.push_back("--web.user-assets=" + topo_.dashboards.string());
  else
    plan.notes.push_back("dashboards: no build in " + topo_.dashboards.string() +
                         " (run web/dashboard/build)");
  c->spawn.cwd = dir;
  set_user(*c, in_.prometheus_user);
  add(plan, std::move(c));
}

}  // namespace

std::vector<const AppTier*> present_apps(const Topology& topo, const fs::path& bin_dir,
                                         std::vector<std::string>& notes) {
  std::vector<const AppTier*> apps;
  for (const auto& a : topo.apps) {
    if (fs::exists(bin_dir / a.name)) {
      apps.push_back(&a);
    } else if (a.optional) {
      notes.push_back(a.name + ": skipped — " + (bin_dir / a.name).string() +
                      " does not exist (build it, then run tierstack up again)");
    } else {
      throw std::runtime_error((bin_dir / a.name).string() + " does not exist (build it first)");
    }
  }
  return apps;
}

Plan plan_components(const Topology& topo, const PlanInputs& in) {
  Plan plan;
  plan.apps = present_apps(topo, in.bin_dir, plan.notes);
  if (plan.apps.empty()) throw std::runtime_error("topology: no app binary to run");
  // How many ports to choose.
  std::size_t n = 0;
  const std::size_t zones = topo.zones.size();
  for (const auto* a : plan.apps)
    n += 2 * zones * static_cast<std::size_t>(a->per_zone) +
         zones * static_cast<std::size_t>(topo.web_per_zone) + 1;
  n += 5;  // the load balancer's main port, node exporter, Alertmanager, Prometheus, the standby
  Planner p(topo, in, in.free_ports(n));
  p.postgres(plan);
  auto lb = p.lb(plan);
  for (const auto* a : plan.apps) p.app_instances(plan, *a, *lb);
  p.web(plan, plan.apps);
  p.add(plan, std::move(lb));
  for (auto& c : plan.comps) {
    if (c->kind != Kind::web && c->kind != Kind::lb) continue;
    const auto dir = topo.state_dir / "nginx" / c->name;
    c->spawn.argv = {"/usr/sbin/nginx",
                     "-p",
                     dir.string(),
                     "-c",
                     (dir / "nginx.conf").string(),
                     "-e",
                     (topo.state_dir / "logs" / (c->name + ".error.log")).string()};
  }
  p.monitoring(plan);
  for (auto& c : plan.comps) c->spawn.log_file = topo.state_dir / "logs" / (c->name + ".log");
  return plan;
}

std::vector<std::string> instance_env_keys(const std::string& prefix) {
  return {prefix + "_LISTEN", prefix + "_MONITOR_LISTEN", prefix + "_PORT_FILE"};
}

fs::path outbox_dir(const fs::path& state, const std::string& app) {
  return state / "mail" / app;
}

fs::path release_binary(const Topology& topo, const std::string& app, const std::string& release) {
  return topo.state_dir / "releases" / app / release / app;
}

std::string postgres_bindir() {
  std::vector<fs::path> dirs;
  if (fs::exists("/usr/lib/postgresql"))
    for (const auto& e : fs::directory_iterator("/usr/lib/postgresql"))
      if (fs::exists(e.path() / "bin/postgres")) dirs.push_back(e.path() / "bin");
  if (dirs.empty())
    throw std::runtime_error("PostgreSQL server binaries not found (scripts/install-deps)");
  std::sort(dirs.begin(), dirs.end(), [](const fs::path& a, const fs::path& b) {
    return std::stoi(a.parent_path().filename().string()) <
           std::stoi(b.parent_path().filename().string());
  });
  return dirs.back().string();
}

}  // namespace tierstack
