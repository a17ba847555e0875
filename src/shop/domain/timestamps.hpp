#pragma once
// Timestamps as the schema stores them and as the API shows them.
// Stored: fixed-width ISO-8601 UTC text "2021-06-29T16:03:10.030860Z" — the
// same on SQLite and PostgreSQL, sorts chronologically as text, and
// substr(ts, 1, 7) is the month for reports.
// Shown: the original's TIME_ZONE Asia/Kolkata (+05:30, no DST), microseconds
// only when non-zero: "2021-06-29T21:33:10.030860+05:30".
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace shop::domain {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

Timestamp now_timestamp();
std::string format_db_timestamp(Timestamp t);
// Accepts the stored form and, for imported rows, "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC).
std::optional<Timestamp> parse_db_timestamp(std::string_view text);
std::string format_api_datetime(Timestamp t);

}  // namespace shop::domain
