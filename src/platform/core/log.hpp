#pragma once
// Structured logging: one JSON object per line on stderr.
//   ts::log::info("listening", {{"port", 8000}});
#include <boost/json/object.hpp>

#include <string_view>

namespace ts::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

void set_level(Level level);
Level level();
bool parse_level(std::string_view text, Level& out);

// Writes {"time":..,"level":..,"msg":..,<fields>} as one line, atomically.
void write(Level level, std::string_view msg, const boost::json::object& fields = {});

// The per-request access line, formatted without building a JSON object:
// {"time","level","msg":"request","request_id","method","route","status","duration_ms","bytes","client"}.
// Level info for requests; the HTTP server passes debug for the probes and
// scrapes (/healthz, /readyz, /metrics), which are counted in the metrics
// instead of burying the requests in the log.
void access(std::string_view request_id, std::string_view method, std::string_view route,
            int status, double duration_ms, std::size_t bytes, std::string_view client,
            Level level = Level::info);

inline void debug(std::string_view m, const boost::json::object& f = {}) {
  if (level() <= Level::debug) write(Level::debug, m, f);
}
inline void info(std::string_view m, const boost::json::object& f = {}) {
  write(Level::info, m, f);
}
inline void warn(std::string_view m, const boost::json::object& f = {}) {
  write(Level::warn, m, f);
}
inline void error(std::string_view m, const boost::json::object& f = {}) {
  write(Level::error, m, f);
}

}  // namespace ts::log
