// libFuzzer target: the column decoders of the importers of the original
// systems' databases (shop import-django: src/shop/commands/import_rows.*;
// microblog import-flask: src/microblog/commands/import_rows.*). Their input
// is the text of a column of a database we did not write. The first byte
// picks the decoder; the rest is the column text. Whatever a decoder accepts
// must be a real value that reads back the same.
#include <string>

#include "fuzz_check.hpp"
#include "microblog/commands/import_rows.hpp"
#include "shop/commands/import_rows.hpp"
#include "shop/domain/checkout.hpp"

namespace {

using fuzz::check;
namespace shop_rows = shop::commands::import_rows;
namespace mb_rows = microblog::commands::import_rows;

bool digit(char c) {
  return c >= '0' && c <= '9';
}

int num(const std::string& s, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

int days_in_month(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

// "YYYY-MM-DD?HH:MM:SS" at the start of s names a real instant (a leap
// second :60 included, as the decoders accept it).
bool real_datetime(const std::string& s) {
  const int y = num(s, 0, 4), mo = num(s, 5, 2), d = num(s, 8, 2);
  return mo >= 1 && mo <= 12 && d >= 1 && d <= days_in_month(y, mo) && num(s, 11, 2) <= 23 &&
         num(s, 14, 2) <= 59 && num(s, 17, 2) <= 60;
}

void shop_timestamp(const std::string& in) {
  const auto out = shop_rows::normalize_timestamp(in);
  if (!out) return;
  // "2021-06-29T16:03:10.030860Z"
  const std::string& o = *out;
  check(o.size() == 27 && o[4] == '-' && o[7] == '-' && o[10] == 'T' && o[13] == ':' &&
        o[16] == ':' && o[19] == '.' && o[26] == 'Z');
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22, 23, 24, 25})
    check(digit(o[i]));
  check(real_datetime(o));
  check(shop_rows::normalize_timestamp(o) == out);
  // The date and time are the input's, untouched.
  check(o.compare(0, 10, in, 0, 10) == 0 && o.compare(11, 8, in, 11, 8) == 0);
}

void shop_cents(const std::string& in) {
  const auto c = shop_rows::decimal_cents(in);
  if (!c) return;
  check(*c >= 0);
  const std::string text =
      std::to_string(*c / 100) + "." + std::to_string(*c / 10 % 10) + std::to_string(*c % 10);
  check(shop_rows::decimal_cents(text) == c);
}

void shop_text(const std::string& in) {
  const auto d = shop_rows::digits_only(in);
  check(d.size() <= in.size());
  for (char c : d) check(digit(c));
  const auto brand = shop_rows::card_brand(d);
  check(brand == "visa" || brand == "mastercard" || brand == "amex" || brand == "discover" ||
        brand == "other");
  const auto sq = shop::domain::squash_whitespace(in);
  check(shop::domain::squash_whitespace(sq) == sq);
  check(sq.empty() || (sq.front() != ' ' && sq.back() != ' '));
  check(sq.find("  ") == std::string::npos && sq.find_first_of("\t\r\n") == std::string::npos);
}

// Days since the epoch → civil date (the inverse of days_from_civil).
void civil_from_days(std::int64_t z, std::int64_t& y, int& m, int& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

void microblog_timestamp(const std::string& in) {
  const auto us = mb_rows::utc_micros(in);
  if (!us) return;
  check(real_datetime(in));
  // The instant falls on the date and time the text names.
  const std::int64_t secs = (*us >= 0 ? *us : *us - 999'999) / 1'000'000;
  const std::int64_t days = (secs >= 0 ? secs : secs - 86'399) / 86'400;
  const std::int64_t rest = secs - days * 86'400;
  std::int64_t y = 0;
  int m = 0, d = 0;
  civil_from_days(days, y, m, d);
  if (num(in, 17, 2) == 60) return;  // a leap second reads as the next minute
  check(y == num(in, 0, 4) && m == num(in, 5, 2) && d == num(in, 8, 2));
  check(rest == num(in, 11, 2) * 3600 + num(in, 14, 2) * 60 + num(in, 17, 2));
}

void microblog_text(const std::string& in, std::size_t n) {
  const auto head = mb_rows::first_chars(in, n);
  check(in.compare(0, head.size(), head) == 0);
  std::size_t points = 0;
  for (unsigned char c : head) points += (c & 0xC0) != 0x80;
  check(points <= n);
  if (head.size() < in.size()) check(points == n);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string in(fuzz::text(data + 1, size - 1));
  switch (data[0] % 6) {
    case 0:
      shop_timestamp(in);
      break;
    case 1:
      shop_cents(in);
      break;
    case 2:
      shop_text(in);
      break;
    case 3:
      microblog_timestamp(in);
      break;
    case 4:
      microblog_text(in, data[0] / 6);
      break;
    default:
      check(!shop_rows::normalize_timestamp(std::nullopt) && !mb_rows::utc_micros(std::nullopt) &&
            !shop_rows::decimal_cents(std::nullopt));
      shop_text(in);
      microblog_text(in, 140);
      break;
  }
  return 0;
}
