// synchronous_standby_names has one owner: the supervisor, here. Its
// members are the standby and whoever registers (backup's pg_receivewal);
// the setting is FIRST k over those streaming now, a member dropped after a
// grace period without streaming and added back when it streams again.
#include <iostream>
#include <thread>

#include "platform/db/value.hpp"
#include "tierstack/db/postgres/pg_cluster.hpp"
#include "tierstack/db/postgres/pg_node.hpp"
#include "tierstack/render/postgres.hpp"
#include "tierstack/supervise/supervisor.hpp"

namespace tierstack {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// How long the standby may be away before the primary stops waiting for it:
// with synchronous replication every commit waits for the standby, so a
// standby that does not come back would stop every write. After this the
// primary acknowledges commits alone (RPO no longer 0) until one streams
// again. The supervisor restarts a crashed standby well within it.
constexpr auto kStandbyGrace = std::chrono::seconds(5);

}  // namespace

void Supervisor::db_sync_member(const std::string& name, bool on) {
  if (!ha_) return;
  {
    std::lock_guard lk(mu_);
    if (on) {
      ha_->extra_members.insert(name);
      return;  // added by the monitor once it streams
    }
    ha_->extra_members.erase(name);
    ha_->members.erase(name);
  }
  // Leaving: at once, or every commit would wait for it until the grace ends.
  db_sync_update();
}

void Supervisor::db_sync_update() {
  if (!ha_) return;
  std::lock_guard sl(ha_->sync_mu);
  Component* pri = db_primary();
  std::vector<std::string> names;
  {
    std::lock_guard lk(mu_);
    if (pri->pid <= 0 || !pri->ready || pri->hold) return;  // restarting, or an operation has it
    names.push_back(ha_->standby_name());
    names.insert(names.end(), ha_->extra_members.begin(), ha_->extra_members.end());
  }
  // The primary's own setting, not what tierstack last did: a restarted
  // primary comes back with whatever its postgresql.auto.conf says.
  std::string setting;
  std::map<std::string, std::string> state;  // application_name -> streaming/stalled/…
  try {
    const auto pg = pg_connect(*pri);
    setting =
        pg->query("SELECT current_setting('synchronous_standby_names')").scalar<std::string>();
    // A member that stopped answering (frozen, its machine unreachable)
    // keeps its connection, and its "streaming" state, until
    // wal_sender_timeout; its replies stop at once (a standby sends one every
    // second, wal_receiver_status_interval; pg_receivewal --synchronous on
    // every flush and every 10 s), so it counts as stalled.
    for (const auto& r : pg->query(
             "SELECT application_name, CASE WHEN reply_time < now() - interval '11 seconds' "
             "OR (application_name <> 'tierstack_backup' AND reply_time < now() - interval '3 "
             "seconds') THEN 'stalled' ELSE state END FROM pg_stat_replication"))
      state[r.get<std::string>(0)] = r.get<std::string>(1);
  } catch (const std::exception&) {
    return;  // not answering: the supervisor's readiness checks deal with that
  }
  std::vector<std::string> in, dropped, added;
  {
    std::lock_guard lk(mu_);
    const auto now = Clock::now();
    for (const auto& n : names) {
      auto& m = ha_->members[n];
      const bool streaming = state[n].rfind("streaming", 0) == 0;
      if (streaming) {
        m.away_since = {};
        if (!m.in) added.push_back(n);
        m.in = true;
      } else if (m.in) {
        if (m.away_since == Clock::time_point{}) m.away_since = now;
        if (now - m.away_since > kStandbyGrace) {
          m.in = false;
          dropped.push_back(n);
        }
      }
      if (m.in) in.push_back(n);
    }
  }
  const auto want = sync_standby_names(in);
  if (want != setting) {
    try {
      set_sync(*pri, want);
    } catch (const std::exception& e) {
      std::cerr << now_text() << " synchronous replication: " << e.what() << "\n";
      return;
    }
    for (const auto& n : added)
      std::cerr << now_text() << " " << n << " streams from " << pri->name
                << ": a synchronous member again\n";
    for (const auto& n : dropped)
      std::cerr << now_text() << " " << n << " not streaming for " << kStandbyGrace.count()
                << " s: no longer waited for at commit (an acknowledged commit may now lack it)\n";
    std::cerr << now_text() << " " << pri->name << ": synchronous_standby_names = '" << want << "'"
              << (want.empty() ? " (commits acknowledged by the primary alone)" : "") << "\n";
  }
  std::lock_guard lk(mu_);
  ha_->sync = ha_->members[names.front()].in;
}

void Supervisor::db_monitor_loop() {
  if (!ha_) return;
  auto next = Clock::now();
  while (!stopping_) {
    bool failover;
    {
      std::lock_guard lk(mu_);
      failover = ha_->failover_requested;
    }
    if (failover) {
      db_failover();
      continue;
    }
    if (Clock::now() >= next) {
      db_sync_update();
      next = Clock::now() + std::chrono::seconds(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace tierstack
