#include "shop/domain/timestamps.hpp"

#include <cstdio>

namespace shop::domain {

namespace {

using namespace std::chrono;

struct Parts {
  int year;
  unsigned month, day;
  long hour, minute, second, micros;
};

Parts split(Timestamp t) {
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  auto rest = t - day;
  const auto h = duration_cast<hours>(rest);
  rest -= h;
  const auto m = duration_cast<minutes>(rest);
  rest -= m;
  const auto s = duration_cast<seconds>(rest);
  rest -= s;
  return {static_cast<int>(ymd.year()),     static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()), static_cast<long>(h.count()),
          static_cast<long>(m.count()),     static_cast<long>(s.count()),
          static_cast<long>(rest.count())};
}

bool read_int(std::string_view text, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

Timestamp now_timestamp() {
  return time_point_cast<microseconds>(system_clock::now());
}

std::string format_db_timestamp(Timestamp t) {
  const auto p = split(t);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%06ldZ", p.year, p.month, p.day,
                p.hour, p.minute, p.second, p.micros);
  return buf;
}

std::optional<Timestamp> parse_db_timestamp(std::string_view text) {
  int y, mo, d, h, mi, s, us = 0;
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':')
    return std::nullopt;
  if (!read_int(text, 0, 4, y) || !read_int(text, 5, 2, mo) || !read_int(text, 8, 2, d) ||
      !read_int(text, 11, 2, h) || !read_int(text, 14, 2, mi) || !read_int(text, 17, 2, s))
    return std::nullopt;
  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    std::size_t digits = 0;
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) us = us * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 6; ++digits) us *= 10;
  }
  if (pos < text.size() && text[pos] == 'Z') ++pos;
  if (pos != text.size()) return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
  return sys_days{ymd} + hours{h} + minutes{mi} + seconds{s} + microseconds{us};
}

std::string format_api_datetime(Timestamp t) {
  const auto p = split(t + hours{5} + minutes{30});
  char buf[48];
  if (p.micros != 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%06ld+05:30", p.year, p.month,
                  p.day, p.hour, p.minute, p.second, p.micros);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld+05:30", p.year, p.month, p.day,
                  p.hour, p.minute, p.second);
  }
  return buf;
}

}  // namespace shop::domain
