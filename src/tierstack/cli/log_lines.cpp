#include "tierstack/cli/log_lines.hpp"

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <limits>
#include <queue>
#include <tuple>

namespace tierstack {
namespace fs = std::filesystem;

namespace {

// n decimal digits at s[at]; false when they are not all there.
bool number(std::string_view s, std::size_t at, std::size_t n, int& v) {
  if (at + n > s.size()) return false;
  v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  return true;
}

// The zone after a stamp: "Z", "+01:00", "-0130" (seconds east of UTC);
// nothing recognised is UTC.
int zone_offset(std::string_view s, std::size_t at) {
  if (at >= s.size() || (s[at] != '+' && s[at] != '-')) return 0;
  int h = 0, m = 0;
  if (!number(s, at + 1, 2, h)) return 0;
  if (!number(s, at + (at + 3 < s.size() && s[at + 3] == ':' ? 4 : 3), 2, m)) m = 0;
  const int secs = h * 3600 + m * 60;
  return s[at] == '-' ? -secs : secs;
}

// The stamp starting at s[i]: YYYY-MM-DD or YYYY/MM/DD, 'T' or ' ',
// HH:MM:SS, an optional fraction and zone.
std::optional<std::int64_t> stamp_at(std::string_view s, std::size_t i) {
  int y = 0, mo = 0, d = 0;
  int h = 0, mi = 0, sec = 0;
  if (!number(s, i, 4, y) || i + 19 > s.size()) return std::nullopt;
  const char sep = s[i + 4];
  if ((sep != '-' && sep != '/') || s[i + 7] != sep || (s[i + 10] != 'T' && s[i + 10] != ' ') ||
      s[i + 13] != ':' || s[i + 16] != ':')
    return std::nullopt;
  if (!number(s, i + 5, 2, mo) || !number(s, i + 8, 2, d) || !number(s, i + 11, 2, h) ||
      !number(s, i + 14, 2, mi) || !number(s, i + 17, 2, sec))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::size_t j = i + 19;
  std::int64_t micros = 0;
  if (j < s.size() && (s[j] == '.' || s[j] == ',')) {
    std::int64_t scale = 100000;
    for (++j; j < s.size() && s[j] >= '0' && s[j] <= '9'; ++j, scale /= 10)
      if (scale > 0) micros += (s[j] - '0') * scale;
  }
  using namespace std::chrono;
  const sys_days date{year{y} / month{static_cast<unsigned>(mo)} / day{static_cast<unsigned>(d)}};
  const std::int64_t secs = date.time_since_epoch().count() * std::int64_t{86400} +
                            std::int64_t{h} * 3600 + std::int64_t{mi} * 60 + sec -
                            zone_offset(s, j);
  return secs * 1000000 + micros;
}

}  // namespace

std::optional<std::int64_t> line_time(std::string_view line) {
  const std::size_t limit = std::min<std::size_t>(line.size(), 64);
  for (std::size_t i = 0; i + 19 <= line.size() && i < limit; ++i) {
    if (line[i] < '0' || line[i] > '9') continue;
    if (auto t = stamp_at(line, i)) return t;
  }
  return std::nullopt;
}

std::vector<MergedLine> merge_by_time(std::vector<LogSource> sources) {
  std::vector<std::vector<std::int64_t>> keys(sources.size());
  std::size_t total = 0;
  for (std::size_t s = 0; s < sources.size(); ++s) {
    std::int64_t last = std::numeric_limits<std::int64_t>::min();
    for (const auto& l : sources[s].lines) {
      if (auto t = line_time(l)) last = *t;
      keys[s].push_back(last);
    }
    total += sources[s].lines.size();
  }
  // (time, source, line): the smallest first, so equal times go by source.
  using Head = std::tuple<std::int64_t, std::size_t, std::size_t>;
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
  for (std::size_t s = 0; s < sources.size(); ++s)
    if (!keys[s].empty()) heads.emplace(keys[s][0], s, 0);
  std::vector<MergedLine> out;
  out.reserve(total);
  while (!heads.empty()) {
    const auto [t, s, i] = heads.top();
    heads.pop();
    out.push_back({s, std::move(sources[s].lines[i])});
    if (i + 1 < keys[s].size()) heads.emplace(keys[s][i + 1], s, i + 1);
  }
  return out;
}

std::string read_range(const fs::path& file, std::uintmax_t from, std::uintmax_t to) {
  if (to <= from) return {};
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  in.seekg(static_cast<std::streamoff>(from));
  std::string buf(static_cast<std::size_t>(to - from), '\0');
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  buf.resize(static_cast<std::size_t>(in.gcount()));
  return buf;
}

std::vector<std::string> last_lines(const fs::path& file, std::uintmax_t end, std::size_t n,
                                    const std::function<bool(std::string_view)>& keep) {
  std::error_code ec;
  std::uintmax_t pos = std::min(end, fs::file_size(file, ec));
  if (ec || n == 0) return {};
  std::string rest;  // the not yet split bytes [pos, end)
  if (pos > 0 && read_range(file, pos - 1, pos) == "\n") --pos;  // the last line's newline
  std::vector<std::string> newest_first;
  constexpr std::uintmax_t kChunk = std::uintmax_t{64} * 1024;
  while (newest_first.size() < n) {
    const auto nl = rest.rfind('\n');
    if (nl == std::string::npos && pos > 0) {
      const auto len = std::min(kChunk, pos);
      pos -= len;
      rest.insert(0, read_range(file, pos, pos + len));
      continue;
    }
    if (nl == std::string::npos) {  // the file's first line
      if (!rest.empty() && (!keep || keep(rest))) newest_first.push_back(rest);
      break;
    }
    std::string line = rest.substr(nl + 1);
    rest.resize(nl);
    if (!keep || keep(line)) newest_first.push_back(std::move(line));
  }
  return {newest_first.rbegin(), newest_first.rend()};
}

FollowedLog::FollowedLog(fs::path file, std::uintmax_t offset)
    : file_(std::move(file)), offset_(offset) {
  struct stat st {};
  if (::stat(file_.c_str(), &st) == 0)
    inode_ = st.st_ino;
  else
    offset_ = 0;  // it appears later: all of it is new
}

void FollowedLog::take(const std::string& bytes, std::vector<std::string>& out) {
  partial_ += bytes;
  std::size_t start = 0;
  for (auto nl = partial_.find('\n'); nl != std::string::npos; nl = partial_.find('\n', start)) {
    out.push_back(partial_.substr(start, nl - start));
    start = nl + 1;
  }
  partial_.erase(0, start);
}

std::vector<std::string> FollowedLog::poll() {
  struct stat st {};
  if (::stat(file_.c_str(), &st) != 0) return {};
  std::vector<std::string> out;
  const auto size = static_cast<std::uintmax_t>(st.st_size);
  if (inode_ != 0 && st.st_ino != inode_) {  // replaced by another file
    offset_ = 0;
    partial_.clear();
  } else if (size < offset_) {  // truncated: the rest went to NAME.log.1
    const fs::path rotated = file_.string() + ".1";
    struct stat r {};
    if (::stat(rotated.c_str(), &r) == 0 && static_cast<std::uintmax_t>(r.st_size) >= offset_)
      take(read_range(rotated, offset_, static_cast<std::uintmax_t>(r.st_size)), out);
    if (!partial_.empty()) out.push_back(std::move(partial_));
    partial_.clear();
    offset_ = 0;
  }
  inode_ = st.st_ino;
  if (size > offset_) {
    take(read_range(file_, offset_, size), out);
    offset_ = size;
  }
  return out;
}

}  // namespace tierstack
