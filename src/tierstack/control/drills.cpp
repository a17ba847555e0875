// The instance drills: kill-instance and kill-zone (SIGKILL, then how long
// until the supervisor noticed, restarted and re-pooled them, and what the
// balancers did meanwhile from their logs; with kill-instance --down-for the
// instance stays down and the InstanceDown alert is watched fire and
// resolve), and restart-db.
#include <signal.h>
#include <charconv>

#include <algorithm>
#include <sstream>
#include <thread>

#include "tierstack/db/postgres/pg_cluster.hpp"
#include "tierstack/supervise/alerts.hpp"
#include "tierstack/supervise/supervisor.hpp"

namespace tierstack {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

int Supervisor::op_kill_instance(const std::string& name, const std::string& down_for,
                                 const Out& out) {
  if (!find(name)) {
    out("no instance named '" + name + "'");
    return 2;
  }
  int secs = 0;
  const char* end = down_for.data() + down_for.size();
  const auto [ptr, ec] = std::from_chars(down_for.data(), end, secs);
  if (!down_for.empty() && (ec != std::errc() || ptr != end)) secs = -1;
  if (secs < 0 || secs > 600) {
    out("--down-for wants 0 to 600 seconds");
    return 2;
  }
  return op_kill({name}, name, out, std::chrono::seconds(secs));
}

int Supervisor::op_kill_zone(const std::string& zone, const Out& out) {
  std::vector<std::string> names;
  for (auto& c : comps_)
    if (c->zone == zone) names.push_back(c->name);
  if (names.empty()) {
    out("no zone named '" + zone + "'");
    return 2;
  }
  return op_kill(names, "zone " + zone, out);
}

namespace {

// What the balancers' logs gained since `offsets`: requests, retries on the
// next upstream, 5xx answers, upstream errors.
void report_balancers(const Components& comps, const fs::path& logs,
                      std::map<std::string, std::uintmax_t>& offsets, const Out& out) {
  for (auto& c : comps) {
    if (c->kind != Kind::web && c->kind != Kind::lb) continue;
    const auto err = read_from(logs / (c->name + ".error.log"), offsets[c->name + ".error.log"]);
    int upstream_errors = 0;
    for (std::size_t p = 0; (p = err.find("upstream", p)) != std::string::npos;
         p = err.find('\n', p))
      ++upstream_errors;
    const auto acc = read_from(logs / (c->name + ".access.log"), offsets[c->name + ".access.log"]);
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
}

}  // namespace

// kill-instance --down-for: the instance's InstanceDown alert as Alertmanager
// lists it, asked every 250 ms; when it fired, and when it was gone again
// once the instance was back.
void Supervisor::watch_instance_down(AlertWatch& w, const std::string& name, bool back,
                                     Clock::time_point t0) {
  if (Clock::now() < w.next_ask) return;
  w.next_ask = Clock::now() + std::chrono::milliseconds(250);
  std::string url;
  const bool firing = has_alert(alertmanager_alerts(url).body, "InstanceDown", name);
  if (firing && w.fired < 0) w.fired = seconds_since(t0);
  if (!firing && back && w.fired >= 0 && w.resolved < 0) w.resolved = seconds_since(t0);
}

int Supervisor::op_kill(const std::vector<std::string>& names, const std::string& what,
                        const Out& out, std::chrono::seconds down_for) {
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
      c->down_until = t0 + down_for;  // restarted no earlier (lifecycle.cpp, reap)
      killpg(c->pid, SIGKILL);        // the whole "host": master and workers
    }
  }
  for (auto& [n, pid] : old)
    out("drill: " + n + " (pid " + std::to_string(pid) + ") killed with SIGKILL" +
        (down_for.count() ? "; kept down for " + std::to_string(down_for.count()) + " s" : ""));
  AlertWatch alert;
  alert.on = down_for.count() > 0 && names.size() == 1 && find("alertmanager");
  std::map<std::string, double> detected, restarted, ready;
  const auto deadline = Clock::now() + down_for + std::chrono::seconds(45);
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
    const bool back = ready.size() == old.size();
    if (alert.on) watch_instance_down(alert, names.front(), back, t0);
    if (back && (!alert.on || alert.resolved >= 0 ||
                 (alert.fired < 0 && Clock::now() > t0 + down_for + std::chrono::seconds(20))))
      break;
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
  if (alert.on)
    out("alertmanager: InstanceDown for " + names.front() + " fired after " +
        (alert.fired >= 0 ? fmt_secs(alert.fired) : "(never)") + "; resolved after " +
        (alert.resolved >= 0 ? fmt_secs(alert.resolved) : "(never)"));
  std::this_thread::sleep_for(1200ms);  // nginx flushes its access log buffer every second
  report_balancers(comps_, logs_, offsets, out);
  const bool ok = ready.size() == old.size() && (!alert.on || alert.resolved >= 0);
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
