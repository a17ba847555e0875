// `tierstack up` from start to ready: the isolated network, the plan, the
// configurations, the database, WAL shipping, migrations, then the tiers
// from the inside out (apps, web, balancer, monitoring), each waited for;
// then the loop until a signal, and everything stopped in reverse.
#include <algorithm>
#include <iostream>
#include <sstream>
#include <thread>

#include "tierstack/db/backup/backup.hpp"
#include "tierstack/db/postgres/pg_cluster.hpp"
#include "tierstack/net/security_groups.hpp"
#include "tierstack/supervise/supervisor.hpp"

namespace tierstack {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

bool Supervisor::run_migrations(const std::string& app, const std::string& binary, const Out& out) {
  Component* inst = nullptr;
  for (auto& c : comps_)
    if (c->kind == Kind::app && c->app == app) inst = c.get();
  if (!inst) throw std::runtime_error("no instance of " + app + " to migrate with");
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

void Supervisor::start_phase(const std::vector<Kind>& kinds, std::chrono::seconds timeout) {
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
  if (wait_ready(names, timeout)) return;
  if (stopping_) throw std::runtime_error("interrupted");
  std::string why;
  std::lock_guard lk(mu_);
  for (auto& n : names)
    if (!find(n)->ready)
      why += "\n" + n + " is not ready; last lines of " + find(n)->spawn.log_file.string() + ":\n" +
             tail_lines(find(n)->spawn.log_file, 8);
  throw std::runtime_error("start-up failed:" + why);
}

// WAL shipping starts before the apps write (backups once ready).
void Supervisor::make_backup_schedule() {
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

void Supervisor::start_up(const Out& out) {
  if (opts_.isolated) {
    net_ = std::make_unique<IsolatedNet>(state_, topo_.zones);
    net_->create(out);
  }
  build_components();
  if (net_) net_->apply_rules(security_groups(topo_, comps_));
  render_configs();
  out("state directory " + state_.string() + "; database " + topo_.database +
      (net_ ? "; isolated subnets" : ""));
  start_database();    // db/postgres/pg_bootstrap.cpp
  start_db_standby();  // db/postgres/pg_cluster.cpp
  make_backup_schedule();
  for (auto& [app, url] : db_urls_) {
    std::string binary;
    for (auto& c : comps_)
      if (c->kind == Kind::app && c->app == app) binary = c->spawn.argv[0];
    if (!run_migrations(app, binary, out)) throw std::runtime_error("migrations failed");
  }
  start_phase({Kind::app}, 30s);
  {
    std::lock_guard lk(mu_);
    update_pools_locked();
  }
  start_phase({Kind::web}, 20s);
  {
    std::lock_guard lk(mu_);
    update_pools_locked();
  }
  start_phase({Kind::lb}, 20s);
  start_phase({Kind::node_exporter, Kind::alertmanager, Kind::prometheus}, 60s);
}

std::string Supervisor::up_report() {
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
  return report;
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
    start_up(out);
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
  const std::string report = up_report();
  backups_->start_backups();
  on_ready(report, true);

  std::thread control([this] { control_loop(); });
  std::thread db_monitor([this] { db_monitor_loop(); });  // db/postgres/pg_sync.cpp
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

}  // namespace tierstack
