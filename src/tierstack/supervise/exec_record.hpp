#pragma once
// Owns: the record of how an app runs in the topology — its binary, working
// directory, network namespace and environment (database URL, secret key,
// public URL … without the instance's own listeners) — which the supervisor
// writes each time it starts an instance of the app and `tierstack exec`
// (and `tierstack mail`) read: <state>/run/<app>.exec.json, mode 0600, since
// it holds the secret key. It stays after `down`, describing the last run.
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "tierstack/supervise/component.hpp"
#include "tierstack/topology/topology.hpp"

namespace tierstack {

struct ExecRecord {
  std::string app;
  std::filesystem::path binary;  // the running release's copy
  std::filesystem::path cwd;     // the state directory
  std::string netns;             // with --isolated: the instance's namespace
  std::map<std::string, std::string> env;
};

std::filesystem::path exec_record_path(const std::filesystem::path& state, const std::string& app);
// What an instance of app `a` runs with, less its instance_env_keys (plan.hpp).
ExecRecord exec_record_of(const Component& c, const AppTier& a);
void write_exec_record(const std::filesystem::path& state, const ExecRecord& r);
// nullopt when the app never started on this state directory; throws
// std::runtime_error for a record that cannot be read.
std::optional<ExecRecord> read_exec_record(const std::filesystem::path& state,
                                           const std::string& app);

}  // namespace tierstack
