#pragma once
// Owns: turning a topology into the list of components to run — names,
// tiers, zones, addresses (subnets with --isolated), ports, command lines,
// environments — without starting or writing anything. `tierstack up` runs
// the plan; the unit tests render configurations from it.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tierstack/supervise/component.hpp"
#include "tierstack/topology/topology.hpp"

namespace tierstack {

class IsolatedNet;

struct PlanInputs {
  std::filesystem::path bin_dir;     // where the app binaries are
  const IsolatedNet* net = nullptr;  // with --isolated: place components in subnets
  // n distinct free ports (os/net.hpp's free_ports); a port the topology
  // fixes is used instead of the one chosen for it.
  std::function<std::vector<std::uint16_t>(std::size_t)> free_ports;
  std::string release;  // the release directory name of this start
  // The app's secret key (<PREFIX>_SECRET_KEY).
  std::function<std::string(const AppTier&)> secret;
  std::string postgres_bindir;  // with postgres: where postgres, initdb … are
  std::optional<std::pair<uid_t, gid_t>> postgres_user, prometheus_user;
};

struct Plan {
  std::vector<std::unique_ptr<Component>> comps;
  std::vector<std::string> start_order;
  std::map<std::string, std::string> db_urls;  // app -> database URL
  std::vector<std::string> notes;              // for the operator (skipped apps)
  std::vector<const AppTier*> apps;            // the apps whose binaries exist
};

// The apps of the topology whose binaries exist in bin_dir; notes for the
// optional ones skipped; throws for a missing required one.
std::vector<const AppTier*> present_apps(const Topology& topo, const std::filesystem::path& bin_dir,
                                         std::vector<std::string>& notes);
Plan plan_components(const Topology& topo, const PlanInputs& in);

// The settings of an app instance's environment that belong to the instance
// itself (its listeners and port file); the rest is the same for every
// instance of the app, and is what `tierstack exec` runs a command with.
std::vector<std::string> instance_env_keys(const std::string& prefix);
// Where an app writes the mail it does not send (<PREFIX>_OUTBOX_DIR):
// <state>/mail/<app>.
std::filesystem::path outbox_dir(const std::filesystem::path& state, const std::string& app);

// The release copy of an app's binary: <state>/releases/<app>/<release>/<app>.
std::filesystem::path release_binary(const Topology& topo, const std::string& app,
                                     const std::string& release);
// The newest PostgreSQL server binaries (/usr/lib/postgresql/N/bin).
std::string postgres_bindir();

}  // namespace tierstack
