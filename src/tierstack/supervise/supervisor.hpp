#pragma once
// Owns: the local runner's state and its main loop — the components of the
// topology (plan.hpp) as supervised children, restarted with a back-off when
// they exit, stopped tier by tier in reverse order. The class is one object
// whose methods live in the file of their concern:
//   supervise/supervisor.cpp   preparing the state directory, planning, rendering
//   supervise/startup.cpp      `up`: migrations, start-up phases, the report
//   supervise/lifecycle.cpp    start, reap, restart, stop; the loop's tick
//   supervise/pools.cpp        readiness probes and the nginx upstream pools
//   supervise/status.cpp       status table, URLs, state.json
//   supervise/retention.cpp    logs rotated, old releases pruned
//   supervise/alerts.cpp       the firing alerts (from Alertmanager) in status
//   control/control_socket.cpp the control socket and its command table
//   control/deploy.cpp         rolling deploys (drain, replace, roll back)
//   control/drills.cpp         kill-instance, kill-zone, restart-db
//   control/drill_*.cpp        kill-db-primary, lose-db
//   db/postgres/*.cpp          the PostgreSQL pair: bootstrap, standby, sync, failover
// A new operator command is a row in control_socket.cpp's table and a
// method in a new control/ file.
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tierstack/net/isolated.hpp"
#include "tierstack/os/files.hpp"
#include "tierstack/os/http.hpp"
#include "tierstack/os/process.hpp"
#include "tierstack/supervise/component.hpp"
#include "tierstack/topology/topology.hpp"

namespace tierstack {

class BackupSchedule;

struct UpOptions {
  bool detach = false;
  std::string db_override;  // "" keeps the topology's choice
  bool isolated = false;    // subnets in network namespaces behind a firewall
};

using Out = std::function<void(const std::string&)>;

struct PgHa;  // db/postgres/pg_cluster.hpp
struct FailoverReport;

class Supervisor {
 public:
  Supervisor(Topology topo, UpOptions opts);
  ~Supervisor();

  // Prepares the state directory, starts everything, waits for readiness,
  // calls on_ready(report, ok), then supervises until SIGINT/SIGTERM and
  // stops everything in reverse order. Returns the exit status.
  int run(const std::function<void(const std::string&, bool)>& on_ready);

 private:
  void prepare();
  void build_components();
  void render_configs();
  void write_rule_copies();
  void start_up(const Out& out);  // everything until ready; throws why not
  void start_phase(const std::vector<Kind>& kinds, std::chrono::seconds timeout);
  void make_backup_schedule();
  std::string up_report();
  void start_database();  // db/postgres/pg_bootstrap.cpp
  bool run_migrations(const std::string& app, const std::string& binary_path, const Out& out);
  void start(Component& c);
  void record_exec(const Component& c);       // lifecycle.cpp: <state>/run/<app>.exec.json
  bool tick(std::chrono::milliseconds wait);  // false when asked to stop
  // retention.hpp: logs/ (and tierstack.log) rotated by size; an app's old
  // releases pruned, never one an instance runs.
  void rotate_logs_now();
  void prune_releases_of(const std::string& app, const Out& out);
  void reap();
  void poll_readiness();
  void restart_due();
  bool wait_ready(const std::vector<std::string>& names, std::chrono::seconds timeout);
  void stop_group(const std::vector<Component*>& group);
  void stop_all();
  // Rewrites the upstream files from readiness; reloads nginx when they change.
  // Returns the nginx worker pids that were replaced (to wait for a drain).
  std::vector<pid_t> update_pools_locked();
  void write_state_locked();
  std::string status_table(bool with_rates);
  std::string urls() const;
  // supervise/alerts.cpp: the firing alerts from Alertmanager (the answer of
  // GET /api/v2/alerts; url is set to where it asked), and as status shows them.
  HttpReply alertmanager_alerts(std::string& url);
  std::string alerts_text();
  Component* find(const std::string& name);

