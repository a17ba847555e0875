#pragma once
// Money: exact amounts as int64 minor units (cents, two decimal places), and
// parsing that counts digits exactly as DRF's DecimalField(max_digits=8,
// decimal_places=2) does, so prices are accepted/refused with the original's
// messages. Strings are parsed as decimal text, never through a double.
#include "shop/domain/result.hpp"

#include <boost/json/value.hpp>

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shop::domain {

class Money {
 public:
  constexpr Money() = default;
  static constexpr Money from_cents(std::int64_t cents) {
    Money m;
    m.cents_ = cents;
    return m;
  }
  constexpr std::int64_t cents() const { return cents_; }
  // Two decimals, no grouping: "124999.99", "30000.00", "-5.50".
  std::string to_string() const;

  friend constexpr auto operator<=>(Money, Money) = default;
  friend constexpr Money operator+(Money a, Money b) { return from_cents(a.cents_ + b.cents_); }
  friend constexpr Money operator-(Money a, Money b) { return from_cents(a.cents_ - b.cents_); }
  friend constexpr Money operator*(Money a, std::int64_t n) { return from_cents(a.cents_ * n); }

 private:
  std::int64_t cents_ = 0;
};

inline constexpr std::int64_t kMaxPriceCents = 99'999'999;  // 999999.99, DecimalField(8,2)

namespace msg {
inline constexpr std::string_view kInvalidNumber = "A valid number is required.";
inline constexpr std::string_view kMaxDigits =
    "Ensure that there are no more than 8 digits in total.";
inline constexpr std::string_view kMaxWholeDigits =
    "Ensure that there are no more than 6 digits before the decimal point.";
inline constexpr std::string_view kMaxDecimalPlaces =
    "Ensure that there are no more than 2 decimal places.";
inline constexpr std::string_view kStringTooLarge = "String value too large.";
inline constexpr std::string_view kNegativePrice =
    "Ensure this value is greater than or equal to 0.";
}  // namespace msg

// A finite decimal literal as Python's decimal.Decimal sees it:
// value = (-1)^negative × digits × 10^exponent, digits without leading zeros.
struct DecimalLiteral {
  bool negative = false;
  std::string digits;         // "0" for zero; trailing zeros kept ("12.50" -> "1250", -2)
  std::int64_t exponent = 0;  // saturated at ±10^15: anything that large fails every check anyway
};

// Decimal(text) for finite values: surrounding whitespace, sign, digits with
// an optional point, exponent, underscores between digits. NaN/Infinity and
// anything else -> nullopt. ASCII digits only.
std::optional<DecimalLiteral> parse_decimal_literal(std::string_view text);

// DRF DecimalField(8,2).to_internal_value on text / on a JSON value
// (JSON numbers are seen as Python prints them: 1e3 -> "1000.0").
Result<Money, std::string> parse_price(std::string_view text);
Result<Money, std::string> parse_price(const boost::json::value& value);

// An amount the client claims (e.g. "amount": "1200.99" or 1200.99): the exact
// decimal value in cents, or nullopt when it is not a number at all.
// `exact` is false when the value is a number but no whole number of cents
// within ±kMaxPriceCents (e.g. "12.345"), so it can never equal a price.
struct ClientAmount {
  Money value;
  bool exact = false;
};
std::optional<ClientAmount> parse_client_amount(const boost::json::value& value);

}  // namespace shop::domain
