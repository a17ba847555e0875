#pragma once
// Small operating-system helpers: child processes, loopback HTTP probes,
// free ports, files.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
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

struct HttpResult {
  int status = 0;  // 0: no answer
  std::string body;
};
// GET http://127.0.0.1:port<path> on a fresh connection with a deadline.
HttpResult http_get(std::uint16_t port, const std::string& path,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(400));
// The same to http://host:port (an IPv4 address), from inside the network
// namespace netns when it is not empty (on a thread that joins it).
HttpResult http_get(const std::string& netns, const std::string& host, std::uint16_t port,
                    const std::string& path,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(400));

// Free loopback TCP ports, all distinct.
std::vector<std::uint16_t> free_ports(std::size_t n);

std::string read_file(const std::filesystem::path& p);
// Writes via a temporary file and rename, so readers never see half a file.
void write_file(const std::filesystem::path& p, const std::string& text, int mode = 0644);
std::string random_hex(std::size_t bytes);
std::string now_text();  // "HH:MM:SS.mmm"
double seconds_since(std::chrono::steady_clock::time_point t);

// Replaces {{name}} with vars[name]; unknown names are an error.
std::string render(const std::string& tmpl, const std::map<std::string, std::string>& vars,
                   const std::string& what);

// Worker pids of an nginx master (children of it) — to know when a reload finished.
std::vector<pid_t> children_of(pid_t parent);

}  // namespace tierstack
