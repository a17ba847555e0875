#pragma once
// Owns: the pure parts of `tierstack logs --all / --grep / --follow` — when a
// log line was written (from the time stamp it starts with), several logs
// merged into one stream in time order, and reading a log's last lines or
// what it gained since the last look (surviving rotation, like tail -F).
// cli/logs.cpp is the command around them.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tierstack {

// Microseconds since the epoch (UTC) of the first time stamp in the first
// 64 bytes of a line: "2026-12-07T12:00:00.123Z" (the apps' JSON, Prometheus's
// ts=), "2026-12-07T12:00:00+01:00" (nginx's access log), "2026/12/07
// 12:00:00" (nginx's error log), "2026-12-07 12:00:00.123 UTC" (PostgreSQL).
// A stamp without a zone is taken as UTC. nullopt when the line has none.
std::optional<std::int64_t> line_time(std::string_view line);

struct LogSource {
  std::string label;               // "shop-a", "web-a.error"
  std::vector<std::string> lines;  // in the order the file has them
};

struct MergedLine {
  std::size_t source;  // index into the sources
  std::string text;
};

// All lines of the sources in one stream: by time stamp, where a line
// without one goes with the line before it in its file (so each file's own
// order is kept); equal times in the order of the sources.
std::vector<MergedLine> merge_by_time(std::vector<LogSource> sources);

// The last n lines of a file's first `end` bytes that `keep` accepts (all
// when keep is empty), oldest first; a last line without its newline counts.
std::vector<std::string> last_lines(const std::filesystem::path& file, std::uintmax_t end,
                                    std::size_t n,
                                    const std::function<bool(std::string_view)>& keep);

// A log followed like tail -F: the complete lines it gained since the last
// poll. When the file was truncated (rotated by copying, retention.hpp) the
// rest of what was read from is taken from NAME.log.1 and the file is read
// again from its start; when it was replaced (another inode) or appears, it
// is read from its start.
class FollowedLog {
 public:
  // Follows from `offset` (usually the size when the command started).
  FollowedLog(std::filesystem::path file, std::uintmax_t offset);
  std::vector<std::string> poll();
  const std::filesystem::path& file() const { return file_; }

 private:
  void take(const std::string& bytes, std::vector<std::string>& out);
  std::filesystem::path file_;
  std::uintmax_t offset_ = 0;
  ino_t inode_ = 0;
  std::string partial_;  // a line still without its newline
};

// The bytes of a file in [from, to) (fewer when it is shorter).
std::string read_range(const std::filesystem::path& file, std::uintmax_t from, std::uintmax_t to);

}  // namespace tierstack
