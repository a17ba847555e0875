// tierstack drill lose-db: customers check out through the load balancer
// (drill_load.hpp's CheckoutLoad, the same load as kill-db-primary) while the
// database is destroyed for real (SQLite: the apps' files and their WAL
// deleted, the apps killed; PostgreSQL: both nodes of the pair killed with
// SIGKILL and both data directories deleted — the standby alone surviving
// would make it a failover), then restored from the newest backup plus the
// shipped/archived WAL, the standby re-created, and the apps brought back.
// Ends with one line:
//   drill lose-db: N orders acknowledged, L lost, D duplicated, unavailable T s
// counted by comparing the orders the customers were told succeeded with
// the orders in the restored database.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "tierstack/control/drill_load.hpp"
#include "tierstack/db/backup/backup.hpp"
#include "tierstack/supervise/supervisor.hpp"

namespace tierstack {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string secs(double s) {
  return fmt_secs(s, "%.1f s");
}

struct LoseDbCount : OrderCount {
  double unavailable = -1;
};

// The drill's last lines: the loss window (SQLite's measured RPO), the
// retries, and the orders lost and duplicated.
LoseDbCount report_lose_db(const CheckoutLoad& load,
                           const std::map<std::string, std::pair<long, std::int64_t>>& stored,
                           Clock::time_point t_destroy, const Out& out) {
  const auto acks = load.acknowledged();
  LoseDbCount n;
  static_cast<OrderCount&>(n) = count_orders(acks, stored);
  // SQLite's measured loss window: the acknowledged orders of the last
  // second before the loss, and how old the oldest lost one was.
  int last_second = 0;
  double oldest_lost = 0;
  for (const auto& a : acks) {
    if (a.answered <= t_destroy && t_destroy - a.answered <= std::chrono::seconds(1)) ++last_second;
    auto it = stored.find(a.key);
    if (it == stored.end() || it->second.second != a.order_id)
      oldest_lost =
          std::max(oldest_lost, std::chrono::duration<double>(t_destroy - a.answered).count());
  }
  n.unavailable = load.unavailable_after(t_destroy);
  const double unavailable = n.unavailable;
  char line[256];
  std::snprintf(line, sizeof line,
                "drill: %d orders were acknowledged in the last second before the loss; the lost "
                "ones were acknowledged at most %.2f s before it; %d checkout retries, %d "
                "checkouts abandoned by their client, %d orders stored that the client was never "
                "told about",
                last_second, oldest_lost, load.retries(), load.abandoned(), n.unacknowledged);
  out(line);
  std::snprintf(
      line, sizeof line,
      "drill lose-db: %zu orders acknowledged, %d lost, %d duplicated, unavailable %.1f s",
      acks.size(), n.lost, n.duplicated,
      // No order at all after the loss: unavailable for the rest of the drill.
      unavailable >= 0 ? unavailable : seconds_since(t_destroy));
  out(line);
  return n;
}

// A little more load on the restored database (until a checkout sent after
// the loss is acknowledged, 30 s at most, and 2 s more), then the load stops.
void settle_and_stop(CheckoutLoad& load, Clock::time_point t_destroy) {
  const auto settle = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < settle && load.unavailable_after(t_destroy) < 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  load.stop();
}

// The restored database's orders (the shop's at `url`) against those the
// customers were told succeeded; the drill's exit status.
int count_after_restore(const CheckoutLoad& load, const std::string& url,
                        Clock::time_point t_destroy, bool apps_back, bool postgres,
                        const Out& out) {
  std::map<std::string, std::pair<long, std::int64_t>> stored;
  try {
    stored = stored_orders(url, load.user_ids());
  } catch (const std::exception& e) {
    out(std::string("drill lose-db FAILED: cannot read the restored database: ") + e.what());
    return 1;
  }
  const auto n = report_lose_db(load, stored, t_destroy, out);
  return apps_back && n.duplicated == 0 && n.unavailable >= 0 && (!postgres || n.lost == 0) ? 0 : 1;
}

}  // namespace

// A base backup through `tierstack db backup`, as an operator would take one.
bool Supervisor::lose_db_backup(const Out& out) {
  SpawnOptions s;
  s.argv = {tierstack_binary().string(),
            "--topology",
            topo_.file.string(),
            "--state-dir",
            state_.string(),
            "db",
            "backup"};
  s.log_file = logs_ / "backup.log";
  const auto t0 = Clock::now();
  if (run_to_end(s, std::chrono::seconds(600)) != 0) {
    out("drill lose-db: the base backup failed; see " + s.log_file.string());
    return false;
  }
  out("drill: base backup taken in " + secs(seconds_since(t0)));
  return true;
}

