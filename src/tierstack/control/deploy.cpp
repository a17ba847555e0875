// `tierstack deploy`: a new release of an app rolled out one instance at a
// time — migrations once, then each instance drained out of the pool,
// replaced and put back when ready; on a failure every replaced instance
// goes back to the release it ran.
#include <signal.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <sstream>
#include <thread>

#include "tierstack/supervise/supervisor.hpp"

namespace tierstack {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

bool Supervisor::drain_out_of_pool(Component& c, const Out& out) {
  const auto t0 = Clock::now();
  std::vector<pid_t> old;
  {
    std::lock_guard lk(mu_);
    c.hold = true;
    if (c.out_of_pool) return true;
    c.out_of_pool = true;
    old = update_pools_locked();
  }
  // The reload is done when every worker that had the old pool has exited
  // (each finishes its in-flight requests first).
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  for (pid_t w : old)
    while (alive(w) && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
  out(c.name + ": out of the pool (web tier reloaded, " + std::to_string(old.size()) +
      " old nginx workers drained in " + fmt_secs(seconds_since(t0)) + ")");
  return true;
}

bool Supervisor::stop_one(Component& c, const Out& out) {
  const auto t0 = Clock::now();
  pid_t pid;
  {
    std::lock_guard lk(mu_);
    c.hold = true;
    c.restart_pending = false;
    pid = c.pid;
    if (pid <= 0) return true;
    kill(pid, c.stop_signal);
  }
  if (!wait_until([&] { return c.pid != pid; }, c.stop_timeout)) {
    killpg(pid, SIGKILL);
    wait_until([&] { return c.pid != pid; }, 5s);
    out(c.name + ": did not stop within " + std::to_string(c.stop_timeout.count()) + " s; killed");
    return false;
  }
  out(c.name + ": SIG" + std::string(sigabbrev_np(c.stop_signal)) +
      " → drained and exited (status " + std::to_string(c.last_exit) + ") in " +
      fmt_secs(seconds_since(t0)));
  return true;
}

bool Supervisor::replace_instance(Component& c, const SpawnOptions& spec,
                                  const std::string& release, std::chrono::seconds ready_timeout,
                                  const Out& out) {
  drain_out_of_pool(c, out);
  stop_one(c, out);
  const auto t0 = Clock::now();
  {
    std::lock_guard lk(mu_);
    c.spawn = spec;
    c.release = release;
    start(c);
  }
  out(c.name + ": started release " + release + " (pid " + std::to_string(c.pid) + ")");
  const bool ok = wait_until([&] { return c.ready || c.pid <= 0; }, ready_timeout) && c.ready;
  if (!ok) {
    out(c.name + ": release " + release +
        (c.pid <= 0 ? " exited with status " + std::to_string(c.last_exit) + " before getting ready"
                    : " not ready after " + std::to_string(ready_timeout.count()) + " s"));
    for (std::istringstream in(tail_lines(c.spawn.log_file, 4)); !in.eof();) {
      std::string l;
      std::getline(in, l);
      if (!l.empty()) out("    | " + l);
    }
    stop_one(c, out);
    return false;
  }
  {
    std::lock_guard lk(mu_);
    c.out_of_pool = false;
    c.hold = false;
    c.failures_in_row = 0;
    update_pools_locked();
  }
  out(c.name + ": ready in " + fmt_secs(seconds_since(t0)) + "; back in the pool");
  return true;
}

int Supervisor::op_deploy(const std::map<std::string, std::string>& args,
                          const std::map<std::string, std::string>& env, const Out& out) {
  const fs::path bin_dir =
      args.count("bin_dir") && !args.at("bin_dir").empty()
          ? fs::path(args.at("bin_dir"))
          : (topo_.bin_dir.empty() ? fs::read_symlink("/proc/self/exe").parent_path()
                                   : topo_.bin_dir);
  const auto ready_timeout =
      std::chrono::seconds(args.count("ready_timeout") ? std::stoi(args.at("ready_timeout")) : 20);
  std::vector<std::string> apps;
  for (auto& c : comps_)
    if (c->kind == Kind::app && std::find(apps.begin(), apps.end(), c->app) == apps.end() &&
        (!args.count("app") || args.at("app").empty() || args.at("app") == c->app))
      apps.push_back(c->app);
  if (apps.empty()) {
    out("nothing to deploy (no such app in this topology)");
    return 2;
  }
  const auto t_all = Clock::now();
  for (const auto& app : apps) {
    const auto src = bin_dir / app;
    if (!fs::exists(src)) {
      out(app + ": " + src.string() + " does not exist; nothing changed");
      return 1;
    }
    std::string stamp = std::to_string(std::time(nullptr));
    while (fs::exists(state_ / "releases" / app / stamp)) stamp += "x";
    const auto rel = state_ / "releases" / app / stamp;
    fs::create_directories(rel);
    fs::copy_file(src, rel / app, fs::copy_options::overwrite_existing);
    std::string rolling = app + ": rolling out release ";
    rolling += stamp + " from " + src.string();
    rolling += ", one instance at a time";
    out(rolling);
    if (!run_migrations(app, (rel / app).string(), out)) {
      out(app + ": migrations failed; no instance was touched");
      prune_releases_of(app, out);
      return 1;
    }
    struct Done {
      Component* c;
      SpawnOptions spec;
      std::string release;
    };
    std::vector<Done> done;
    std::vector<Component*> instances;
    for (auto& c : comps_)
      if (c->kind == Kind::app && c->app == app) instances.push_back(c.get());
    for (auto* c : instances) {
      Done before{c, c->spawn, c->release};
      SpawnOptions spec = c->spawn;
      spec.argv[0] = (rel / app).string();
      for (auto& [k, v] : env) spec.env[k] = v;
      if (replace_instance(*c, spec, stamp, ready_timeout, out)) {
        done.push_back(before);
        continue;
      }
      out(c->name + ": ROLLING BACK to release " + before.release);
      replace_instance(*c, before.spec, before.release, ready_timeout, out);
      for (auto it = done.rbegin(); it != done.rend(); ++it)
        replace_instance(*it->c, it->spec, it->release, ready_timeout, out);
      std::string failed = "deploy of " + app;
      failed += " FAILED: release " + stamp;
      failed += " never became ready on " + c->name;
      failed += "; rolled back, every instance runs release " + before.release + " again";
      out(failed);
      prune_releases_of(app, out);
      return 1;
    }
    out(app + ": release " + (stamp + " on every instance"));
    prune_releases_of(app, out);
  }
  out("deploy finished in " + fmt_secs(seconds_since(t_all)));
  return 0;
}

}  // namespace tierstack