  // Control socket: one connection at a time.
  void control_loop();
  void serve_control(int fd);
  int handle(const std::string& request, const Out& out);
  int op_status(const Out& out);
  int op_kill_instance(const std::string& name, const std::string& down_for, const Out& out);
  int op_kill_zone(const std::string& zone, const Out& out);
  int op_deploy(const std::map<std::string, std::string>& args,
                const std::map<std::string, std::string>& env, const Out& out);
  bool replace_instance(Component& c, const SpawnOptions& spec, const std::string& release,
                        std::chrono::seconds ready_timeout, const Out& out);
  int op_kill(const std::vector<std::string>& names, const std::string& what, const Out& out,
              std::chrono::seconds down_for = std::chrono::seconds(0));
  struct AlertWatch {
    bool on = false;
    double fired = -1, resolved = -1;  // seconds after the kill
    std::chrono::steady_clock::time_point next_ask{};
  };
  void watch_instance_down(AlertWatch& w, const std::string& name, bool back,
                           std::chrono::steady_clock::time_point t0);
  int op_restart_db(const Out& out);
  int op_lose_db(const std::map<std::string, std::string>& args,
                 const Out& out);  // control/drill_lose_db.cpp
  bool lose_db_backup(const Out& out);
  std::string lose_sqlite_and_restore(const std::vector<Component*>& apps, int acked_before,
                                      const Out& out, std::string& used);
  std::string lose_and_restore(const std::vector<Component*>& apps, int acked_before,
                               const Out& out);
  bool drain_out_of_pool(Component& c, const Out& out);
  bool stop_one(Component& c, const Out& out);
  bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

  // PostgreSQL as a primary and a streaming hot standby with synchronous
  // replication, failover and the kill-db-primary drill (pg_cluster.cpp).
  void init_db_pair();
  Component* db_primary();
  void start_db_standby();
  bool db_primary_lost_locked(Component& c);  // from reap(): true when a failover takes over
  void db_monitor_loop();
  void db_failover();
  // synchronous_standby_names has one owner: this (pg_cluster.cpp). Other
  // synchronous members (backup.cpp's pg_receivewal) register by name; the
  // setting is FIRST k (…) over the members streaming now.
  void db_sync_member(const std::string& name, bool on);
  void db_sync_update();
  // drill lose-db with the HA pair: both nodes killed and their data deleted,
  // the primary restored from backup + WAL archive, a new standby made.
  // Returns "" or why not; `used` names the backup.
  std::string db_lose_and_restore(const Out& out, std::string& used);
  void db_promote_failed(Component& old, FailoverReport& rep);
  bool db_new_standby(Component& primary, Component& standby, FailoverReport& rep);
  bool db_wait(const std::function<bool()>& pred, std::chrono::milliseconds timeout);
  std::string db_roles();
  int op_kill_db_primary(const std::map<std::string, std::string>& args,
                         const Out& out);  // control/drill_kill_db_primary.cpp

  Topology topo_;
  UpOptions opts_;
  std::filesystem::path state_, logs_, run_dir_;
  std::unique_ptr<IsolatedNet> net_;  // with --isolated
  // Scheduled backups and WAL shipping (backup.hpp), from ready until stop.
  std::unique_ptr<BackupSchedule> backups_;
  std::vector<std::unique_ptr<Component>> comps_;
  std::vector<std::string> start_order_;
  std::vector<std::string> notes_;
  std::map<std::string, std::string> db_urls_;  // app -> URL
  std::map<std::string, std::string> app_upstream_text_, lb_upstream_text_;
  std::string app_upstreams_, lb_upstreams_;  // last written contents
  std::mutex mu_;
  std::atomic<bool> stopping_{false};
  int control_fd_ = -1;
  int lock_fd_ = -1;
  std::chrono::steady_clock::time_point next_poll_{};
  std::chrono::steady_clock::time_point next_rotate_{};
  std::unique_ptr<PgHa> ha_;  // with --db postgres
};

}  // namespace tierstack