// The SQLite half of lose-db: WAL shipping paused, the apps killed, their
// files deleted, then restored from the backup plus the shipped WAL and the
// apps started again. Returns "" or why not.
std::string Supervisor::lose_sqlite_and_restore(const std::vector<Component*>& apps,
                                                int acked_before, const Out& out,
                                                std::string& used) {
  // The shipper stops first: after the loss nothing more can be read.
  backups_->pause_shipping();
  {
    std::lock_guard lk(mu_);
    for (auto* c : apps) {
      c->hold = true;
      c->restart_pending = false;
      if (c->pid > 0) killpg(c->pid, SIGKILL);
    }
  }
  for (const auto& a : topo_.apps)
    for (const char* suffix : {"", "-wal", "-shm"})
      fs::remove(state_ / "db" / (a.name + ".db" + suffix));
  out("drill: SQLite files and their WAL deleted, app instances killed (SIGKILL), " +
      std::to_string(acked_before) + " orders acknowledged so far");
  wait_until(
      [&] {
        return std::all_of(apps.begin(), apps.end(), [](Component* c) { return c->pid <= 0; });
      },
      std::chrono::seconds(10));
  const auto t_restore = Clock::now();
  std::int64_t replayed = 0;
  try {
    for (const auto& a : topo_.apps) {
      if (!std::any_of(apps.begin(), apps.end(), [&](Component* c) { return c->app == a.name; }))
        continue;
      replayed +=
          restore_sqlite_in_place(topo_.backup_dir, a.name, state_ / "db" / (a.name + ".db"), used);
    }
  } catch (const std::exception& e) {
    return std::string("the restore failed: ") + e.what();
  }
  out("drill: restored from backup " + used + " plus " + std::to_string(replayed) +
      " shipped WAL transactions in " + secs(seconds_since(t_restore)));
  {
    std::lock_guard lk(mu_);
    for (auto* c : apps) {
      c->hold = false;
      start(*c);
    }
  }
  return "";
}

// The loss and the restore, on SQLite or on the PostgreSQL pair; "" or why
// it failed.
std::string Supervisor::lose_and_restore(const std::vector<Component*>& apps, int acked_before,
                                         const Out& out) {
  std::string used;
  if (topo_.database != "postgres") return lose_sqlite_and_restore(apps, acked_before, out, used);
  out("drill: " + std::to_string(acked_before) + " orders acknowledged before the loss");
  return db_lose_and_restore(out, used);
}

int Supervisor::op_lose_db(const std::map<std::string, std::string>& args, const Out& out) {
  Component* lb = find("lb");
  if (!lb || !lb->app_ports.count("shop") || !backups_) {
    out("drill lose-db needs the shop behind the load balancer");
    return 2;
  }
  const int customers = drill_customers(args, out);
  if (customers == 0) return 2;
  const bool postgres = topo_.database == "postgres";
  if (postgres && !ha_) {
    out("drill lose-db: no PostgreSQL pair in this topology");
    return 2;
  }

  // The customers, made through the store as its client would, before the
  // base backup (so that they are in it).
  const auto tag = "lose_" + std::to_string(std::time(nullptr)) + "_" + std::to_string(getpid());
  CheckoutLoad load(lb->host, lb->app_ports.at("shop"), customers, tag);
  // A restore takes longer than a failover: keep retrying a key through it.
  load.set_patience(std::chrono::seconds(120));
  if (const auto why = load.prepare(); !why.empty()) {
    out("drill lose-db: cannot start the checkout load: " + why);
    return 1;
  }

  // A base backup to restore from, taken now (with the customers in it).
  if (!lose_db_backup(out)) return 1;

  load.start();
  out("drill: " + std::to_string(customers) + " customers checking out through the load balancer");
  std::this_thread::sleep_for(std::chrono::seconds(3));

  std::vector<Component*> apps;
  for (auto& c : comps_)
    if (c->kind == Kind::app) apps.push_back(c.get());
  // The moment of the loss: the first destructive step.
  const auto t_destroy = Clock::now();
  if (const auto why = lose_and_restore(apps, load.acknowledged_count(), out); !why.empty()) {
    load.stop();
    out("drill lose-db FAILED: " + why);
    return 1;
  }
  const bool back = wait_until(
      [&] { return std::all_of(apps.begin(), apps.end(), [](Component* c) { return c->ready; }); },
      std::chrono::seconds(60));
  out(std::string("drill: apps ") + (back ? "ready" : "NOT ready") + " " +
      secs(seconds_since(t_destroy)) + " after the loss");
  if (!postgres) backups_->resume_shipping();
  backups_->backup_now();  // a fresh snapshot for the new WAL chain

  settle_and_stop(load, t_destroy);
  return count_after_restore(load, db_urls_.at("shop"), t_destroy, back, postgres, out);
}

}  // namespace tierstack
