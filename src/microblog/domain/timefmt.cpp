#include "microblog/domain/timefmt.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace microblog::domain {
namespace {

std::tm utc_tm(std::int64_t us) {
  std::time_t secs = static_cast<std::time_t>(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

const char* kMonthsEn[] = {"January", "February", "March",     "April",   "May",      "June",
                           "July",    "August",   "September", "October", "November", "December"};
const char* kMonthsEs[] = {"enero", "febrero", "marzo",      "abril",   "mayo",      "junio",
                           "julio", "agosto",  "septiembre", "octubre", "noviembre", "diciembre"};
const char* kShortEs[] = {"ene.", "feb.", "mar.",  "abr.", "may.", "jun.",
                          "jul.", "ago.", "sept.", "oct.", "nov.", "dic."};

std::string lll(std::int64_t us, std::string_view locale, bool short_month) {
  const auto tm = utc_tm(us);
  char buf[96];
  if (locale == "es") {
    if (short_month)
      std::snprintf(buf, sizeof buf, "%d %s %d %d:%02d", tm.tm_mday, kShortEs[tm.tm_mon],
                    tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
    else
      std::snprintf(buf, sizeof buf, "%d de %s de %d %d:%02d", tm.tm_mday, kMonthsEs[tm.tm_mon],
                    tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
  } else {
    const int h12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
    std::string month = kMonthsEn[tm.tm_mon];
    if (short_month) month.resize(3);
    std::snprintf(buf, sizeof buf, "%s %d, %d %d:%02d %s", month.c_str(), tm.tm_mday,
                  tm.tm_year + 1900, h12, tm.tm_min, tm.tm_hour < 12 ? "AM" : "PM");
  }
  return buf;
}

}  // namespace

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso_utc(std::int64_t us, std::string_view suffix) {
  const auto tm = utc_tm(us);
  // YYYY-MM-DDTHH:MM:SS.ffffff, written digit by digit (snprintf was most of
  // the cost of a user's JSON).
  std::string out(26, '0');
  auto put = [&out](std::size_t at, long long v, int digits) {
    for (int i = digits - 1; i >= 0; --i, v /= 10) out[at + i] = static_cast<char>('0' + v % 10);
  };
  const int year = tm.tm_year + 1900;
  if (year < 0 || year > 9999) {  // outside what four digits hold: the general path
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lld", year, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>(((us % 1000000) + 1000000) % 1000000));
    return std::string(buf) + std::string(suffix);
  }
  put(0, year, 4);
  out[4] = '-';
  put(5, tm.tm_mon + 1, 2);
  out[7] = '-';
  put(8, tm.tm_mday, 2);
  out[10] = 'T';
  put(11, tm.tm_hour, 2);
  out[13] = ':';
  put(14, tm.tm_min, 2);
  out[16] = ':';
  put(17, tm.tm_sec, 2);
  out[19] = '.';
  put(20, ((us % 1000000) + 1000000) % 1000000, 6);
  out += suffix;
  return out;
}

std::string from_now(std::int64_t now, std::int64_t then, std::string_view locale) {
  const double s = std::max<double>(0.0, static_cast<double>(now - then) / 1e6);
  const bool es = locale == "es";
  auto n = [](double v) { return static_cast<long long>(std::llround(v)); };
  auto many = [&](long long v, const char* en_unit, const char* es_unit) {
    return es ? "hace " + std::to_string(v) + " " + es_unit
              : std::to_string(v) + " " + en_unit + " ago";
  };
  if (s < 45) return es ? "hace unos segundos" : "a few seconds ago";
  if (s < 90) return es ? "hace un minuto" : "a minute ago";
  const double m = s / 60;
  if (m < 45) return many(n(m), "minutes", "minutos");
  if (m < 90) return es ? "hace una hora" : "an hour ago";
  const double h = m / 60;
  if (h < 22) return many(n(h), "hours", "horas");
  if (h < 36) return es ? "hace un día" : "a day ago";
  const double d = h / 24;
  if (d < 26) return many(n(d), "days", "días");
  if (d < 45) return es ? "hace un mes" : "a month ago";
  if (d < 320) return many(n(d / 30.4375), "months", "meses");
  if (d < 548) return es ? "hace un año" : "a year ago";
  return many(n(d / 365.25), "years", "años");
}

std::string format_lll(std::int64_t us, std::string_view locale) {
  return lll(us, locale, false);
}
std::string format_lll_short(std::int64_t us, std::string_view locale) {
  return lll(us, locale, true);
}

}  // namespace microblog::domain
