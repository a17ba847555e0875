// tierstack drill kill-db-primary: customers check out through the load
// balancer while the PostgreSQL primary is killed with SIGKILL; the
// supervisor fails over (pg_cluster.cpp), and the drill counts the orders
// acknowledged against the orders stored: none lost, none duplicated.
#include <signal.h>
#include <unistd.h>

#include <ctime>
#include <thread>

#include "tierstack/control/drill_load.hpp"
#include "tierstack/db/postgres/pg_cluster.hpp"
#include "tierstack/db/postgres/pg_node.hpp"
#include "tierstack/supervise/supervisor.hpp"

namespace tierstack {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// The orders in the database (the primary now) against what the shop
// acknowledged, and whether the standby streams again. True when no order
// was lost or duplicated, the shop answered after the kill and the standby
// is synchronous.
bool count_after_failover(const Component& primary, const std::string& standby,
                          const CheckoutLoad& load, Clock::time_point t_kill, const Out& out) {
  // The orders in the database (the primary now) against what the shop acknowledged.
  std::map<std::string, std::pair<long, std::int64_t>> stored;  // key -> (count, min id)
  std::string repl;
  std::string db_error;
  try {
    const auto pg = pg_connect(primary, "shop");
    std::string ids = "{";
    for (auto id : load.user_ids()) ids += (ids.size() > 1 ? "," : "") + std::to_string(id);
    ids += "}";
    for (const auto& r :
         pg->query("SELECT COALESCE(idempotency_key, ''), COUNT(*), MIN(id) FROM shop_orders WHERE "
                   "user_id = ANY($1::bigint[]) GROUP BY idempotency_key",
                   {ids}))
      stored[r.get<std::string>(0)] = {r.get<long>(1), r.get<std::int64_t>(2)};
    repl = replication_state(primary, standby);
  } catch (const std::exception& e) {
    db_error = e.what();
  }
  const auto acks = load.acknowledged();
  const auto counted = count_orders(acks, stored);
  int lost = counted.lost;
  const int duplicated = counted.duplicated, unacknowledged = counted.unacknowledged;
  if (!db_error.empty()) {
    out("drill: cannot read the orders from " + primary.name + ": " + db_error);
    lost = static_cast<int>(acks.size());
  }
  out("drill: " + std::to_string(load.retries()) + " checkout retries, " +
      std::to_string(load.abandoned()) + " checkouts abandoned by their client, " +
      std::to_string(unacknowledged) + " orders stored that the client was never told about");
  out("drill: " + standby + " " +
      (repl.empty() ? "is NOT streaming" : "streams from " + primary.name + " (" + repl + ")"));
  const double unavailable = load.unavailable_after(t_kill);
  out("drill kill-db-primary: " + std::to_string(acks.size()) + " orders acknowledged, " +
      std::to_string(lost) + " lost, " + std::to_string(duplicated) + " duplicated, unavailable " +
      // No order at all after the kill: unavailable for the rest of the drill.
      fmt_secs(unavailable >= 0 ? unavailable : seconds_since(t_kill), "%.1f s"));
  return lost == 0 && duplicated == 0 && unavailable >= 0 && repl.rfind("streaming/sync", 0) == 0;
}

}  // namespace

int Supervisor::op_kill_db_primary(const std::map<std::string, std::string>& args, const Out& out) {
  if (!ha_) {
    out("kill-db-primary needs PostgreSQL with a standby: tierstack up --db postgres");
    return 2;
  }
  const int customers = drill_customers(args, out);
  if (customers == 0) return 2;
  Component* lb = find("lb");
  if (!lb || !lb->app_ports.count("shop")) {
    out("kill-db-primary places orders with the shop, which is not in this topology");
    return 2;
  }
  Component* pri = db_primary();
  Component* sb = find(ha_->standby_name());
  int failovers_before = 0;
  {
    std::lock_guard lk(mu_);
    failovers_before = ha_->failovers;
    if (ha_->in_failover || ha_->failover_requested || !ha_->sync || pri->pid <= 0 ||
        sb->pid <= 0 || !sb->ready) {
      out("drill: no synchronous standby is streaming now (see tierstack status); not killing "
          "the only copy of the data");
      return 1;
    }
  }
  const auto tag = std::to_string(std::time(nullptr)) + "_" + std::to_string(getpid());
  CheckoutLoad load(lb->host, lb->app_ports.at("shop"), customers, tag);
  if (const auto why = load.prepare(); !why.empty()) {
    out("drill: cannot start the checkout load: " + why);
    return 1;
  }
  load.start();
  out("drill: " + std::to_string(customers) + " customers checking out through the load balancer");
  const auto warm = Clock::now() + std::chrono::seconds(20);
  while (load.acknowledged_count() < 4 * customers && Clock::now() < warm)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));

  pid_t pid;
  {
    std::lock_guard lk(mu_);
    pid = pri->pid;
  }
  const int acked_before = load.acknowledged_count();
  const auto t_kill = Clock::now();
  // The whole "host": the postmaster and every process it started (its
  // backends, WAL sender, checkpointer each run in a session of their own,
  // so its process group is not enough).
  const auto children = children_of(pid);
  killpg(pid, SIGKILL);
  for (pid_t k : children) kill(k, SIGKILL);
  out("drill: " + pri->name + " (primary, pid " + std::to_string(pid) + ") killed with SIGKILL; " +
      std::to_string(acked_before) + " orders acknowledged so far");

  const bool done =
      wait_until([&] { return ha_->failovers > failovers_before && !ha_->in_failover; },
                 std::chrono::seconds(120));
  FailoverReport rep;
  {
    std::lock_guard lk(mu_);
    rep = ha_->last;
  }
  // Orders keep coming for a moment with the new standby in place.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  load.stop();
  if (!done)
    out("drill: no failover within 120 s");
  else
    out("drill: " + rep.to + " promoted " + fmt_secs(rep.promoted) + " after the kill; " +
        rep.from + " rebuilt as its standby, synchronous again after " +
        (rep.standby_back >= 0 ? fmt_secs(rep.standby_back) : "(never)") +
        (rep.note.empty() ? "" : " — " + rep.note));

  const bool orders_ok =
      count_after_failover(*db_primary(), ha_->standby_name(), load, t_kill, out);
  return done && rep.ok && orders_ok ? 0 : 1;
}

}  // namespace tierstack
