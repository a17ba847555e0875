// Process lifecycle: starting a component, noticing its exit and restarting
// it with a back-off, the main loop's tick, waiting for readiness, and
// stopping tier by tier.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <thread>

#include "tierstack/supervise/exec_record.hpp"
#include "tierstack/supervise/supervisor.hpp"

namespace tierstack {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

void Supervisor::start(Component& c) {
  if (c.kind == Kind::app) fs::remove(run_dir_ / (c.name + ".ports"));
  {
    std::ofstream log(c.spawn.log_file, std::ios::app);
    log << "=== tierstack " << now_text() << ": starting " << c.name
        << (c.release.empty() ? "" : " (release " + c.release + ")") << " ===\n";
  }
  c.pid = spawn(c.spawn);
  if (c.kind == Kind::app) record_exec(c);
  c.started = Clock::now();
  c.ready = false;
  c.restart_pending = false;
  write_state_locked();
}

// How this app runs now, for `tierstack exec` (exec_record.hpp): after a
// deploy, the new release and settings.
void Supervisor::record_exec(const Component& c) {
  for (const auto& a : topo_.apps) {
    if (a.name != c.app) continue;
    try {
      write_exec_record(state_, exec_record_of(c, a));
    } catch (const std::exception& e) {
      std::cerr << now_text() << " " << c.name << ": " << e.what() << "\n";
    }
  }
}

void Supervisor::reap() {
  std::lock_guard lk(mu_);
  bool changed = false;
  for (auto& c : comps_) {
    if (c->pid <= 0) continue;
    int st = 0;
    if (waitpid(c->pid, &st, WNOHANG) != c->pid) continue;
    // What the process left in its group (nginx workers, PostgreSQL
    // backends) goes with it, so a restart finds its ports free.
    killpg(c->pid, SIGKILL);
    c->last_exit = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    c->pid = -1;
    c->ready = false;
    changed = true;
    if (!c->hold && !stopping_) {
      if (c->kind == Kind::postgres && db_primary_lost_locked(*c)) continue;  // a failover
      ++c->failures_in_row;
      const auto backoff = std::min<std::chrono::milliseconds>(
          200ms * (1 << std::min(c->failures_in_row - 1, 6)), 10s);
      c->restart_pending = true;
      c->restart_at = std::max(Clock::now() + backoff, c->down_until);
      std::cerr << now_text() << " " << c->name << " exited (status " << c->last_exit
                << "); restarting in "
                << std::chrono::duration_cast<std::chrono::milliseconds>(c->restart_at -
                                                                         Clock::now())
                       .count()
                << " ms\n";
    }
  }
  if (changed) {
    update_pools_locked();
    write_state_locked();
  }
}

void Supervisor::restart_due() {
  std::lock_guard lk(mu_);
  for (auto& c : comps_) {
    if (!c->restart_pending || c->hold || stopping_ || Clock::now() < c->restart_at) continue;
    try {
      start(*c);
      ++c->restarts;
      std::cerr << now_text() << " " << c->name << " restarted (pid " << c->pid << ")\n";
    } catch (const std::exception& e) {
      c->restart_at = Clock::now() + 1s;
      std::cerr << now_text() << " " << c->name << ": restart failed: " << e.what() << "\n";
    }
  }
}

bool Supervisor::tick(std::chrono::milliseconds wait) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&set, s);
  timespec ts{static_cast<time_t>(wait.count() / 1000),
              static_cast<long>(wait.count() % 1000) * 1000000L};
  const int sig = sigtimedwait(&set, nullptr, &ts);
  if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
    std::cerr << now_text() << " signal " << sig << ": stopping everything\n";
    stopping_ = true;
  }
  reap();
  if (Clock::now() >= next_poll_) {
    poll_readiness();
    next_poll_ = Clock::now() + 500ms;
  }
  restart_due();
  if (Clock::now() >= next_rotate_) {
    rotate_logs_now();
    next_rotate_ = Clock::now() + 2s;
  }
  return !stopping_;
}

bool Supervisor::wait_ready(const std::vector<std::string>& names, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  next_poll_ = Clock::now();
  while (tick(50ms)) {
    {
      std::lock_guard lk(mu_);
      bool all = true;
      for (auto& n : names) all = all && find(n)->ready;
      if (all) return true;
    }
    if (Clock::now() > deadline) return false;
    next_poll_ = std::min(next_poll_, Clock::now() + 100ms);  // poll faster while starting
  }
  return false;
}

bool Supervisor::wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    {
      std::lock_guard lk(mu_);
      if (pred()) return true;
    }
    if (Clock::now() > deadline || stopping_) return false;
    std::this_thread::sleep_for(20ms);
  }
}

void Supervisor::stop_group(const std::vector<Component*>& group) {
  {
    std::lock_guard lk(mu_);
    for (auto* c : group) {
      c->hold = true;
      c->restart_pending = false;
      if (c->pid > 0) kill(c->pid, c->stop_signal);
    }
  }
  std::chrono::seconds longest{0};
  for (auto* c : group) longest = std::max(longest, c->stop_timeout);
  const auto deadline = Clock::now() + longest;
  for (;;) {
    reap();
    bool any = false;
    {
      std::lock_guard lk(mu_);
      for (auto* c : group) any = any || c->pid > 0;
      if (!any) return;
      if (Clock::now() > deadline) {
        for (auto* c : group)
          if (c->pid > 0) {
            std::cerr << now_text() << " " << c->name << " did not stop in time: SIGKILL\n";
            killpg(c->pid, SIGKILL);
          }
      }
    }
    std::this_thread::sleep_for(20ms);
  }
}

void Supervisor::stop_all() {
  // Reverse start order, one tier at a time (both zones together).
  std::vector<std::vector<Component*>> tiers;
  std::string last;
  for (auto it = start_order_.rbegin(); it != start_order_.rend(); ++it) {
    Component* c = find(*it);
    const std::string key = c->tier == "monitoring" ? "monitoring" : c->tier;
    if (tiers.empty() || key != last) tiers.emplace_back();
    tiers.back().push_back(c);
    last = key;
  }
  for (auto& group : tiers) stop_group(group);
}

}  // namespace tierstack
