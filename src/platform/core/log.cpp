#include "platform/core/log.hpp"

#include "platform/core/json_text.hpp"

#include <boost/json/serialize.hpp>

#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

#include <cerrno>
#include <string>

namespace ts::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::info)};

const char* name(Level l) {
  switch (l) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}

std::string now_iso() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto t = system_clock::to_time_t(now);
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}
}  // namespace

void set_level(Level l) {
  g_level.store(static_cast<int>(l), std::memory_order_relaxed);
}
Level level() {
  return static_cast<Level>(g_level.load(std::memory_order_relaxed));
}

bool parse_level(std::string_view t, Level& out) {
  if (t == "debug")
    out = Level::debug;
  else if (t == "info")
    out = Level::info;
  else if (t == "warn" || t == "warning")
    out = Level::warn;
  else if (t == "error")
    out = Level::error;
  else
    return false;
  return true;
}

namespace {
// One write(2) per line: atomic for O_APPEND files and pipes (lines are
// far below PIPE_BUF), so concurrent threads never interleave and no lock
// or stdio buffer is involved.
void emit(const std::string& line) {
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(2, line.data() + done, line.size() - done);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return;
    }
    done += static_cast<std::size_t>(n);
  }
}
}  // namespace

void access(std::string_view request_id, std::string_view method, std::string_view route,
            int status, double duration_ms, std::size_t bytes, std::string_view client, Level lvl) {
  if (static_cast<int>(lvl) < g_level.load(std::memory_order_relaxed)) return;
  std::string line;
  line.reserve(256);
  line += "{\"time\":\"";
  line += now_iso();
  line += "\",\"level\":\"";
  line += name(lvl);
  line += "\",\"msg\":\"request\",\"request_id\":";
  json_text::append_string(line, request_id);
  line += ",\"method\":";
  json_text::append_string(line, method);
  line += ",\"route\":";
  json_text::append_string(line, route);
  char num[96];
  std::snprintf(num, sizeof num,
                ",\"status\":%d,\"duration_ms\":%.3f,\"bytes\":%zu,\"client\":", status,
                duration_ms, bytes);
  line += num;
  json_text::append_string(line, client);
  line += "}\n";
  emit(line);
}

void write(Level l, std::string_view msg, const boost::json::object& fields) {
  if (static_cast<int>(l) < g_level.load(std::memory_order_relaxed)) return;
  boost::json::object line;
  line.reserve(fields.size() + 3);
  line["time"] = now_iso();
  line["level"] = name(l);
  line["msg"] = msg;
  for (const auto& kv : fields) line[kv.key()] = kv.value();
  std::string text = boost::json::serialize(line);
  text.push_back('\n');
  emit(text);
}

}  // namespace ts::log
