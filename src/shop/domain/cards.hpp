#pragma once
// Card rules that need no processor: number normalisation, Luhn, brand,
// expiry, CVC, last four. Error codes and messages follow Stripe's, so the
// sandbox and the Stripe gateway speak the same language to the client.
#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace shop::domain {

enum class CardBrand { visa, mastercard, amex, discover, other };

std::string_view brand_code(CardBrand brand);  // "visa", "mastercard", "amex", ...
std::string_view brand_display_name(
    CardBrand brand);                              // Stripe's card.brand: "Visa", "MasterCard", ...
CardBrand brand_from_code(std::string_view code);  // inverse of brand_code; unknown -> other

// A calendar month; the current one is injected, never read from a clock here.
struct YearMonth {
  int year = 0;
  int month = 0;
  // clang-tidy 14 takes the 0 in the comparison it synthesises for a pointer.
  // NOLINTNEXTLINE(modernize-use-nullptr): no pointer here; a defaulted <=>
  friend constexpr auto operator<=>(const YearMonth&, const YearMonth&) = default;
};

struct CardError {
  std::string code;     // Stripe's error code: incorrect_number, expired_card, card_declined, ...
  std::string message;  // user-facing, e.g. "Your card was declined."
  std::string param;    // the offending input ("number", "exp_month", ...), "" for declines
  friend bool operator==(const CardError&, const CardError&) = default;
};

namespace card_error {
CardError invalid_number();        // not 12-19 digits
CardError incorrect_number();      // fails the Luhn check
CardError invalid_expiry_month();  // not 1-12
CardError invalid_expiry_year();   // not a 4-digit year within 50 years
CardError expired_card();
CardError invalid_cvc();
CardError incorrect_cvc();
CardError card_declined();
CardError insufficient_funds();
CardError processing_error();
}  // namespace card_error

// Digits only: spaces and dashes dropped; nullopt when anything else appears.
std::optional<std::string> normalize_card_number(std::string_view input);
bool luhn_valid(std::string_view digits);
CardBrand detect_brand(std::string_view digits);
// Last four characters ("4242"); the whole input when shorter.
std::string last_four(std::string_view digits);

// Each returns the first problem, or nullopt when the input is acceptable.
std::optional<CardError> check_card_number(std::string_view digits);
std::optional<CardError> check_expiry(int month, int year, YearMonth today);
// CVC: 3 digits, 4 for American Express.
std::optional<CardError> check_cvc(std::string_view cvc, CardBrand brand);

// exp_month / exp_year as the clients send them: JSON numbers or digit strings ("8", "08", "2028").
std::optional<int> parse_card_int(std::string_view text);

}  // namespace shop::domain
