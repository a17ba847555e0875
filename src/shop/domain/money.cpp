#include "shop/domain/money.hpp"

#include "shop/domain/field_errors.hpp"

#include <cstdlib>

namespace shop::domain {

namespace {

constexpr std::int64_t kExponentCap = 1'000'000'000'000'000;  // 10^15
constexpr std::size_t kMaxStringLength = 1000;                // DRF DecimalField.MAX_STRING_LENGTH

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Python's Decimal precision figures of a literal (DRF validate_precision).
struct Precision {
  std::int64_t total = 0, whole = 0, places = 0;
};

Precision precision_of(const DecimalLiteral& d) {
  const auto n = static_cast<std::int64_t>(d.digits.size());
  const std::int64_t e = d.exponent;
  if (e >= 0) return {n + e, n + e, 0};
  if (n > -e) return {n, n + e, -e};
  return {-e, 0, -e};
}

// digits × 10^(exponent+2) as cents when that is a whole number within the cap.
std::optional<std::int64_t> exact_cents(const DecimalLiteral& d, std::int64_t cap) {
  std::string digits = d.digits;
  std::int64_t shift = d.exponent + 2;
  while (shift < 0) {
    if (digits.size() <= 1) return digits == "0" ? std::optional<std::int64_t>(0) : std::nullopt;
    if (digits.back() != '0') return std::nullopt;
    digits.pop_back();
    ++shift;
  }
  if (digits == "0") return 0;
  if (static_cast<std::int64_t>(digits.size()) + shift > 18) return std::nullopt;
  std::int64_t v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  for (std::int64_t i = 0; i < shift; ++i) v *= 10;
  if (v > cap) return std::nullopt;
  return d.negative ? -v : v;
}

// The text DRF's smart_str() produces for a JSON value, or nullopt for the
// kinds that cannot be a number.
std::optional<std::string> number_text(const boost::json::value& value) {
  if (value.is_string()) return std::string(value.get_string());
  if (value.is_number()) return python_number_text(value);
  return std::nullopt;  // bool ("True"), array, object: never a valid Decimal
}

}  // namespace

std::string Money::to_string() const {
  const bool negative = cents_ < 0;
  const std::uint64_t magnitude =
      negative ? 0 - static_cast<std::uint64_t>(cents_) : static_cast<std::uint64_t>(cents_);
  std::string out = negative ? "-" : "";
  out += std::to_string(magnitude / 100);
  out.push_back('.');
  const auto frac = magnitude % 100;
  out.push_back(static_cast<char>('0' + frac / 10));
  out.push_back(static_cast<char>('0' + frac % 10));
  return out;
}

std::optional<DecimalLiteral> parse_decimal_literal(std::string_view text) {
  text = strip(text);
  std::string s;
  s.reserve(text.size());
  for (char c : text)
    if (c != '_') s.push_back(c);  // Python's Decimal drops underscores

  DecimalLiteral out;
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) out.negative = s[i++] == '-';
  std::string int_digits, frac_digits;
  while (i < s.size() && is_digit(s[i])) int_digits.push_back(s[i++]);
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) frac_digits.push_back(s[i++]);
  }
  if (int_digits.empty() && frac_digits.empty()) return std::nullopt;
  std::int64_t exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) exp_negative = s[i++] == '-';
    if (i == s.size() || !is_digit(s[i])) return std::nullopt;
    while (i < s.size() && is_digit(s[i])) {
      if (exponent < kExponentCap) exponent = exponent * 10 + (s[i] - '0');
      ++i;
    }
    if (exponent > kExponentCap) exponent = kExponentCap;
    if (exp_negative) exponent = -exponent;
  }
  if (i != s.size()) return std::nullopt;

  std::string digits = int_digits + frac_digits;
  const auto first = digits.find_first_not_of('0');
  out.digits = first == std::string::npos ? "0" : digits.substr(first);
  out.exponent = exponent - static_cast<std::int64_t>(frac_digits.size());
  return out;
}

Result<Money, std::string> parse_price(std::string_view text) {
  const auto stripped = strip(text);
  if (utf8_length(stripped) > kMaxStringLength) return failure(std::string(msg::kStringTooLarge));
  const auto literal = parse_decimal_literal(stripped);
  if (!literal) return failure(std::string(msg::kInvalidNumber));
  // Same checks, same order as DRF's DecimalField.validate_precision.
  const auto p = precision_of(*literal);
  if (p.total > 8) return failure(std::string(msg::kMaxDigits));
  if (p.places > 2) return failure(std::string(msg::kMaxDecimalPlaces));
  if (p.whole > 6) return failure(std::string(msg::kMaxWholeDigits));
  const auto cents = exact_cents(*literal, kMaxPriceCents);
  if (!cents) return failure(std::string(msg::kInvalidNumber));  // unreachable after the checks
  return Money::from_cents(*cents);
}

Result<Money, std::string> parse_price(const boost::json::value& value) {
  if (value.is_null()) return failure(std::string(msg::kNull));
  const auto text = number_text(value);
  if (!text) return failure(std::string(msg::kInvalidNumber));
  return parse_price(*text);
}

std::optional<ClientAmount> parse_client_amount(const boost::json::value& value) {
  const auto text = number_text(value);
  if (!text) return std::nullopt;
  const auto literal = parse_decimal_literal(*text);
  if (!literal) return std::nullopt;
  const auto cents = exact_cents(*literal, kMaxPriceCents);
  if (!cents) return ClientAmount{Money{}, false};
  return ClientAmount{Money::from_cents(*cents), true};
}

}  // namespace shop::domain
