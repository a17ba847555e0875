#include "tierstack/supervisor.hpp"

#include "tierstack/pg_cluster.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tierstack/backup.hpp"

namespace tierstack {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
// A few durations below are std::chrono::seconds(n) rather than ns: on those
// cppcheck 2.10 (Debian 12) stops with an internal error (MathLib::toLongNumber)
// and leaves the whole file unchecked.

namespace {

// X-Forwarded-For entries appended in front of every app instance: the load
// balancer's nginx appends the client's address, the web tier's nginx the
// load balancer's (both through deploy/nginx/proxy.conf,
// $proxy_add_x_forwarded_for). The app's own peer is the web tier, so the
// client is this many entries from the right; whatever the client sent
// itself stays further left and is never trusted.
constexpr int kLocalProxyHops = 2;

std::string fmt_secs(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", s);
  return buf;
}

std::string postgres_bindir() {
  std::vector<fs::path> dirs;
  if (fs::exists("/usr/lib/postgresql"))
    for (auto& e : fs::directory_iterator("/usr/lib/postgresql"))
      if (fs::exists(e.path() / "bin/postgres")) dirs.push_back(e.path() / "bin");
  if (dirs.empty())
    throw std::runtime_error("PostgreSQL server binaries not found (scripts/install-deps)");
  std::sort(dirs.begin(), dirs.end(), [](const fs::path& a, const fs::path& b) {
    return std::stoi(a.parent_path().filename().string()) <
           std::stoi(b.parent_path().filename().string());
  });
  return dirs.back().string();
}

std::optional<std::pair<uid_t, gid_t>> system_user(const char* name) {
  if (geteuid() != 0) return std::nullopt;
  if (passwd* pw = getpwnam(name)) return std::make_pair(pw->pw_uid, pw->pw_gid);
  return std::nullopt;
}

void chown_tree(const fs::path& p, uid_t uid, gid_t gid) {
  (void)!lchown(p.c_str(), uid, gid);
  if (fs::is_directory(p))
    for (auto& e : fs::recursive_directory_iterator(p)) (void)!lchown(e.path().c_str(), uid, gid);
}

double metrics_total(const Component& c) {
  const auto r = http_get(c.spawn.netns, c.host, c.monitor_port, "/metrics", 1000ms);
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
    if (sp != std::string::npos) total += std::atof(line.c_str() + sp + 1);
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

std::uintmax_t file_size_or0(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

std::string read_from(const fs::path& p, std::uintmax_t offset) {
  std::ifstream in(p, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tail_lines(const fs::path& p, int n) {
  const std::string text = read_file(p);
  std::size_t pos = text.size();
  int count = 0;
  while (pos > 0 && count <= n) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
    ++count;
  }
  return text.substr(pos + 1);
}

}  // namespace

Supervisor::Supervisor(Topology topo, UpOptions opts)
    : topo_(std::move(topo)), opts_(std::move(opts)) {
  if (!opts_.db_override.empty()) topo_.database = opts_.db_override;
  state_ = topo_.state_dir;
  logs_ = state_ / "logs";
  run_dir_ = state_ / "run";
}

Supervisor::~Supervisor() {
  if (control_fd_ >= 0) close(control_fd_);
  if (net_) net_->teardown();  // a no-op when run() already tore it down
}

Component* Supervisor::find(const std::string& name) {
  for (auto& c : comps_)
    if (c->name == name) return c.get();
  return nullptr;
}

// ---------------------------------------------------------------- preparing

void Supervisor::prepare() {
  for (const auto& d : {state_, logs_, run_dir_, state_ / "nginx", state_ / "secrets",
                        state_ / "releases", state_ / "db", state_ / "media"})
    fs::create_directories(d);
  fs::permissions(state_ / "secrets", fs::perms::owner_all, fs::perm_options::replace);

  lock_fd_ = open((state_ / "tierstack.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0 || flock(lock_fd_, LOCK_EX | LOCK_NB) != 0)
    throw std::runtime_error("another tierstack is running on " + state_.string() +
                             " (tierstack down, or tierstack status)");
  write_file(state_ / "tierstack.pid", std::to_string(getpid()) + "\n");

  const auto sock = (state_ / "control.sock").string();
  if (sock.size() >= sizeof(sockaddr_un::sun_path))
    throw std::runtime_error("state directory path too long for a control socket: " + sock);
  fs::remove(sock);
  control_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, sock.c_str(), sizeof addr.sun_path - 1);
  if (control_fd_ < 0 || bind(control_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(control_fd_, 8) != 0)
    throw std::runtime_error("cannot listen on " + sock + ": " + std::strerror(errno));
  chmod(sock.c_str(), 0600);
}

void Supervisor::build_components() {
  const fs::path bin_dir =
      topo_.bin_dir.empty() ? fs::read_symlink("/proc/self/exe").parent_path() : topo_.bin_dir;
  std::vector<const AppTier*> apps;
  for (const auto& a : topo_.apps) {
    if (fs::exists(bin_dir / a.name)) {
      apps.push_back(&a);
    } else if (a.optional) {
      notes_.push_back(a.name + ": skipped — " + (bin_dir / a.name).string() +
                       " does not exist (build it, then run tierstack up again)");
    } else {
      throw std::runtime_error((bin_dir / a.name).string() + " does not exist (build it first)");
    }
  }
  // How many ports to choose.
  std::size_t n = 0;
  const std::size_t zones = topo_.zones.size();
  for (auto* a : apps)
    n += 2 * zones * static_cast<std::size_t>(a->per_zone) + zones * topo_.web_per_zone + 1;
  n += 4;  // the load balancer's main port, node exporter, Prometheus, the database standby
  auto pool = free_ports(n);
  std::size_t next = 0;
  auto pick = [&](std::uint16_t fixed, int offset) -> std::uint16_t {
    const auto p = pool.at(next++);
    return fixed ? static_cast<std::uint16_t>(fixed + offset) : p;
  };

  // With --isolated each component runs in its subnet's namespace, on its address.
  auto place = [&](Component& c, const std::string& subnet) {
    if (!net_) return;
    c.host = net_->subnet(subnet).address;
    c.spawn.netns = net_->subnet(subnet).netns;
  };
  const std::string stamp = std::to_string(std::time(nullptr));
  const auto pg_user = system_user("postgres");
  const auto prom_user = system_user("prometheus");

  if (topo_.database == "postgres") {
    auto c = std::make_unique<Component>();
    c->name = "postgres";
    c->kind = Kind::postgres;
    c->tier = "db";
    c->port = pick(topo_.database_port, 0);
    place(*c, "data");
    const auto bindir = postgres_bindir();
    const auto dir = state_ / "postgres";
    c->spawn.argv = {bindir + "/postgres", "-D", (dir / "data").string(), "-p",
                     std::to_string(c->port), "-k", (dir / "run").string(), "-c",
                     "listen_addresses=" + c->host, "-c", "max_connections=200", "-c",
                     // A commit is acknowledged once it is on the standby too (pg_cluster.cpp).
                     "synchronous_commit=on"};
    if (pg_user) {
      c->spawn.uid = pg_user->first;
      c->spawn.gid = pg_user->second;
    }
    if (net_)
      c->spawn.argv.insert(c->spawn.argv.end(),
                           {"-c", "hba_file=" + (dir / "pg_hba.conf").string()});
    c->stop_signal = SIGINT;  // fast shutdown
    c->stop_timeout = std::chrono::seconds(30);
    for (auto* a : apps)
      db_urls_[a->name] =
          "postgresql://tierstack@" + c->host + ":" + std::to_string(c->port) + "/" + a->name;
    start_order_.push_back(c->name);
    comps_.push_back(std::move(c));
    add_db_standby(pick(topo_.database_port, 1));  // pg_cluster.cpp
  } else {
    for (auto* a : apps)
      db_urls_[a->name] = "sqlite://" + (state_ / "db" / (a->name + ".db")).string();
  }

  // The load balancer is placed first: its address and ports are every
  // app's public URL. It starts last (start_order_ below).
  auto lb = std::make_unique<Component>();
  lb->name = "lb";
  lb->kind = Kind::lb;
  lb->tier = "lb";
  place(*lb, "lb");
  for (auto* a : apps) lb->app_ports[a->name] = pick(a->lb_port, 0);
  lb->port = lb->app_ports.at(apps.front()->name);

  for (auto* a : apps) {
    // Each release is a copy, so rebuilding in place never changes a running
    // instance and a rollback has the previous binary to go back to.
    const auto rel_dir = state_ / "releases" / a->name / stamp;
    fs::create_directories(rel_dir);
    fs::copy_file(bin_dir / a->name, rel_dir / a->name, fs::copy_options::overwrite_existing);
    std::string secret;
    if (const char* env = std::getenv((a->env_prefix + "_SECRET_KEY").c_str()); env && *env) {
      secret = env;
    } else {
      const auto key_file = state_ / "secrets" / (a->name + ".key");
      if (!fs::exists(key_file)) write_file(key_file, random_hex(32) + "\n", 0600);
      secret = read_file(key_file);
      while (!secret.empty() && (secret.back() == '\n' || secret.back() == ' ')) secret.pop_back();
    }
    int index = 0;
    for (const auto& zone : topo_.zones) {
      for (int i = 0; i < a->per_zone; ++i, ++index) {
        auto c = std::make_unique<Component>();
        c->name = a->name + "-" + zone + (a->per_zone > 1 ? std::to_string(i + 1) : "");
        c->kind = Kind::app;
        c->tier = "app";
        c->zone = zone;
        c->app = a->name;
        c->port = pick(a->port, index);
        c->monitor_port = pick(a->monitor_port, index);
        place(*c, "priv-" + zone);
        c->release = stamp;
        c->stop_timeout = 25s;
        const auto& p = a->env_prefix;
        c->spawn.argv = {(rel_dir / a->name).string(), "serve"};
        c->spawn.cwd = state_;
        c->spawn.env = {
            {p + "_LISTEN", c->host + ":" + std::to_string(c->port)},
            {p + "_MONITOR_LISTEN", c->host + ":" + std::to_string(c->monitor_port)},
            {p + "_PORT_FILE", (run_dir_ / (c->name + ".ports")).string()},
            {p + "_TRUST_PROXY_HOPS", std::to_string(kLocalProxyHops)},
            {p + "_PUBLIC_URL",
             "http://" + lb->host + ":" + std::to_string(lb->app_ports.at(a->name))},
            {p + "_DATABASE_URL", db_urls_[a->name]},
            {p + "_AUTO_MIGRATE", "false"},
            {p + "_SECRET_KEY", secret},
            {p + "_MEDIA_DIR", (state_ / "media" / a->name).string()},
            {p + "_DRAIN_TIMEOUT_MS", "10000"},
        };
        if (!a->payment_gateway.empty()) {
          c->spawn.env[p + "_PAYMENT_GATEWAY"] = a->payment_gateway;
          if (a->payment_gateway == "sandbox") c->spawn.env[p + "_ALLOW_SANDBOX"] = "true";
        }
        for (const auto& [k, v] : a->env) c->spawn.env[k] = v;
        start_order_.push_back(c->name);
        comps_.push_back(std::move(c));
      }
    }
  }

  for (const auto& zone : topo_.zones) {
    for (int i = 0; i < topo_.web_per_zone; ++i) {
      auto c = std::make_unique<Component>();
      c->name = "web-" + zone + (topo_.web_per_zone > 1 ? std::to_string(i + 1) : "");
      c->kind = Kind::web;
      c->tier = "web";
      c->zone = zone;
      place(*c, "pub-" + zone);
      for (auto* a : apps) c->app_ports[a->name] = pick(a->web_port, i);
      // The main port is the first app's in the topology (the store), as for the
      // balancer; app_ports is ordered by name, so its first entry is not that.
      c->port = c->app_ports.at(apps.front()->name);
      c->stop_signal = SIGQUIT;  // graceful
      c->stop_timeout = std::chrono::seconds(15);
      start_order_.push_back(c->name);
      comps_.push_back(std::move(c));
    }
  }
  lb->stop_signal = SIGQUIT;
  lb->stop_timeout = std::chrono::seconds(15);  // cppcheck: see the top
  start_order_.push_back(lb->name);
  comps_.push_back(std::move(lb));
  for (auto& c : comps_) {
    if (c->kind != Kind::web && c->kind != Kind::lb) continue;
    const auto dir = state_ / "nginx" / c->name;
    c->spawn.argv = {"/usr/sbin/nginx",
                     "-p",
                     dir.string(),
                     "-c",
                     (dir / "nginx.conf").string(),
                     "-e",
                     (logs_ / (c->name + ".error.log")).string()};
  }
  {
    auto c = std::make_unique<Component>();
    c->name = "node-exporter";
    c->kind = Kind::node_exporter;
    c->tier = "monitoring";
    c->port = pick(topo_.node_exporter_port, 0);
    place(*c, "mon");
    c->spawn.argv = {"/usr/bin/prometheus-node-exporter",
                     "--web.listen-address=" + c->host + ":" + std::to_string(c->port),
                     "--collector.textfile.directory=" + (state_ / "run").string()};
    if (prom_user) {
      c->spawn.uid = prom_user->first;
      c->spawn.gid = prom_user->second;
    }
    start_order_.push_back(c->name);
    comps_.push_back(std::move(c));
  }
  {
    auto c = std::make_unique<Component>();
    c->name = "prometheus";
    c->kind = Kind::prometheus;
    c->tier = "monitoring";
    c->port = pick(topo_.prometheus_port, 0);
    place(*c, "mon");
    const auto dir = state_ / "prometheus";
    c->spawn.argv = {"/usr/bin/prometheus", "--config.file=" + (dir / "prometheus.yml").string(),
                     "--storage.tsdb.path=" + (dir / "data").string(),
                     "--storage.tsdb.retention.time=2d",
                     "--web.listen-address=" + c->host + ":" + std::to_string(c->port)};
    // The dashboards page (web/dashboard): same origin as the API it queries.
    if (fs::exists(topo_.dashboards / "index.html"))
      c->spawn.argv.push_back("--web.user-assets=" + topo_.dashboards.string());
    else
      notes_.push_back("dashboards: no build at " + topo_.dashboards.string() +
                       " (npm run build in web/dashboard)");
    c->spawn.cwd = dir;
    if (prom_user) {
      c->spawn.uid = prom_user->first;
      c->spawn.gid = prom_user->second;
    }
    start_order_.push_back(c->name);
    comps_.push_back(std::move(c));
  }
  for (auto& c : comps_) c->spawn.log_file = logs_ / (c->name + ".log");
}

void Supervisor::render_configs() {
  const auto tdir = topo_.nginx_templates;
  const auto proxy_conf = (tdir / "proxy.conf").string();
  const auto main_t = read_file(tdir / "nginx.conf.tmpl");
  const auto lb_t = read_file(tdir / "lb-server.conf.tmpl");
  const auto spa_t = read_file(tdir / "web-spa-server.conf.tmpl");
  const auto loc_t = read_file(tdir / "web-proxy-location.conf.tmpl");
  const auto prx_t = read_file(tdir / "web-proxy-server.conf.tmpl");
  if (main_t.empty() || lb_t.empty())
    throw std::runtime_error("nginx templates not found in " + tdir.string());

  for (auto& c : comps_) {
    if (c->kind != Kind::web && c->kind != Kind::lb) continue;
    const auto dir = state_ / "nginx" / c->name;
    fs::create_directories(dir / "temp");
    std::string servers;
    for (const auto& a : topo_.apps) {
      if (!c->app_ports.count(a.name)) continue;
      const std::map<std::string, std::string> base = {
          {"app", a.name},
          {"url_name", a.lb_name},
          {"listen", c->host + ":" + std::to_string(c->app_ports.at(a.name))},
          {"proxy_conf", proxy_conf}};
      if (c->kind == Kind::lb) {
        auto v = base;
        v["upstream"] = "web_" + a.name;
        servers += render(lb_t, v, "lb-server.conf.tmpl");
      } else if (!a.static_root.empty() && fs::exists(fs::path(a.static_root) / "index.html")) {
        std::string locs;
        for (const auto& path : a.proxy_paths)
          locs += render(
              loc_t, {{"path", path}, {"upstream", "app_" + a.name}, {"proxy_conf", proxy_conf}},
              "web-proxy-location.conf.tmpl");
        auto v = base;
        v["static_root"] = a.static_root;
        v["proxy_locations"] = locs;
        servers += render(spa_t, v, "web-spa-server.conf.tmpl");
      } else {
        if (!a.static_root.empty() && c->name == "web-" + topo_.zones.front())
          notes_.push_back(a.name + ": no front-end build at " + a.static_root +
                           " — the web tier proxies every path to the app");
        auto v = base;
        v["upstream"] = "app_" + a.name;
        servers += render(prx_t, v, "web-proxy-server.conf.tmpl");
      }
    }
    const std::map<std::string, std::string> vars = {
        {"worker_processes", std::to_string(topo_.nginx_workers)},
        {"pid_file", (dir / "nginx.pid").string()},
        {"error_log", (logs_ / (c->name + ".error.log")).string()},
        {"access_log",
         (logs_ / (c->name + ".access.log")).string() + " tierstack buffer=32k flush=1s"},
        {"temp_dir", (dir / "temp").string()},
        {"upstreams_file",
         (state_ / "nginx" / (c->kind == Kind::lb ? "lb-upstreams.conf" : "app-upstreams.conf"))
             .string()},
        {"servers", servers}};
    write_file(dir / "nginx.conf", render(main_t, vars, "nginx.conf.tmpl"));
  }

  // Prometheus.
  const auto pdir = state_ / "prometheus";
  fs::create_directories(pdir / "data");
  std::string scrape;
  std::map<std::string, std::string> jobs;
  for (auto& c : comps_) {
    if (c->kind != Kind::app) continue;
    jobs[c->app] += "      - targets: [\"" + c->host + ":" + std::to_string(c->monitor_port) +
                    "\"]\n        labels: {app: " + c->app + ", tier: app, zone: \"" + c->zone +
                    "\", instance: " + c->name + "}\n";
  }
  for (const auto& [app, targets] : jobs)
    scrape +=
        "  - job_name: " + app + "\n    metrics_path: /metrics\n    static_configs:\n" + targets;
  for (auto& c : comps_) {
    if (c->kind == Kind::node_exporter)
      scrape += "  - job_name: node\n    static_configs:\n      - targets: [\"" + c->host + ":" +
                std::to_string(c->port) +
                "\"]\n        labels: {app: node, tier: host, instance: local}\n";
    if (c->kind == Kind::prometheus)
      scrape += "  - job_name: prometheus\n    static_configs:\n      - targets: [\"" + c->host +
                ":" + std::to_string(c->port) +
                "\"]\n        labels: {app: prometheus, tier: monitoring}\n";
  }
  std::string rules = "  []";
  if (!topo_.prometheus_rules.empty() && fs::exists(topo_.prometheus_rules))
    rules = "  - " + (topo_.prometheus_rules / "*.yml").string();
  const auto interval = topo_.scrape_interval;
  write_file(pdir / "prometheus.yml", render(read_file(topo_.prometheus_template),
                                             {{"scrape_interval", interval},
                                              {"scrape_timeout", interval},
                                              {"rule_files", rules},
                                              {"scrape_configs", scrape}},
                                             "prometheus template"));
  if (auto u = system_user("prometheus")) chown_tree(pdir, u->first, u->second);

  std::lock_guard lk(mu_);
  update_pools_locked();
}

std::vector<Allow> Supervisor::security_groups() const {
  // deployment.md: load balancer from anywhere; web tier only from the load
  // balancer; app tier only from the web tier (and monitoring on the metrics
  // port); database only from the app tier. The operator link (this host)
  // counts as the internet, plus Prometheus's UI (a bastion's view).
  Allow internet{"internet -> load balancer", {"inet", "operator"}, {}};
  Allow ops{"operator -> prometheus", {"operator"}, {}};
  Allow lb_web{"load balancer -> web tier", {"lb"}, {}};
  Allow web_app{"web tier -> app tier", {}, {}};
  Allow mon_app{"monitoring -> app tier metrics", {"mon"}, {}};
  Allow app_db{"app tier -> database", {}, {}};
  for (const auto& z : topo_.zones) {
    web_app.from.push_back("pub-" + z);
    app_db.from.push_back("priv-" + z);
  }
  for (auto& c : comps_) {
    switch (c->kind) {
      case Kind::lb:
        for (auto& [app, port] : c->app_ports) internet.to.emplace_back(c->host, port);
        break;
      case Kind::web:
        for (auto& [app, port] : c->app_ports) lb_web.to.emplace_back(c->host, port);
        break;
      case Kind::app:
        web_app.to.emplace_back(c->host, c->port);
        mon_app.to.emplace_back(c->host, c->monitor_port);
        break;
      case Kind::postgres:
        app_db.to.emplace_back(c->host, c->port);
        break;
      case Kind::prometheus:
        ops.to.emplace_back(c->host, c->port);
        break;
      case Kind::node_exporter:
        break;  // scraped by Prometheus in its own subnet
    }
  }
  return {internet, ops, lb_web, web_app, mon_app, app_db};
}

// ---------------------------------------------------------------- processes

void Supervisor::start(Component& c) {
  if (c.kind == Kind::app) fs::remove(run_dir_ / (c.name + ".ports"));
  {
    std::ofstream log(c.spawn.log_file, std::ios::app);
    log << "=== tierstack " << now_text() << ": starting " << c.name
        << (c.release.empty() ? "" : " (release " + c.release + ")") << " ===\n";
  }
  c.pid = spawn(c.spawn);
  c.started = Clock::now();
  c.ready = false;
  c.restart_pending = false;
  write_state_locked();
}

void Supervisor::reap() {
  std::lock_guard lk(mu_);
  bool changed = false;
  for (auto& c : comps_) {
    if (c->pid <= 0) continue;
    int st = 0;
    if (waitpid(c->pid, &st, WNOHANG) != c->pid) continue;
    // What the process left in its group (nginx workers, PostgreSQL
    // backends) goes with it, so a restart finds its ports free.
    killpg(c->pid, SIGKILL);
    c->last_exit = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    c->pid = -1;
    c->ready = false;
    changed = true;
    if (!c->hold && !stopping_) {
      if (c->kind == Kind::postgres && db_primary_lost_locked(*c)) continue;  // a failover
      ++c->failures_in_row;
      const auto backoff = std::min<std::chrono::milliseconds>(
          200ms * (1 << std::min(c->failures_in_row - 1, 6)), 10s);
      c->restart_pending = true;
      c->restart_at = Clock::now() + backoff;
      std::cerr << now_text() << " " << c->name << " exited (status " << c->last_exit
                << "); restarting in " << backoff.count() << " ms\n";
    }
  }
  if (changed) {
    update_pools_locked();
    write_state_locked();
  }
}

void Supervisor::restart_due() {
  std::lock_guard lk(mu_);
  for (auto& c : comps_) {
    if (!c->restart_pending || c->hold || stopping_ || Clock::now() < c->restart_at) continue;
    try {
      start(*c);
      ++c->restarts;
      std::cerr << now_text() << " " << c->name << " restarted (pid " << c->pid << ")\n";
    } catch (const std::exception& e) {
      c->restart_at = Clock::now() + 1s;
      std::cerr << now_text() << " " << c->name << ": restart failed: " << e.what() << "\n";
    }
  }
}

void Supervisor::poll_readiness() {
  // With --isolated the probes run inside each component's namespace (as an
  // agent on its host would), so they need no hole in the firewall.
  struct Probe {
    Component* c;
    Kind kind;
    std::string netns, host;
    std::uint16_t port;
    bool ready = false;
  };
  std::vector<Probe> probes;
  {
    std::lock_guard lk(mu_);
    for (auto& c : comps_)
      if (c->pid > 0)
        probes.push_back({c.get(), c->kind, c->spawn.netns, c->host,
                          c->kind == Kind::app ? c->monitor_port : c->port});
  }
  for (auto& p : probes) {
    auto get = [&p](const char* path) {
      return http_get(p.netns, p.host, p.port, path, 300ms).status == 200;
    };
    switch (p.kind) {
      case Kind::app:
        p.ready = get("/readyz");
        break;
      case Kind::web:
      case Kind::lb:
        p.ready = get("/__tierstack/health");
        break;
      case Kind::prometheus:
        p.ready = get("/-/ready");
        break;
      case Kind::node_exporter:
        p.ready = get("/");
        break;
      case Kind::postgres: {
        const auto conn = "host=" + p.host + " port=" + std::to_string(p.port) +
                          " user=tierstack dbname=postgres connect_timeout=1";
        in_netns(p.netns, [&] { p.ready = PQping(conn.c_str()) == PQPING_OK; });
        break;
      }
    }
  }
  std::lock_guard lk(mu_);
  bool changed = false;
  for (auto& p : probes) {
    if (p.c->pid <= 0 || p.c->ready == p.ready) continue;
    p.c->ready = p.ready;
    if (p.ready) p.c->failures_in_row = 0;
    changed = true;
    if (!p.ready) std::cerr << now_text() << " " << p.c->name << " is not ready\n";
    // An nginx that came up while the pool file changed may have read an
    // older version: one reload makes sure.
    if (p.ready && (p.kind == Kind::web || p.kind == Kind::lb)) kill(p.c->pid, SIGHUP);
  }
  if (changed) update_pools_locked();
}

std::vector<pid_t> Supervisor::update_pools_locked() {
  std::string app_text, lb_text;
  std::vector<std::string> apps;
  for (const auto& a : topo_.apps)
    for (auto& c : comps_)
      if (c->kind == Kind::app && c->app == a.name) {
        apps.push_back(a.name);
        break;
      }
  // Web → app: nginx's passive check takes a failing instance out for 2 s.
  // Load balancer → web: no passive check (max_fails=0). A web-tier reload
  // closes the balancer's idle keep-alive connections, and a request that
  // meets such a closed connection is retried on the other web instance; a
  // failure count of 1 would take both out for a moment and answer 502
  // ("no live upstreams"). tierstack's readiness polling is the health check.
  auto block = [](const std::string& name, const std::vector<std::string>& servers,
                  const char* check) {
    std::string s = "upstream " + name + " {\n";
    for (auto& a : servers) s += "  server " + a + " " + check + ";\n";
    return s + "  keepalive 32;\n}\n";
  };
  for (const auto& app : apps) {
    std::vector<std::string> ready, all;
    for (auto& c : comps_) {
      if (c->kind != Kind::app || c->app != app) continue;
      const auto addr = c->host + ":" + std::to_string(c->port);
      all.push_back(addr);
      if (c->pid > 0 && c->ready && !c->out_of_pool) ready.push_back(addr);
    }
    // An upstream needs a server; with none ready, list all and let nginx's
    // passive checks find one that answers.
    app_text += block("app_" + app, ready.empty() ? all : ready, "max_fails=1 fail_timeout=2s");
    std::vector<std::string> wready, wall;
    for (auto& c : comps_) {
      if (c->kind != Kind::web) continue;
      const auto addr = c->host + ":" + std::to_string(c->app_ports.at(app));
      wall.push_back(addr);
      if (c->pid > 0 && c->ready && !c->out_of_pool) wready.push_back(addr);
    }
    lb_text += block("web_" + app, wready.empty() ? wall : wready, "max_fails=0");
  }
  std::vector<pid_t> replaced;
  auto apply = [&](const std::string& text, std::string& last, const char* file, Kind kind) {
    if (text == last) return;
    const std::string header = "# Written by tierstack: the ready instances only.\n";
    write_file(state_ / "nginx" / file, header + text);
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
  apply(app_text, app_upstreams_, "app-upstreams.conf", Kind::web);
  apply(lb_text, lb_upstreams_, "lb-upstreams.conf", Kind::lb);
  return replaced;
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

bool Supervisor::tick(std::chrono::milliseconds wait) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&set, s);
  timespec ts{static_cast<time_t>(wait.count() / 1000),
              static_cast<long>(wait.count() % 1000) * 1000000L};
  const int sig = sigtimedwait(&set, nullptr, &ts);
  if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
    std::cerr << now_text() << " signal " << sig << ": stopping everything\n";
    stopping_ = true;
  }
  reap();
  if (Clock::now() >= next_poll_) {
    poll_readiness();
    next_poll_ = Clock::now() + 500ms;
  }
  restart_due();
  return !stopping_;
}

bool Supervisor::wait_ready(const std::vector<std::string>& names, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  next_poll_ = Clock::now();
  while (tick(50ms)) {
    {
      std::lock_guard lk(mu_);
      bool all = true;
      for (auto& n : names) all = all && find(n)->ready;
      if (all) return true;
    }
    if (Clock::now() > deadline) return false;
    next_poll_ = std::min(next_poll_, Clock::now() + 100ms);  // poll faster while starting
  }
  return false;
}

void Supervisor::stop_group(const std::vector<Component*>& group) {
  {
    std::lock_guard lk(mu_);
    for (auto* c : group) {
      c->hold = true;
      c->restart_pending = false;
      if (c->pid > 0) kill(c->pid, c->stop_signal);
    }
  }
  std::chrono::seconds longest{0};
  for (auto* c : group) longest = std::max(longest, c->stop_timeout);
  const auto deadline = Clock::now() + longest;
  for (;;) {
    reap();
    bool any = false;
    {
      std::lock_guard lk(mu_);
      for (auto* c : group) any = any || c->pid > 0;
      if (!any) return;
      if (Clock::now() > deadline) {
        for (auto* c : group)
          if (c->pid > 0) {
            std::cerr << now_text() << " " << c->name << " did not stop in time: SIGKILL\n";
            killpg(c->pid, SIGKILL);
          }
      }
    }
    std::this_thread::sleep_for(20ms);
  }
}

void Supervisor::stop_all() {
  // Reverse start order, one tier at a time (both zones together).
  std::vector<std::vector<Component*>> tiers;
  std::string last;
  for (auto it = start_order_.rbegin(); it != start_order_.rend(); ++it) {
    Component* c = find(*it);
    const std::string key = c->tier == "monitoring" ? "monitoring" : c->tier;
    if (tiers.empty() || key != last) tiers.emplace_back();
    tiers.back().push_back(c);
    last = key;
  }
  for (auto& group : tiers) stop_group(group);
}

// ---------------------------------------------------------------- up

bool Supervisor::run_migrations(const std::string& app, const std::string& binary, const Out& out) {
  Component* inst = nullptr;
  for (auto& c : comps_)
    if (c->kind == Kind::app && c->app == app) inst = c.get();
  SpawnOptions o = inst->spawn;
  o.argv = {binary, "migrate"};
  o.log_file = logs_ / ("migrate-" + app + ".log");
  const int rc = run_to_end(o, 120s);
  if (rc != 0) {
    out(app + " migrate failed (status " + std::to_string(rc) + "):\n" +
        tail_lines(o.log_file, 10));
    return false;
  }
  out(app + ": migrations applied once (" + o.log_file.string() + ")");
  for (const auto& a : topo_.apps) {
    if (a.name != app || !a.seed) continue;
    o.argv = {binary, "seed"};
    const int src = run_to_end(o, 120s);
    if (src != 0) out(app + " seed exited with status " + std::to_string(src) + " (see log)");
  }
  return true;
}

void Supervisor::start_database() {
  Component* pg = db_primary();  // the one a failover left as primary
  if (!pg) return;
  const auto dir = state_ / "postgres";
  const auto node = state_ / pg->name;
  fs::create_directories(dir / "run");
  fs::create_directories(node / "run");
  if (net_) {
    // initdb's own pg_hba.conf trusts loopback only; with --isolated the apps
    // connect from their private subnets (the firewall admits nobody else),
    // tierstack's probes from the database's own subnet.
    std::string hba =
        "# Written by tierstack up --isolated.\nlocal all all trust\n"
        "host all all 127.0.0.1/32 trust\nhost all all " +
        net_->subnet("data").cidr + " trust\n" +
        // The standby (pg_cluster.cpp), pg_basebackup and pg_receivewal (backup.cpp)
        // stream from the primary in the same subnet.
        "host replication all 127.0.0.1/32 trust\nhost replication all " +
        net_->subnet("data").cidr + " trust\n";
    for (const auto& z : topo_.zones)
      hba += "host all all " + net_->subnet("priv-" + z).cidr + " trust\n";
    write_file(dir / "pg_hba.conf", hba, 0600);
  }
  const auto pg_user = system_user("postgres");
  if (pg_user) chown_tree(dir, pg_user->first, pg_user->second);
  if (pg_user) chown_tree(node, pg_user->first, pg_user->second);
  if (!fs::exists(node / "data" / "PG_VERSION")) {
    SpawnOptions o;
    o.argv = {fs::path(pg->spawn.argv[0]).parent_path().string() + "/initdb",
              "-D",
              (node / "data").string(),
              "-U",
              "tierstack",
              "--auth=trust",
              "-E",
              "UTF8",
              "--locale=C.UTF-8"};
    o.log_file = logs_ / "initdb.log";
    o.uid = pg->spawn.uid;
    o.gid = pg->spawn.gid;
    if (run_to_end(o, 120s) != 0)
      throw std::runtime_error("initdb failed:\n" + tail_lines(o.log_file, 10));
  }
  {
    std::lock_guard lk(mu_);
    start(*pg);
  }
  if (!wait_ready({pg->name}, 60s))
    throw std::runtime_error("PostgreSQL did not start:\n" + tail_lines(pg->spawn.log_file, 10));
  const auto conninfo =
      "host=" + pg->host + " port=" + std::to_string(pg->port) + " user=tierstack dbname=postgres";
  PGconn* conn = nullptr;
  in_netns(pg->spawn.netns, [&] { conn = PQconnectdb(conninfo.c_str()); });
  for (const auto& [app, url] : db_urls_) {
    const auto q = "SELECT 1 FROM pg_database WHERE datname = '" + app + "'";
    PGresult* r = PQexec(conn, q.c_str());
    const bool exists = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    PQclear(r);
    if (!exists) {
      r = PQexec(conn, ("CREATE DATABASE \"" + app + "\"").c_str());
      if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        const std::string err = PQerrorMessage(conn);
        PQclear(r);
        PQfinish(conn);
        throw std::runtime_error("CREATE DATABASE " + app + ": " + err);
      }
      PQclear(r);
    }
  }
  PQfinish(conn);
}

std::string Supervisor::urls() const {
  std::string s;
  for (auto& c : comps_) {
    if (c->kind == Kind::lb)
      for (const auto& a : topo_.apps)
        if (c->app_ports.count(a.name))
          s += "  " + a.lb_name +
               std::string(12 - std::min<std::size_t>(11, a.lb_name.size()), ' ') + "http://" +
               c->host + ":" + std::to_string(c->app_ports.at(a.name)) + "/\n";
    if (c->kind == Kind::prometheus) {
      s += "  prometheus  http://" + c->host + ":" + std::to_string(c->port) + "/\n";
      if (fs::exists(topo_.dashboards / "index.html"))
        s += "  dashboards  http://" + c->host + ":" + std::to_string(c->port) + "/user/\n";
    }
  }
  return s;
}

std::string Supervisor::status_table(bool with_rates) {
  struct Row {
    Component* c;
    double rate = -1;
  };
  std::vector<Row> rows;
  {
    std::lock_guard lk(mu_);
    for (auto& name : start_order_) rows.push_back({find(name)});
  }
  if (with_rates) {
    bool need_second = false;
    std::map<Component*, std::pair<double, Clock::time_point>> now;
    for (auto& r : rows) {
      if (r.c->kind != Kind::app || r.c->pid <= 0) continue;
      now[r.c] = {metrics_total(*r.c), Clock::now()};
      if (r.c->last_total < 0 || seconds_since(r.c->last_scrape) > 60) need_second = true;
    }
    if (need_second) {
      for (auto& [c, v] : now) {
        c->last_total = v.first;
        c->last_scrape = v.second;
      }
      std::this_thread::sleep_for(1s);
      for (auto& [c, v] : now) v = {metrics_total(*c), Clock::now()};
    }
    for (auto& r : rows) {
      auto it = now.find(r.c);
      if (it == now.end() || it->second.first < 0) continue;
      const double dt = std::chrono::duration<double>(it->second.second - r.c->last_scrape).count();
      if (r.c->last_total >= 0 && dt > 0 && it->second.first >= r.c->last_total)
        r.rate = (it->second.first - r.c->last_total) / dt;
      r.c->last_total = it->second.first;
      r.c->last_scrape = it->second.second;
    }
  }
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
  for (auto& r : rows) {
    auto* c = r.c;
    std::string port = std::to_string(c->port);
    if (c->kind == Kind::app) port += "/" + std::to_string(c->monitor_port);
    if (c->app_ports.size() > 1) {
      port.clear();
      for (auto& [a, p] : c->app_ports) port += (port.empty() ? "" : ",") + std::to_string(p);
    }
    const std::string state = c->pid <= 0 ? (c->restart_pending ? "down*" : "down")
                                          : (c->ready ? (c->out_of_pool ? "drain" : "yes") : "no");
    char rate[32] = "-";
    if (r.rate >= 0) std::snprintf(rate, sizeof rate, "%.1f", r.rate);
    std::snprintf(line, sizeof line, "%-14s %-4s %-10s %-8s %-12s %-6s %-8d %-8s %8s\n",
                  c->name.c_str(), c->zone.empty() ? "-" : c->zone.c_str(), c->tier.c_str(),
                  c->pid > 0 ? std::to_string(c->pid).c_str() : "-", port.c_str(), state.c_str(),
                  c->restarts, c->pid > 0 ? uptime_text(c->started).c_str() : "-", rate);
    s << where(line, c->host, c->spawn.netns);
  }
  return s.str();
}

int Supervisor::run(const std::function<void(const std::string&, bool)>& on_ready) {
  std::ostringstream log;
  auto out = [&](const std::string& line) {
    std::cerr << now_text() << " " << line << "\n";
    log << line << "\n";
  };
  bool prepared = false;
  try {
    prepare();
    prepared = true;
    if (opts_.isolated) {
      net_ = std::make_unique<IsolatedNet>(state_, topo_.zones);
      net_->create(out);
    }
    build_components();
    if (net_) net_->apply_rules(security_groups());
    render_configs();
    out("state directory " + state_.string() + "; database " + topo_.database +
        (net_ ? "; isolated subnets" : ""));
    start_database();
    start_db_standby();  // pg_cluster.cpp
    {
      // WAL shipping starts before the apps write (backups once ready).
      BackupSchedule::Postgres pg;
      BackupSchedule::Hooks hooks;
      if (Component* db = db_primary()) {
        pg = {db->host, db->port, db->spawn.netns};
        // pg_receivewal follows the primary and is a synchronous member
        // whose membership pg_cluster.cpp manages.
        hooks.primary = [this] {
          std::lock_guard lk(mu_);
          Component* p = db_primary();
          return BackupSchedule::Postgres{p->host, p->port, p->spawn.netns};
        };
        hooks.sync_member = [this](const std::string& n, bool on) { db_sync_member(n, on); };
      }
      backups_ = std::make_unique<BackupSchedule>(topo_, topo_.database, pg, hooks);
    }
    for (auto& [app, url] : db_urls_) {
      std::string binary;
      for (auto& c : comps_)
        if (c->kind == Kind::app && c->app == app) binary = c->spawn.argv[0];
      if (!run_migrations(app, binary, out)) throw std::runtime_error("migrations failed");
    }
    auto phase = [&](const std::vector<Kind>& kinds, std::chrono::seconds timeout) {
      std::vector<std::string> names;
      {
        std::lock_guard lk(mu_);
        for (auto& n : start_order_) {
          Component* c = find(n);
          if (std::find(kinds.begin(), kinds.end(), c->kind) == kinds.end()) continue;
          start(*c);
          names.push_back(n);
        }
      }
      if (!wait_ready(names, timeout)) {
        if (stopping_) throw std::runtime_error("interrupted");
        std::string why;
        std::lock_guard lk(mu_);
        for (auto& n : names)
          if (!find(n)->ready)
            why += "\n" + n + " is not ready; last lines of " + find(n)->spawn.log_file.string() +
                   ":\n" + tail_lines(find(n)->spawn.log_file, 8);
        throw std::runtime_error("start-up failed:" + why);
      }
    };
    phase({Kind::app}, 30s);
    {
      std::lock_guard lk(mu_);
      update_pools_locked();
    }
    phase({Kind::web}, 20s);
    {
      std::lock_guard lk(mu_);
      update_pools_locked();
    }
    phase({Kind::lb}, 20s);
    phase({Kind::node_exporter, Kind::prometheus}, 60s);
  } catch (const std::exception& e) {
    out(std::string("tierstack up failed: ") + e.what());
    stopping_ = true;
    backups_.reset();
    if (prepared) stop_all();
    if (net_) net_->teardown();
    on_ready(log.str(), false);
    fs::remove(state_ / "control.sock");
    fs::remove(state_ / "tierstack.pid");
    fs::remove(state_ / "state.json");
    return 1;
  }
  std::string report = "\ntierstack is up (" + std::to_string(comps_.size()) +
                       " components, database " + topo_.database +
                       (net_ ? ", isolated subnets" : "") + ")\n\n" + urls() + "\n" +
                       status_table(false);
  if (net_)
    report += "\nisolated: " + net_->network() + " in namespaces " + netns_prefix(state_) +
              "*; this host reaches the load balancer and Prometheus through " +
              net_->operator_link() + "; a client on the internet side: ip netns exec " +
              net_->subnet("inet").netns + " curl http://" + find("lb")->host + ":" +
              std::to_string(find("lb")->port) + "/\n";
  for (auto& n : notes_) report += "note: " + n + "\n";
  report += "\nlogs: " + logs_.string() + "   stop: Ctrl-C or `tierstack down`\n";
  backups_->start_backups();
  on_ready(report, true);

  std::thread control([this] { control_loop(); });
  std::thread db_monitor([this] { db_monitor_loop(); });  // pg_cluster.cpp
  while (tick(100ms)) {
  }
  control.join();
  db_monitor.join();
  backups_.reset();  // pg_receivewal stops before the database does
  stop_all();
  if (net_) {
    const auto removed = net_->teardown();
    std::cerr << now_text() << " isolated network removed (" << removed.size()
              << " namespaces and links)\n";
  }
  std::cerr << now_text() << " everything stopped\n";
  fs::remove(state_ / "control.sock");
  fs::remove(state_ / "state.json");
  fs::remove(state_ / "tierstack.pid");
  for (auto& c : comps_)
    if (c->kind == Kind::app) fs::remove(run_dir_ / (c->name + ".ports"));
  return 0;
}

// ---------------------------------------------------------------- control

void Supervisor::control_loop() {
  while (!stopping_) {
    pollfd p{control_fd_, POLLIN, 0};
    if (poll(&p, 1, 200) != 1) continue;
    const int fd = accept4(control_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::string req;
    char buf[4096];
    while (req.find('\n') == std::string::npos) {
      pollfd q{fd, POLLIN, 0};
      if (poll(&q, 1, 2000) != 1) break;
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      req.append(buf, static_cast<size_t>(n));
    }
    auto out = [fd](const std::string& line) {
      const std::string l = line + "\n";
      (void)!send(fd, l.data(), l.size(), MSG_NOSIGNAL);
      std::cerr << now_text() << " " << line << "\n";
    };
    int rc = 2;
    try {
      rc = handle(req, out);
    } catch (const std::exception& e) {
      out(std::string("error: ") + e.what());
      rc = 1;
    }
    const std::string end = "\x1e" + std::to_string(rc) + "\n";
    (void)!send(fd, end.data(), end.size(), MSG_NOSIGNAL);
    close(fd);
  }
}

int Supervisor::handle(const std::string& request, const Out& out) {
  const auto v = boost::json::parse(request).as_object();
  const std::string cmd(v.at("cmd").as_string());
  std::map<std::string, std::string> args, env;
  if (auto* a = v.if_contains("args"))
    for (auto& [k, x] : a->as_object()) args[std::string(k)] = std::string(x.as_string());
  if (auto* e = v.if_contains("env"))
    for (auto& [k, x] : e->as_object()) env[std::string(k)] = std::string(x.as_string());
  if (cmd == "status") {
    out(status_table(true));
    if (ha_) out(db_roles());
    return 0;
  }
  if (cmd == "urls") {
    out(urls());
    return 0;
  }
  if (cmd == "deploy") return op_deploy(args, env, out);
  if (cmd == "kill-instance") {
    if (!find(args["name"])) {
      out("no instance named '" + args["name"] + "'");
      return 2;
    }
    return op_kill({args["name"]}, args["name"], out);
  }
  if (cmd == "kill-zone") {
    std::vector<std::string> names;
    for (auto& c : comps_)
      if (c->zone == args["zone"]) names.push_back(c->name);
    if (names.empty()) {
      out("no zone named '" + args["zone"] + "'");
      return 2;
    }
    return op_kill(names, "zone " + args["zone"], out);
  }
  if (cmd == "restart-db") return op_restart_db(out);
  if (cmd == "kill-db-primary") return op_kill_db_primary(args, out);
  if (cmd == "lose-db") return op_lose_db(args, out);
  out("unknown command " + cmd);
  return 2;
}

bool Supervisor::wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    {
      std::lock_guard lk(mu_);
      if (pred()) return true;
    }
    if (Clock::now() > deadline || stopping_) return false;
    std::this_thread::sleep_for(20ms);
  }
}

bool Supervisor::drain_out_of_pool(Component& c, const Out& out) {
  const auto t0 = Clock::now();
  std::vector<pid_t> old;
  {
    std::lock_guard lk(mu_);
    c.hold = true;
    if (c.out_of_pool) return true;
    c.out_of_pool = true;
    old = update_pools_locked();
  }
  // The reload is done when every worker that had the old pool has exited
  // (each finishes its in-flight requests first).
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  for (pid_t w : old)
    while (alive(w) && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
  out(c.name + ": out of the pool (web tier reloaded, " + std::to_string(old.size()) +
      " old nginx workers drained in " + fmt_secs(seconds_since(t0)) + ")");
  return true;
}

bool Supervisor::stop_one(Component& c, const Out& out) {
  const auto t0 = Clock::now();
  pid_t pid;
  {
    std::lock_guard lk(mu_);
    c.hold = true;
    c.restart_pending = false;
    pid = c.pid;
    if (pid <= 0) return true;
    kill(pid, c.stop_signal);
  }
  if (!wait_until([&] { return c.pid != pid; }, c.stop_timeout)) {
    killpg(pid, SIGKILL);
    wait_until([&] { return c.pid != pid; }, 5s);
    out(c.name + ": did not stop within " + std::to_string(c.stop_timeout.count()) + " s; killed");
    return false;
  }
  out(c.name + ": SIG" + std::string(sigabbrev_np(c.stop_signal)) +
      " → drained and exited (status " + std::to_string(c.last_exit) + ") in " +
      fmt_secs(seconds_since(t0)));
  return true;
}

bool Supervisor::replace_instance(Component& c, const SpawnOptions& spec,
                                  const std::string& release, std::chrono::seconds ready_timeout,
                                  const Out& out) {
  drain_out_of_pool(c, out);
  stop_one(c, out);
  const auto t0 = Clock::now();
  {
    std::lock_guard lk(mu_);
    c.spawn = spec;
    c.release = release;
    start(c);
  }
  out(c.name + ": started release " + release + " (pid " + std::to_string(c.pid) + ")");
  const bool ok = wait_until([&] { return c.ready || c.pid <= 0; }, ready_timeout) && c.ready;
  if (!ok) {
    out(c.name + ": release " + release +
        (c.pid <= 0 ? " exited with status " + std::to_string(c.last_exit) + " before getting ready"
                    : " not ready after " + std::to_string(ready_timeout.count()) + " s"));
    for (std::istringstream in(tail_lines(c.spawn.log_file, 4)); !in.eof();) {
      std::string l;
      std::getline(in, l);
      if (!l.empty()) out("    | " + l);
    }
    stop_one(c, out);
    return false;
  }
  {
    std::lock_guard lk(mu_);
    c.out_of_pool = false;
    c.hold = false;
    c.failures_in_row = 0;
    update_pools_locked();
  }
  out(c.name + ": ready in " + fmt_secs(seconds_since(t0)) + "; back in the pool");
  return true;
}

int Supervisor::op_deploy(const std::map<std::string, std::string>& args,
                          const std::map<std::string, std::string>& env, const Out& out) {
  const fs::path bin_dir =
      args.count("bin_dir") && !args.at("bin_dir").empty()
          ? fs::path(args.at("bin_dir"))
          : (topo_.bin_dir.empty() ? fs::read_symlink("/proc/self/exe").parent_path()
                                   : topo_.bin_dir);
  const auto ready_timeout =
      std::chrono::seconds(args.count("ready_timeout") ? std::stoi(args.at("ready_timeout")) : 20);
  std::vector<std::string> apps;
  for (auto& c : comps_)
    if (c->kind == Kind::app && std::find(apps.begin(), apps.end(), c->app) == apps.end() &&
        (!args.count("app") || args.at("app").empty() || args.at("app") == c->app))
      apps.push_back(c->app);
  if (apps.empty()) {
    out("nothing to deploy (no such app in this topology)");
    return 2;
  }
  const auto t_all = Clock::now();
  for (const auto& app : apps) {
    const auto src = bin_dir / app;
    if (!fs::exists(src)) {
      out(app + ": " + src.string() + " does not exist; nothing changed");
      return 1;
    }
    std::string stamp = std::to_string(std::time(nullptr));
    while (fs::exists(state_ / "releases" / app / stamp)) stamp += "x";
    const auto rel = state_ / "releases" / app / stamp;
    fs::create_directories(rel);
    fs::copy_file(src, rel / app, fs::copy_options::overwrite_existing);
    out(app + ": rolling out release " + stamp + " from " + src.string() +
        ", one instance at a time");
    if (!run_migrations(app, (rel / app).string(), out)) {
      out(app + ": migrations failed; no instance was touched");
      return 1;
    }
    struct Done {
      Component* c;
      SpawnOptions spec;
      std::string release;
    };
    std::vector<Done> done;
    std::vector<Component*> instances;
    for (auto& c : comps_)
      if (c->kind == Kind::app && c->app == app) instances.push_back(c.get());
    for (auto* c : instances) {
      Done before{c, c->spawn, c->release};
      SpawnOptions spec = c->spawn;
      spec.argv[0] = (rel / app).string();
      for (auto& [k, v] : env) spec.env[k] = v;
      if (replace_instance(*c, spec, stamp, ready_timeout, out)) {
        done.push_back(before);
        continue;
      }
      out(c->name + ": ROLLING BACK to release " + before.release);
      replace_instance(*c, before.spec, before.release, ready_timeout, out);
      for (auto it = done.rbegin(); it != done.rend(); ++it)
        replace_instance(*it->c, it->spec, it->release, ready_timeout, out);
      out("deploy of " + app + " FAILED: release " + stamp + " never became ready on " + c->name +
          "; rolled back, every instance runs release " + before.release + " again");
      return 1;
    }
    out(app + ": release " + stamp + " on every instance");
  }
  out("deploy finished in " + fmt_secs(seconds_since(t_all)));
  return 0;
}

int Supervisor::op_kill(const std::vector<std::string>& names, const std::string& what,
                        const Out& out) {
  // Where to look afterwards for what the balancers did.
  std::map<std::string, std::uintmax_t> offsets;
  for (auto& c : comps_)
    if (c->kind == Kind::web || c->kind == Kind::lb) {
      offsets[c->name + ".error.log"] = file_size_or0(logs_ / (c->name + ".error.log"));
      offsets[c->name + ".access.log"] = file_size_or0(logs_ / (c->name + ".access.log"));
    }
  std::map<std::string, pid_t> old;
  const auto t0 = Clock::now();
  {
    std::lock_guard lk(mu_);
    for (auto& n : names) {
      Component* c = find(n);
      if (c->pid <= 0) continue;
      old[n] = c->pid;
      killpg(c->pid, SIGKILL);  // the whole "host": master and workers
    }
  }
  for (auto& [n, pid] : old)
    out("drill: " + n + " (pid " + std::to_string(pid) + ") killed with SIGKILL");
  std::map<std::string, double> detected, restarted, ready;
  const auto deadline = Clock::now() + std::chrono::seconds(45);
  while (Clock::now() < deadline && !stopping_) {
    {
      std::lock_guard lk(mu_);
      for (auto& [n, pid] : old) {
        Component* c = find(n);
        if (!detected.count(n) && c->pid != pid) detected[n] = seconds_since(t0);
        if (!restarted.count(n) && c->pid > 0 && c->pid != pid) restarted[n] = seconds_since(t0);
        if (!ready.count(n) && c->pid > 0 && c->pid != pid && c->ready)
          ready[n] = seconds_since(t0);
      }
    }
    if (ready.size() == old.size()) break;
    std::this_thread::sleep_for(20ms);
  }
  for (auto& [n, pid] : old) {
    Component* c = find(n);
    out("supervisor: " + n + " exit noticed and taken out of the pool after " +
        (detected.count(n) ? fmt_secs(detected[n]) : "(never)") + "; restarted after " +
        (restarted.count(n) ? fmt_secs(restarted[n]) : "(never)") + " (pid " +
        std::to_string(c->pid) + "); ready and back in the pool after " +
        (ready.count(n) ? fmt_secs(ready[n]) : "(never)"));
  }
  std::this_thread::sleep_for(1200ms);  // nginx flushes its access log buffer every second
  for (auto& c : comps_) {
    if (c->kind != Kind::web && c->kind != Kind::lb) continue;
    const auto err = read_from(logs_ / (c->name + ".error.log"), offsets[c->name + ".error.log"]);
    int upstream_errors = 0;
    for (std::size_t p = 0; (p = err.find("upstream", p)) != std::string::npos;
         p = err.find('\n', p))
      ++upstream_errors;
    const auto acc = read_from(logs_ / (c->name + ".access.log"), offsets[c->name + ".access.log"]);
    int total = 0, failed = 0, retried = 0;
    std::istringstream in(acc);
    for (std::string line; std::getline(in, line);) {
      ++total;
      const auto q = line.find("\" ");
      if (q != std::string::npos && line.size() > q + 2 && line[q + 2] == '5') ++failed;
      const auto us = line.find("upstream_status=");
      if (us != std::string::npos && line.find(',', us) != std::string::npos) ++retried;
    }
    out(c->name + ": " + std::to_string(total) + " requests since the kill, " +
        std::to_string(retried) + " retried on the next upstream, " + std::to_string(failed) +
        " answered 5xx; " + std::to_string(upstream_errors) + " upstream errors logged");
  }
  const bool ok = ready.size() == old.size();
  out(std::string("drill ") + (ok ? "passed" : "FAILED") + ": " + what + " killed and " +
      (ok ? "restored" : "not restored") + " in " + fmt_secs(seconds_since(t0)));
  return ok ? 0 : 1;
}

int Supervisor::op_restart_db(const Out& out) {
  Component* pg = db_primary();
  if (!pg) {
    out("the database is SQLite (a file): there is no database server to restart; use tierstack up "
        "--db postgres");
    return 2;
  }
  std::map<std::string, pid_t> app_pids;
  std::vector<Component*> apps;
  for (auto& c : comps_)
    if (c->kind == Kind::app) {
      apps.push_back(c.get());
      app_pids[c->name] = c->pid;
    }
  const auto t0 = Clock::now();
  stop_one(*pg, out);
  out("drill: PostgreSQL stopped (fast shutdown) after " + fmt_secs(seconds_since(t0)));
  const bool saw_unready = wait_until(
      [&] { return std::all_of(apps.begin(), apps.end(), [](Component* c) { return !c->ready; }); },
      10s);
  out(saw_unready ? "apps report not ready (/readyz 503) after " + fmt_secs(seconds_since(t0))
                  : "apps still report ready 10 s after the database stopped");
  std::this_thread::sleep_for(1s);
  {
    std::lock_guard lk(mu_);
    pg->hold = false;
    start(*pg);
  }
  const auto t1 = Clock::now();
  wait_until([&] { return pg->ready; }, 30s);
  out("drill: PostgreSQL started again; ready after " + fmt_secs(seconds_since(t1)));
  const bool back = wait_until(
      [&] { return std::all_of(apps.begin(), apps.end(), [](Component* c) { return c->ready; }); },
      30s);
  bool same = true;
  for (auto* c : apps) same = same && c->pid == app_pids[c->name];
  out(std::string("apps ") + (back ? "ready again" : "NOT ready") + " " +
      fmt_secs(seconds_since(t1)) + " after the database came back; " +
      (same ? "no app was restarted" : "some app was restarted"));
  const bool ok = saw_unready && back && same;
  out(std::string("drill ") + (ok ? "passed" : "FAILED"));
  return ok ? 0 : 1;
}

}  // namespace tierstack
