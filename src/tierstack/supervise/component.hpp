#pragma once
// Owns: the model of one supervised process — what it is (kind, tier, zone,
// addresses, ports, how to start and stop it) and its runtime state. The
// planner (plan.hpp) fills in the first half, the supervisor the second.
// A new kind of component is a Kind value here, a
// placement in plan.cpp, a readiness probe in pools.cpp and, when it has a
// configuration, a renderer under render/.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tierstack/os/process.hpp"

namespace tierstack {

enum class Kind { postgres, app, web, lb, node_exporter, prometheus, alertmanager };

struct Component {
  std::string name;  // shop-a, web-b, lb, prometheus, alertmanager …
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
  int slow_probes = 0;  // readiness probes in a row that got no answer in time
  int last_exit = 0;
  std::chrono::steady_clock::time_point started{}, restart_at{};
  // Not restarted before this (drill kill-instance --down-for).
  std::chrono::steady_clock::time_point down_until{};
  // For req/s in status: the last http_requests_total sum and when.
  double last_total = -1;
  std::chrono::steady_clock::time_point last_scrape{};
};

// In start order of their tiers: database, app, web, lb, monitoring.
using Components = std::vector<std::unique_ptr<Component>>;

}  // namespace tierstack
