#pragma once
// Owns: how much the state directory keeps — logs/ rotated by size and
// releases/ pruned to the newest few (docs/operations.md, "Logs and
// releases"). The supervisor calls these at `up`, every few seconds while it
// runs (logs) and after each deploy (releases); the choices are pure
// functions so the unit tests check them without a topology.
//
// Rotation copies and truncates: the instances write their log through a
// descriptor opened with O_APPEND (spawn()), which tierstack cannot make
// them reopen, so NAME.log keeps its inode and the writers simply continue
// at its new end. It must never rename a live log (the writer would go on
// filling the renamed file) and never delete a release an instance runs.
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace tierstack {

struct LogRotation {
  std::uintmax_t max_bytes = 10ULL << 20;  // rotate a log once it is above this
  int keep = 3;                            // NAME.log.1 … NAME.log.<keep>
};

// The live logs of a directory: its *.log files (not the rotated NAME.log.N).
std::vector<std::filesystem::path> live_logs(const std::filesystem::path& dir);

// Rotates each file above the bound: NAME.log.N is dropped (N = keep),
// NAME.log.K becomes NAME.log.K+1, NAME.log is copied to NAME.log.1 and
// truncated to nothing. keep = 0 only truncates. Lines written in the instant
// between the copy and the truncation are lost. Returns the rotated files;
// a file that cannot be rotated (gone, no permission) is skipped.
std::vector<std::filesystem::path> rotate_logs(const std::vector<std::filesystem::path>& files,
                                               const LogRotation& rotation);

// Which releases of one app to delete: all but the newest `keep` (by their
// stamp: the epoch second, "x" appended for a second release in the same
// second) and those in use. Names that are not stamps are never deleted.
std::vector<std::string> releases_to_prune(std::vector<std::string> releases,
                                           const std::set<std::string>& in_use, int keep);

// Deletes what releases_to_prune() picks in releases_dir/<app>/; returns the
// removed directories.
std::vector<std::filesystem::path> prune_releases(const std::filesystem::path& releases_dir,
                                                  const std::string& app,
                                                  const std::set<std::string>& in_use, int keep);

}  // namespace tierstack
