#pragma once
// Owns: child processes. fork+exec with a log file, a user and a network
// namespace (SpawnOptions), running a command to completion, liveness, and
// an nginx master's workers. Nothing here knows about the topology.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tierstack {

struct SpawnOptions {
  std::vector<std::string> argv;           // argv[0] is the executable path
  std::map<std::string, std::string> env;  // added to (overriding) the inherited environment
  std::filesystem::path log_file;          // stdout+stderr, appended
  std::filesystem::path cwd;
  std::optional<uid_t> uid;  // drop to this user (and its groups) before exec
  std::optional<gid_t> gid;
  std::string netns;  // join this network namespace (/run/netns/NAME) before exec
};

// fork+exec in a new process group (so a terminal's Ctrl-C reaches only
// tierstack, which stops children in order). Throws on fork failure; exec
// failure shows as exit status 127 with the reason in the log.
pid_t spawn(const SpawnOptions& opt);

// Runs to completion (same options), returns the exit status (128+signal).
int run_to_end(const SpawnOptions& opt, std::chrono::seconds timeout);

bool alive(pid_t pid);
// Waits for a pid that is not our child to disappear.
bool wait_gone(pid_t pid, std::chrono::milliseconds timeout);

// Worker pids of an nginx master (children of it) — to know when a reload finished.
std::vector<pid_t> children_of(pid_t parent);

}  // namespace tierstack

namespace tierstack {

// A system user's uid and gid, when tierstack runs as root and it exists
// (PostgreSQL and Prometheus then run as their own users).
std::optional<std::pair<uid_t, gid_t>> system_user(const char* name);
// chown -R without following links.
void chown_tree(const std::filesystem::path& p, uid_t uid, gid_t gid);

}  // namespace tierstack
