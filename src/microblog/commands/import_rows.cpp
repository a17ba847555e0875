// Decoders for the values of the original Flask microblog's rows, used by
// import_flask.cpp; in their own file so tests/fuzz/fuzz_import_rows can feed
// them arbitrary column text.
#include "microblog/commands/import_rows.hpp"

namespace microblog::commands::import_rows {

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// A naive UTC DATETIME as SQLAlchemy writes it on SQLite ("2024-09-26
// 04:57:00.123456") or as PostgreSQL's CAST(timestamp AS TEXT) gives it
// ("2024-09-26 04:57:00", no fraction when it is zero) → microseconds since
// the epoch; nullopt for NULL or anything else.
std::optional<std::int64_t> utc_micros(const std::optional<std::string>& in) {
  if (!in) return std::nullopt;
  const std::string& s = *in;
  auto num = [&](std::size_t at, std::size_t n) -> std::optional<int> {
    if (at + n > s.size()) return std::nullopt;
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
             se = num(17, 2);
  if (!y || !mo || !d || !h || !mi || !se || s[4] != '-' || s[7] != '-' ||
      (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':')
    return std::nullopt;
  if (*mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 || *mi > 59 || *se > 60)
    return std::nullopt;
  // The day must exist in its month: found by tests/fuzz/fuzz_import_rows
  // (corpus/import_rows/mb-ts-june-31), where "2016-06-31" became July 1st.
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
  if (*d > (*mo == 2 && leap ? 29 : kDays[*mo - 1])) return std::nullopt;
  std::int64_t frac = 0;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    int digits = 0;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits)
      if (digits < 6) frac = frac * 10 + (s[i] - '0');
    if (digits == 0) return std::nullopt;
    for (; digits < 6; ++digits) frac *= 10;
  }
  const std::string zone = s.substr(i);
  if (!(zone.empty() || zone == "Z" || zone == "+00" || zone == "+00:00")) return std::nullopt;
  const std::int64_t secs =
      days_from_civil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d)) * 86400 +
      std::int64_t{*h} * 3600 + std::int64_t{*mi} * 60 + *se;
  return secs * 1'000'000 + frac;
}

// The first n code points of valid UTF-8 text.
std::string first_chars(const std::string& s, std::size_t n) {
  std::size_t count = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (count == n) break;
      ++count;
    }
  }
  return s.substr(0, i);
}

}  // namespace microblog::commands::import_rows
