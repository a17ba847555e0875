#pragma once
// The local runner: renders configurations, starts every component of the
// topology as a supervised child, keeps the nginx pools in line with
// readiness, and serves the control socket that `status`, `deploy` and
// `drill` talk to.
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

#include "tierstack/netns.hpp"
#include "tierstack/topology.hpp"
#include "tierstack/util.hpp"

namespace tierstack {

class BackupSchedule;

enum class Kind { postgres, app, web, lb, node_exporter, prometheus };

struct Component {
  std::string name;  // shop-a, web-b, lb, prometheus …
  Kind kind = Kind::app;
  std::string tier;                // lb, web, app, db, monitoring
  std::string zone;                // "" for shared components
  std::string app;                 // for app instances: the app's name
  std::string host = "127.0.0.1";  // its address (its subnet's with --isolated)
  std::uint16_t port = 0;
  std::uint16_t monitor_port = 0;
  std::map<std::string, std::uint16_t> app_ports;  // web/lb: a listener per app
  SpawnOptions spawn;                              // spawn.netns: its subnet's namespace
  std::string release;                             // app instances: the release directory name
  int stop_signal = 15;
  std::chrono::seconds stop_timeout{25};

  // Runtime state, guarded by Supervisor::mu_.
  pid_t pid = -1;
  bool ready = false;
  bool hold = false;         // an operation owns it: no automatic restart
  bool out_of_pool = false;  // taken out of the balancer by an operation
  bool restart_pending = false;
  int restarts = 0;
  int failures_in_row = 0;
  int last_exit = 0;
  std::chrono::steady_clock::time_point started{}, restart_at{};
  // For req/s in status: the last http_requests_total sum and when.
  double last_total = -1;
  std::chrono::steady_clock::time_point last_scrape{};
};

struct UpOptions {
  bool detach = false;
  std::string db_override;  // "" keeps the topology's choice
  bool isolated = false;    // subnets in network namespaces behind a firewall
};

using Out = std::function<void(const std::string&)>;

struct PgHa;  // pg_cluster.hpp

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
  // The firewall flows equivalent to deployment.md's security groups.
  std::vector<Allow> security_groups() const;
  void start_database();
  bool run_migrations(const std::string& app, const std::string& binary_path, const Out& out);
  void start(Component& c);
  bool tick(std::chrono::milliseconds wait);  // false when asked to stop
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
  Component* find(const std::string& name);

  // Control socket: one connection at a time.
  void control_loop();
  int handle(const std::string& request, const Out& out);
  int op_deploy(const std::map<std::string, std::string>& args,
                const std::map<std::string, std::string>& env, const Out& out);
  bool replace_instance(Component& c, const SpawnOptions& spec, const std::string& release,
                        std::chrono::seconds ready_timeout, const Out& out);
  int op_kill(const std::vector<std::string>& names, const std::string& what, const Out& out);
  int op_restart_db(const Out& out);
  int op_lose_db(const std::map<std::string, std::string>& args,
                 const Out& out);  // drill_lose_db.cpp
  bool drain_out_of_pool(Component& c, const Out& out);
  bool stop_one(Component& c, const Out& out);
  bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

  // PostgreSQL as a primary and a streaming hot standby with synchronous
  // replication, failover and the kill-db-primary drill (pg_cluster.cpp).
  void add_db_standby(std::uint16_t port);
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
  bool db_wait(const std::function<bool()>& pred, std::chrono::milliseconds timeout);
  std::string db_roles();
  int op_kill_db_primary(const std::map<std::string, std::string>& args, const Out& out);

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
  std::unique_ptr<PgHa> ha_;  // with --db postgres
};

}  // namespace tierstack
