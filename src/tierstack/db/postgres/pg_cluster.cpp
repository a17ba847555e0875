// The PostgreSQL pair of `tierstack up --db postgres` (pg_cluster.hpp): which
// node is primary, starting the standby, noticing the primary's exit and
// failing over to the standby. Synchronous replication: pg_sync.cpp.
#include "tierstack/db/postgres/pg_cluster.hpp"

#include <iostream>
#include <thread>

#include "platform/core/text.hpp"
#include "tierstack/db/postgres/pg_node.hpp"
#include "tierstack/supervise/supervisor.hpp"

namespace tierstack {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

void Supervisor::init_db_pair() {
  ha_ = std::make_unique<PgHa>();
  // Which one was the primary when the last run ended (a failover changes it).
  if (ts::core::trim(read_file(state_ / "postgres" / "primary")) == PgHa::kNodes[1])
    ha_->primary = 1;
  // A primary starts without waiting for a standby: that is switched on once
  // one streams (otherwise the first commit would wait for nobody, forever).
  for (const auto* n : PgHa::kNodes)
    strip_auto_conf(pg_data_dir(state_, n), {"synchronous_standby_names"});
}

Component* Supervisor::db_primary() {
  return find(ha_ ? ha_->primary_name() : "postgres");
}

bool Supervisor::db_wait(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (pred()) return true;  // without mu_: it may query PostgreSQL
    if (Clock::now() > deadline || stopping_) return false;
    // During start-up this is the supervisor loop itself: keep it turning.
    if (std::this_thread::get_id() == ha_->main_thread)
      tick(std::chrono::milliseconds(50));
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void Supervisor::start_db_standby() {
  if (!ha_) return;
  ha_->main_thread = std::this_thread::get_id();
  Component* pri = db_primary();
  Component* sb = find(ha_->standby_name());
  const auto t0 = Clock::now();
  // Always a fresh copy: whatever the standby's directory holds may be a
  // former primary's, ahead of or diverged from the current one.
  std::string why;
  if (!make_standby(*pri, *sb, state_, logs_, why)) throw std::runtime_error("standby: " + why);
  {
    std::lock_guard lk(mu_);
    start(*sb);
  }
  if (!db_wait(
          [&] {
            std::lock_guard lk(mu_);
            return sb->ready;
          },
          std::chrono::seconds(60)))
    throw std::runtime_error(sb->name + " (standby) did not start; see " +
                             sb->spawn.log_file.string());
  if (!db_wait([&] { return replication_state(*pri, sb->name).rfind("streaming", 0) == 0; },
               std::chrono::seconds(30)))
    throw std::runtime_error(sb->name + " does not stream from " + pri->name + "; see " +
                             sb->spawn.log_file.string());
  db_sync_update();
  std::cerr << now_text() << " " << sb->name << ": hot standby of " << pri->name
            << " streaming, synchronous replication on (" << fmt_secs(seconds_since(t0)) << ")\n";
}

bool Supervisor::db_primary_lost_locked(Component& c) {
  if (!ha_ || c.name != ha_->primary_name() || ha_->failover_requested || ha_->in_failover)
    return false;
  Component* sb = find(ha_->standby_name());
  // Promote only a standby that has every acknowledged commit: one that
  // streamed synchronously. Otherwise the primary's own crash recovery is the
  // safer way back (a restart, as for any other component).
  if (!ha_->sync || sb->pid <= 0 || !sb->ready) {
    std::cerr << now_text() << " " << c.name
              << " (primary) exited; no synchronous standby to take over: restarting it\n";
    return false;
  }
  c.hold = true;  // never restarted as a second primary
  c.restart_pending = false;
  ha_->failover_requested = true;
  ha_->lost_at = Clock::now();
  std::cerr << now_text() << " " << c.name << " (primary) exited (status " << c.last_exit
            << "): failing over to " << sb->name << "\n";
  return true;
}

void Supervisor::db_failover() {
  Clock::time_point lost;
  {
    std::lock_guard lk(mu_);
    ha_->failover_requested = false;
    ha_->in_failover = true;
    ha_->sync = false;
    lost = ha_->lost_at;
  }
  Component* old = find(ha_->primary_name());
  Component* nw = find(ha_->standby_name());
  FailoverReport rep;
  rep.from = old->name;
  rep.to = nw->name;
  auto log = [](const std::string& l) { std::cerr << now_text() << " " << l << "\n"; };
  auto finish = [&] {
    std::lock_guard lk(mu_);
    ha_->in_failover = false;
    ++ha_->failovers;
    ha_->last = rep;
  };

  // 1. Promote. pg_promote waits until the standby accepts writes.
  std::string err;
  try {
    const auto pg = pg_connect(*nw);
    // false: not promoted within 30 s. It may still finish; ask once more
    // rather than restart the old primary beside a second one.
    if (!pg->query("SELECT pg_promote(true, 30)").scalar<bool>() &&
        pg->query("SELECT pg_is_in_recovery()").scalar<bool>())
      err = "pg_promote returned false";
  } catch (const std::exception& e) {
    err = e.what();
  }
  if (!err.empty()) {
    rep.note = "promotion of " + nw->name + " failed (" + err + "); restarting " + old->name;
    db_promote_failed(*old, rep);
    finish();
    return;
  }
  ha_->primary = 1 - ha_->primary.load();
  rep.promoted = seconds_since(lost);
  try {
    write_file(state_ / "postgres" / "primary", std::string(nw->name) + "\n");
  } catch (const std::exception& e) {
    log(std::string("cannot record the new primary: ") + e.what());
  }
  log(nw->name + " promoted to primary " + fmt_secs(rep.promoted) + " after " + old->name +
      " exited; synchronous replication off until a new standby streams");
  // Nobody streams from the promoted node yet: it waits for nobody until
  // its members (the new standby, pg_receivewal re-targeted by the backup
  // schedule) stream from it and db_sync_update adds them again.
  {
    std::lock_guard sl(ha_->sync_mu);
    {
      std::lock_guard lk(mu_);
      for (auto& [name, m] : ha_->members) m = {};
    }
    try {
      set_sync(*nw, "");
    } catch (const std::exception& e) {
      log(std::string("resetting synchronous_standby_names: ") + e.what());
    }
  }

  // 2. A new standby where the old primary was, copied from the new primary.
  if (!db_new_standby(*nw, *old, rep)) {
    finish();
    return;
  }
  rep.standby_back = seconds_since(lost);
  rep.ok = true;
  log(old->name + ": new hot standby of " + nw->name +
      " streaming, synchronous replication on again, " + fmt_secs(rep.standby_back) +
      " after the primary exited");
  finish();
}

void Supervisor::db_promote_failed(Component& old, FailoverReport& rep) {
  std::cerr << now_text() << " " << rep.note << "\n";
  std::lock_guard lk(mu_);
  old.hold = false;
  old.restart_pending = true;
  old.restart_at = Clock::now();
}

// After a promotion: a new standby where the old primary was, copied from
// the new primary, synchronous again once it streams. False with rep.note.
bool Supervisor::db_new_standby(Component& nw, Component& old, FailoverReport& rep) {
  auto log = [](const std::string& l) { std::cerr << now_text() << " " << l << "\n"; };
  std::string why;
  if (!make_standby(nw, old, state_, logs_, why)) {
    rep.note = "no new standby: " + why;
    log(rep.note);
    return false;
  }
  {
    std::lock_guard lk(mu_);
    old.hold = false;
    old.failures_in_row = 0;
    start(old);
    ++old.restarts;
  }
  if (!db_wait([&] { return replication_state(nw, old.name).rfind("streaming", 0) == 0; },
               std::chrono::seconds(60))) {
    rep.note = old.name + " (new standby) does not stream; see " + old.spawn.log_file.string();
    log(rep.note);
    return false;
  }
  db_sync_update();
  {
    std::lock_guard lk(mu_);
    if (!ha_->sync) {
      rep.note = "synchronous replication could not be turned back on (see the log)";
      log(rep.note);
      ha_->in_failover = false;
    }
  }
  return rep.note.empty();
}

}  // namespace tierstack
