// Decoders for the values of the original Django store's rows, used by
// import_django.cpp; in their own file so tests/fuzz/fuzz_import_rows can
// feed them arbitrary column text.
#include "shop/commands/import_rows.hpp"

namespace shop::commands::import_rows {

// "2021-06-29 16:03:10.03086+00", "2021-06-29 16:03:10", "2021-06-29T16:03:10.030860Z"
// → "2021-06-29T16:03:10.030860Z"; nullopt when it is not such a UTC datetime.
std::optional<std::string> normalize_timestamp(const std::optional<std::string>& in) {
  if (!in) return std::nullopt;
  const std::string& s = *in;
  auto digits = [&](std::size_t at, std::size_t n) {
    if (at + n > s.size()) return false;
    for (std::size_t i = at; i < at + n; ++i)
      if (s[i] < '0' || s[i] > '9') return false;
    return true;
  };
  if (!digits(0, 4) || s.size() < 19 || s[4] != '-' || !digits(5, 2) || s[7] != '-' ||
      !digits(8, 2) || (s[10] != ' ' && s[10] != 'T') || !digits(11, 2) || s[13] != ':' ||
      !digits(14, 2) || s[16] != ':' || !digits(17, 2))
    return std::nullopt;
  // A real date and time, not just digits in the right places: found by
  // tests/fuzz/fuzz_import_rows (corpus/import_rows/shop-ts-day-92), where
  // "2021-06-92" was imported as is.
  auto num = [&](std::size_t at, std::size_t n) { return std::stoi(s.substr(at, n)); };
  const int year = num(0, 4), month = num(5, 2), day = num(8, 2);
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month < 1 || month > 12 || day < 1 || day > (month == 2 && leap ? 29 : kDays[month - 1]) ||
      num(11, 2) > 23 || num(14, 2) > 59 || num(17, 2) > 59)
    return std::nullopt;
  std::string frac;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') frac.push_back(s[i++]);
  }
  const std::string zone = s.substr(i);
  if (!(zone.empty() || zone == "Z" || zone == "+00" || zone == "+00:00")) return std::nullopt;
  frac.resize(6, '0');
  return s.substr(0, 10) + "T" + s.substr(11, 8) + "." + frac.substr(0, 6) + "Z";
}

// "30000", "1200.99", "30000.00", "-1" → cents; nullopt for anything else.
std::optional<std::int64_t> decimal_cents(const std::optional<std::string>& in) {
  if (!in || in->empty()) return std::nullopt;
  std::int64_t whole = 0, frac = 0;
  int frac_digits = 0;
  bool dot = false, any = false, round_up = false;
  for (char c : *in) {
    if (c == '.' && !dot) {
      dot = true;
    } else if (c >= '0' && c <= '9') {
      any = true;
      if (!dot) {
        if (whole > 1'000'000'000'000LL) return std::nullopt;
        whole = whole * 10 + (c - '0');
      } else if (frac_digits < 2) {
        frac = frac * 10 + (c - '0');
        ++frac_digits;
      } else if (frac_digits == 2) {
        round_up = c >= '5';
        ++frac_digits;
      }
    } else {
      return std::nullopt;
    }
  }
  if (!any) return std::nullopt;
  while (frac_digits < 2) {
    frac *= 10;
    ++frac_digits;
  }
  return whole * 100 + frac + (round_up ? 1 : 0);
}

std::string digits_only(const std::string& s) {
  std::string d;
  for (char c : s)
    if (c >= '0' && c <= '9') d.push_back(c);
  return d;
}

std::string card_brand(const std::string& d) {
  auto starts = [&](int lo, int hi, std::size_t n) {
    if (d.size() < n) return false;
    const int v = std::stoi(d.substr(0, n));
    return v >= lo && v <= hi;
  };
  if (!d.empty() && d[0] == '4') return "visa";
  if (starts(51, 55, 2) || starts(2221, 2720, 4)) return "mastercard";
  if (starts(34, 34, 2) || starts(37, 37, 2)) return "amex";
  if (starts(6011, 6011, 4) || starts(65, 65, 2) || starts(644, 649, 3)) return "discover";
  return "other";
}

}  // namespace shop::commands::import_rows
