#pragma once
// Internal: the two engine implementations behind ts::db::connect().
#include "platform/db/connection.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace ts::db::detail {

// path is a filesystem path or ":memory:".
std::unique_ptr<Connection> connect_sqlite(const std::string& path, const ConnectOptions& options);
// url is handed to libpq unchanged.
std::unique_ptr<Connection> connect_postgres(const std::string& url, const ConnectOptions& options);
// Parses sqlite:///abs/path or sqlite://:memory: into a path (percent-decoded).
std::string sqlite_path_from_url(std::string_view url);
// Removes parameter values from an engine's error message: every quoted
// occurrence, and every bare occurrence of values at least 4 characters long.
std::string scrub_params(std::string message, const Params& params);
// Parameter text as PostgreSQL expects it (also used for scrubbing).
std::string param_text(const Value& v);

}  // namespace ts::db::detail
