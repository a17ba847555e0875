// libFuzzer target: a card the client types (POST /payments/create-card/,
// a checkout's "card" object) through shop::domain::read_card, the reader
// the shop runs before any payment gateway sees the card. The input is the
// JSON body; an object is read as the card, and so is its "card" member.
// The current month is fixed (2026-06), so seeds keep their meaning.
//   accepted: the number is 12-19 Luhn-valid digits (what the typed number
//     normalises to), the expiry month 1-12 and not before the current
//     month nor more than 50 years ahead, a CVC given has the brand's length
//     in digits, the name is copied; the same card 60 years later is
//     refused as expired or too far;
//   refused: missing keys are InvalidFields naming exactly the missing ones
//     of number/exp_month/exp_year; a bad value is an "invalid" Refusal
//     with one of Stripe's card codes, and its message never repeats the
//     number; nothing else escapes.
#include <boost/json.hpp>

#include <set>
#include <string>

#include "fuzz_check.hpp"
#include "shop/domain/errors.hpp"
#include "shop/domain/json_values.hpp"
#include "shop/domain/typed_card.hpp"

namespace {

namespace json = boost::json;
namespace d = shop::domain;
using fuzz::check;

constexpr d::YearMonth kToday{2026, 6};

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

void accepted(const json::object& card, const d::TypedCard& t) {
  check(t.digits.size() >= 12 && t.digits.size() <= 19 && all_digits(t.digits));
  check(d::luhn_valid(t.digits) && !d::check_card_number(t.digits));
  check(t.input.number == t.digits);
  check(d::normalize_card_number(*d::scalar_text(card.at("number"))) == t.digits);
  const int m = t.input.exp_month, y = t.input.exp_year;
  check(m >= 1 && m <= 12);
  check(d::YearMonth{y, m} >= kToday && y <= kToday.year + 50);
  if (t.input.cvc) {
    const std::size_t want = d::detect_brand(t.digits) == d::CardBrand::amex ? 4 : 3;
    check(t.input.cvc->size() == want && all_digits(*t.input.cvc));
  } else {
    const auto* cvc = card.if_contains("cvc");
    check(!cvc || cvc->is_null());
  }
  const auto* name = card.if_contains("name");
  check(t.input.name == (name && name->is_string() ? std::string(name->get_string()) : ""));
  // The clock decides: sixty years on, the same card has expired.
  try {
    (void)d::read_card(card, {kToday.year + 60, kToday.month});
    check(false);
  } catch (const d::Refusal& e) {
    check(e.code == "expired_card" || e.code == "invalid_expiry_year");
  }
}

void read(const json::object& card) {
  const std::set<std::string> codes = {"invalid_number",       "incorrect_number",
                                       "invalid_expiry_month", "invalid_expiry_year",
                                       "expired_card",         "invalid_cvc"};
  const bool complete =
      card.contains("number") && card.contains("exp_month") && card.contains("exp_year");
  try {
    const auto t = d::read_card(card, kToday);
    check(complete);
    accepted(card, t);
  } catch (const d::InvalidFields& e) {
    check(!complete);
    for (const char* key : {"number", "exp_month", "exp_year"}) {
      const auto* messages = e.errors.find(key);
      check((messages != nullptr) == !card.contains(key));
      if (messages) check(messages->size() == 1 && messages->front() == d::msg::kRequired);
    }
    const json::value v = e.errors.to_json();
    check(v.as_object().size() == e.errors.size());
  } catch (const d::Refusal& e) {
    check(complete && e.kind == d::Refusal::Kind::invalid);
    check(codes.contains(e.code) && !e.text.empty());
    // The number the client typed is never echoed back.
    const auto number = d::scalar_text(card.at("number"));
    const auto digits = number ? d::normalize_card_number(*number) : std::nullopt;
    if (digits && digits->size() >= 4)
      check(e.text.find(*digits) == std::string::npos && e.text.find(*number) == std::string::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  boost::system::error_code ec;
  const json::value v = json::parse(fuzz::text(data, size), ec);
  if (ec || !v.is_object()) return 0;
  const auto& o = v.as_object();
  read(o);
  if (const auto* inner = o.if_contains("card"); inner && inner->is_object())
    read(inner->as_object());
  return 0;
}
