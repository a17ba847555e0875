// Preparing a run: the state directory and its lock, the control socket,
// the component plan with the release copies and secrets, the rendered
// configurations (nginx, upstream pools, Prometheus and its rules, Alertmanager).
#include "tierstack/supervise/supervisor.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <set>
#include <stdexcept>

#include "platform/core/text.hpp"
#include "tierstack/db/backup/backup.hpp"
#include "tierstack/db/postgres/pg_cluster.hpp"
#include "tierstack/os/net.hpp"
#include "tierstack/render/alertmanager.hpp"
#include "tierstack/render/nginx.hpp"
#include "tierstack/render/prometheus.hpp"
#include "tierstack/supervise/plan.hpp"

namespace tierstack {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// The app's secret key: <PREFIX>_SECRET_KEY from the environment, else one
// made once and kept in the state directory.
std::string app_secret(const fs::path& state, const AppTier& a) {
  if (const char* env = std::getenv((a.env_prefix + "_SECRET_KEY").c_str()); env && *env)
    return env;
  const auto key_file = state / "secrets" / (a.name + ".key");
  if (!fs::exists(key_file)) write_file(key_file, random_hex(32) + "\n", 0600);
  return std::string(ts::core::trim(read_file(key_file)));
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
  rotate_logs_now();  // what earlier runs left above the bound

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
  PlanInputs in;
  in.bin_dir = bin_dir;
  in.net = net_.get();
  in.free_ports = free_ports;
  in.release = std::to_string(std::time(nullptr));
  in.secret = [this](const AppTier& a) { return app_secret(state_, a); };
  if (topo_.database == "postgres") in.postgres_bindir = postgres_bindir();
  in.postgres_user = system_user("postgres");
  in.prometheus_user = system_user("prometheus");
  Plan plan = plan_components(topo_, in);
  // Each release is a copy, so rebuilding in place never changes a running
  // instance and a rollback has the previous binary to go back to.
  for (const auto* a : plan.apps) {
    const auto binary = release_binary(topo_, a->name, in.release);
    fs::create_directories(binary.parent_path());
    fs::copy_file(bin_dir / a->name, binary, fs::copy_options::overwrite_existing);
  }
  comps_ = std::move(plan.comps);
  for (const auto* a : plan.apps)
    prune_releases_of(a->name, [this](const std::string& line) { notes_.push_back(line); });
  start_order_ = std::move(plan.start_order);
  db_urls_ = std::move(plan.db_urls);
  notes_.insert(notes_.end(), plan.notes.begin(), plan.notes.end());
  if (topo_.database == "postgres") init_db_pair();  // db/postgres/pg_cluster.cpp
}

// deploy/prometheus/rules/*.yml as the local Prometheus reads them: with the
// topology's [monitoring.alert_for] durations. Copies of rule files no
// longer in the source are removed.
void Supervisor::write_rule_copies() {
  const auto dir = local_rules_dir(topo_);
  fs::remove_all(dir);
  if (topo_.prometheus_rules.empty() || !fs::exists(topo_.prometheus_rules)) return;
  fs::create_directories(dir);
  std::set<std::string> applied;
  for (const auto& e : fs::directory_iterator(topo_.prometheus_rules))
    if (e.path().extension() == ".yml")
      write_file(dir / e.path().filename(),
                 render_alert_rules(read_file(e.path()), topo_.alert_for, applied));
  for (const auto& [name, d] : topo_.alert_for)
    if (!applied.count(name))
      throw std::runtime_error("topology: monitoring.alert_for." + name + ": no rule in " +
                               topo_.prometheus_rules.string() + " defines that alert");
}

void Supervisor::render_configs() {
  const auto templates = load_nginx_templates(topo_.nginx_templates);
  for (auto& c : comps_) {
    if (c->kind != Kind::web && c->kind != Kind::lb) continue;
    const auto dir = nginx_dir(topo_, *c);
    fs::create_directories(dir / "temp");
    write_file(dir / "nginx.conf", render_nginx_conf(topo_, templates, *c, notes_));
  }
  const auto pdir = state_ / "prometheus";
  fs::create_directories(pdir / "data");
  write_file(pdir / "prometheus.yml",
             render_prometheus(topo_, comps_, read_file(topo_.prometheus_template)));
  write_rule_copies();
  const auto adir = state_ / "alertmanager";
  fs::create_directories(adir / "data");
  write_file(adir / "alertmanager.yml", render_alertmanager(topo_));
  if (auto u = system_user("prometheus"))
    for (const auto& d : {pdir, adir}) chown_tree(d, u->first, u->second);

  std::lock_guard lk(mu_);
  update_pools_locked();
}

}  // namespace tierstack
