#include "shop/domain/cards.hpp"

namespace shop::domain {

namespace {
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}
int prefix_value(std::string_view digits, std::size_t n) {
  if (digits.size() < n) return -1;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v * 10 + (digits[i] - '0');
  return v;
}
bool in_range(int v, int lo, int hi) {
  return v >= lo && v <= hi;
}
}  // namespace

std::string_view brand_code(CardBrand brand) {
  switch (brand) {
    case CardBrand::visa:
      return "visa";
    case CardBrand::mastercard:
      return "mastercard";
    case CardBrand::amex:
      return "amex";
    case CardBrand::discover:
      return "discover";
    case CardBrand::other:
      break;
  }
  return "other";
}

std::string_view brand_display_name(CardBrand brand) {
  switch (brand) {
    case CardBrand::visa:
      return "Visa";
    case CardBrand::mastercard:
      return "MasterCard";
    case CardBrand::amex:
      return "American Express";
    case CardBrand::discover:
      return "Discover";
    case CardBrand::other:
      break;
  }
  return "Unknown";
}

CardBrand brand_from_code(std::string_view code) {
  for (auto b : {CardBrand::visa, CardBrand::mastercard, CardBrand::amex, CardBrand::discover})
    if (brand_code(b) == code) return b;
  return CardBrand::other;
}

namespace card_error {
CardError invalid_number() {
  return {"invalid_number", "Your card number is invalid.", "number"};
}
CardError incorrect_number() {
  return {"incorrect_number", "Your card number is incorrect.", "number"};
}
CardError invalid_expiry_month() {
  return {"invalid_expiry_month", "Your card's expiration month is invalid.", "exp_month"};
}
CardError invalid_expiry_year() {
  return {"invalid_expiry_year", "Your card's expiration year is invalid.", "exp_year"};
}
CardError expired_card() {
  return {"expired_card", "Your card has expired.", "exp_month"};
}
CardError invalid_cvc() {
  return {"invalid_cvc", "Your card's security code is invalid.", "cvc"};
}
CardError incorrect_cvc() {
  return {"incorrect_cvc", "Your card's security code is incorrect.", "cvc"};
}
CardError card_declined() {
  return {"card_declined", "Your card was declined.", ""};
}
CardError insufficient_funds() {
  return {"insufficient_funds", "Your card has insufficient funds.", ""};
}
CardError processing_error() {
  return {"processing_error",
          "An error occurred while processing your card. Try again in a little bit.", ""};
}
}  // namespace card_error

std::optional<std::string> normalize_card_number(std::string_view input) {
  std::string digits;
  for (char c : input) {
    if (is_digit(c)) {
      digits.push_back(c);
    } else if (c != ' ' && c != '-') {
      return std::nullopt;
    }
  }
  return digits;
}

bool luhn_valid(std::string_view digits) {
  if (!all_digits(digits)) return false;
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

CardBrand detect_brand(std::string_view digits) {
  if (!all_digits(digits)) return CardBrand::other;
  const auto len = digits.size();
  const int p2 = prefix_value(digits, 2), p3 = prefix_value(digits, 3);
  const int p4 = prefix_value(digits, 4), p6 = prefix_value(digits, 6);
  if (len == 15 && (p2 == 34 || p2 == 37)) return CardBrand::amex;
  if (len == 16 && (in_range(p2, 51, 55) || in_range(p4, 2221, 2720))) return CardBrand::mastercard;
  if (len >= 16 && len <= 19 &&
      (p4 == 6011 || p2 == 65 || in_range(p3, 644, 649) || in_range(p6, 622126, 622925)))
    return CardBrand::discover;
  if (digits.front() == '4' && (len == 13 || len == 16 || len == 19)) return CardBrand::visa;
  return CardBrand::other;
}

std::string last_four(std::string_view digits) {
  return std::string(digits.size() <= 4 ? digits : digits.substr(digits.size() - 4));
}

std::optional<CardError> check_card_number(std::string_view digits) {
  if (!all_digits(digits) || digits.size() < 12 || digits.size() > 19)
    return card_error::invalid_number();
  if (!luhn_valid(digits)) return card_error::incorrect_number();
  return std::nullopt;
}

std::optional<CardError> check_expiry(int month, int year, YearMonth today) {
  if (month < 1 || month > 12) return card_error::invalid_expiry_month();
  if (year < 1000 || year > 9999 || year > today.year + 50)
    return card_error::invalid_expiry_year();
  // A card is good through the last day of its expiry month.
  if (YearMonth{year, month} < today) return card_error::expired_card();
  return std::nullopt;
}

std::optional<CardError> check_cvc(std::string_view cvc, CardBrand brand) {
  const std::size_t want = brand == CardBrand::amex ? 4 : 3;
  if (cvc.size() != want || !all_digits(cvc)) return card_error::invalid_cvc();
  return std::nullopt;
}

std::optional<int> parse_card_int(std::string_view text) {
  if (!all_digits(text) || text.size() > 4) return std::nullopt;
  int v = 0;
  for (char c : text) v = v * 10 + (c - '0');
  return v;
}

}  // namespace shop::domain
