// The pair's state for `tierstack status` and the lose-db drill's PostgreSQL
// half: both nodes destroyed, the primary restored from a backup and the WAL
// archive, a new standby made from it.
#include <signal.h>

#include <cstdio>
#include <sstream>

#include "tierstack/db/backup/backup.hpp"
#include "tierstack/db/postgres/pg_cluster.hpp"
#include "tierstack/db/postgres/pg_node.hpp"
#include "tierstack/supervise/supervisor.hpp"

namespace tierstack {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string Supervisor::db_lose_and_restore(const Out& out, std::string& used) {
  if (!ha_) return "no PostgreSQL pair";
  Component* pri = db_primary();
  Component* sb = find(ha_->standby_name());
  // Both nodes: destroying only the primary would be a failover.
  {
    std::lock_guard lk(mu_);
    for (Component* c : {pri, sb}) {
      c->hold = true;  // no restart, no failover
      c->restart_pending = false;
      if (c->pid > 0) {
        const auto children = children_of(c->pid);
        killpg(c->pid, SIGKILL);
        for (pid_t k : children) kill(k, SIGKILL);
      }
    }
    ha_->sync = false;
    for (auto& [name, m] : ha_->members) m = {};
  }
  wait_until([&] { return pri->pid <= 0 && sb->pid <= 0; }, std::chrono::seconds(10));
  for (Component* c : {pri, sb}) {
    std::error_code ec;
    fs::remove_all(pg_data_dir(state_, c->name), ec);
    if (ec) return "cannot delete " + pg_data_dir(state_, c->name).string() + ": " + ec.message();
  }
  out("drill: PostgreSQL " + pri->name + " (primary) and " + sb->name +
      " (standby) killed (SIGKILL) and both data directories deleted");
  const auto t0 = Clock::now();
  const auto data = pg_data_dir(state_, pri->name);
  try {
    restore_postgres_in_place(topo_.backup_dir, data, used);
    // What the backed-up node's own settings said about replication does not
    // hold now: nobody streams from the restored primary yet.
    strip_auto_conf(data, {"synchronous_standby_names", "primary_conninfo", "primary_slot_name"});
  } catch (const std::exception& e) {
    return std::string("the restore failed: ") + e.what();
  }
  {
    std::lock_guard lk(mu_);
    pri->hold = false;
    pri->failures_in_row = 0;
    start(*pri);
  }
  // Ready (it answers during recovery already), then promoted at the end of
  // the archive.
  const bool promoted = db_wait(
      [&] {
        {
          std::lock_guard lk(mu_);
          if (!pri->ready) return false;
        }
        try {
          return !pg_connect(*pri)->query("SELECT pg_is_in_recovery()").scalar<bool>();
        } catch (const std::exception&) {
          return false;
        }
      },
      std::chrono::seconds(300));
  if (!promoted) return pri->name + " did not finish recovery; see " + pri->spawn.log_file.string();
  out("drill: " + pri->name + " recovered from backup " + used +
      " and the WAL archive, promoted and ready in " + fmt_secs(seconds_since(t0), "%.1f s"));
  // A new standby copied from it, synchronous again once it streams.
  std::string why;
  if (!make_standby(*pri, *sb, state_, logs_, why)) return "no new standby: " + why;
  {
    std::lock_guard lk(mu_);
    sb->hold = false;
    sb->failures_in_row = 0;
    start(*sb);
  }
  if (!db_wait([&] { return replication_state(*pri, sb->name).rfind("streaming", 0) == 0; },
               std::chrono::seconds(60)))
    return sb->name + " (new standby) does not stream; see " + sb->spawn.log_file.string();
  db_sync_update();
  out("drill: " + sb->name + " rebuilt as the standby of " + pri->name + ", streaming " +
      fmt_secs(seconds_since(t0), "%.1f s") + " after the restore began");
  return "";
}

std::string Supervisor::db_roles() {
  if (!ha_) return "";
  Component* pri = db_primary();
  Component* sb = find(ha_->standby_name());
  struct Replica {
    std::string state, sync;
    std::int64_t lag_bytes = 0;
    double lag_seconds = 0;
  };
  std::map<std::string, Replica> repl;
  try {
    const auto pg = pg_connect(*pri);
    for (const auto& r :
         pg->query("SELECT application_name, state, sync_state, "
                   "COALESCE(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0)::bigint, "
                   "COALESCE(EXTRACT(EPOCH FROM replay_lag), 0)::float8 FROM pg_stat_replication"))
      repl[r.get<std::string>(0)] = {r.get<std::string>(1), r.get<std::string>(2),
                                     r.get<std::int64_t>(3), r.get<double>(4)};
  } catch (const std::exception&) {
  }
  std::ostringstream s;
  char line[200];
  std::snprintf(line, sizeof line, "%-14s %-8s %-6s %-10s %-6s %s\n", "DATABASE", "ROLE", "PORT",
                "STATE", "SYNC", "LAG");
  s << line;
  std::lock_guard lk(mu_);
  std::snprintf(line, sizeof line, "%-14s %-8s %-6d %-10s %-6s %s\n", pri->name.c_str(), "primary",
                pri->port, pri->pid > 0 ? (pri->ready ? "up" : "starting") : "down",
                ha_->in_failover ? "-" : (ha_->sync ? "on" : "off"), "-");
  s << line;
  std::string state = sb->pid > 0 ? (sb->ready ? "connecting" : "starting") : "down", sync = "-",
              lag = "-";
  if (auto it = repl.find(sb->name); it != repl.end()) {
    state = it->second.state;
    sync = it->second.sync;
    lag =
        std::to_string(it->second.lag_bytes) + " B, " + fmt_secs(it->second.lag_seconds, "%.3f s");
  }
  std::snprintf(line, sizeof line, "%-14s %-8s %-6d %-10s %-6s %s\n", sb->name.c_str(), "standby",
                sb->port, state.c_str(), sync.c_str(), lag.c_str());
  s << line;
  if (ha_->in_failover) s << "failover in progress\n";
  if (ha_->failovers > 0) {
    const auto& r = ha_->last;
    s << "failovers: " << ha_->failovers << "; last: " << r.from << " -> " << r.to
      << ", promoted after " << (r.promoted >= 0 ? fmt_secs(r.promoted) : "(never)")
      << ", new standby synchronous after "
      << (r.standby_back >= 0 ? fmt_secs(r.standby_back) : "(not yet)")
      << (r.note.empty() ? "" : " — " + r.note) << "\n";
  }
  return s.str();
}

}  // namespace tierstack
