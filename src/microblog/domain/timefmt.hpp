#pragma once
// Times are UTC microseconds since the Unix epoch. These render them the way
// the original's moment.js did, but on the server (no CDN, no script needed).
#include <cstdint>
#include <string>
#include <string_view>

namespace microblog::domain {

std::int64_t now_us();
// 2024-09-26T04:57:00.123456+00:00 (API last_seen) / ...Z (export)
std::string iso_utc(std::int64_t us, std::string_view suffix = "+00:00");
// moment's fromNow: "a few seconds ago", "3 minutes ago", "hace 3 minutos" …
std::string from_now(std::int64_t now, std::int64_t then, std::string_view locale);
// moment's LLL ("September 26, 2024 4:57 AM") and lll ("Sep 26, 2024 4:57 AM"), UTC.
std::string format_lll(std::int64_t us, std::string_view locale);
std::string format_lll_short(std::int64_t us, std::string_view locale);

}  // namespace microblog::domain
