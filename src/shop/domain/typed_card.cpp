#include "shop/domain/typed_card.hpp"

#include "shop/domain/errors.hpp"
#include "shop/domain/json_values.hpp"

namespace shop::domain {

namespace {

[[noreturn]] void refuse(const CardError& e) {
  throw Refusal(Refusal::Kind::invalid, e.message, e.code);
}

const boost::json::value* require_key(const boost::json::object& body, std::string_view key,
                                      FieldErrors& errors) {
  const auto* v = body.if_contains(key);
  if (!v) errors.add(key, std::string(msg::kRequired));
  return v;
}

}  // namespace

TypedCard read_card(const boost::json::object& card, YearMonth today) {
  FieldErrors errors;
  const auto* number = require_key(card, "number", errors);
  const auto* month = require_key(card, "exp_month", errors);
  const auto* year = require_key(card, "exp_year", errors);
  if (!errors.empty()) throw InvalidFields(std::move(errors));
  const auto number_text = scalar_text(*number);
  const auto digits = number_text ? normalize_card_number(*number_text) : std::nullopt;
  if (!digits) refuse(card_error::invalid_number());
  if (auto e = check_card_number(*digits)) refuse(*e);
  const auto m = card_int(*month);
  const auto y = card_int(*year);
  if (!m) refuse(card_error::invalid_expiry_month());
  if (!y) refuse(card_error::invalid_expiry_year());
  if (auto e = check_expiry(*m, *y, today)) refuse(*e);
  TypedCard out;
  out.digits = *digits;
  out.input.number = *digits;
  out.input.exp_month = *m;
  out.input.exp_year = *y;
  if (const auto* cvc = card.if_contains("cvc"); cvc && !cvc->is_null()) {
    const auto text = scalar_text(*cvc);
    if (!text) refuse(card_error::invalid_cvc());
    if (auto e = check_cvc(*text, detect_brand(*digits))) refuse(*e);
    out.input.cvc = *text;
  }
  if (const auto* name = card.if_contains("name"); name && name->is_string())
    out.input.name = std::string(name->get_string());
  return out;
}

}  // namespace shop::domain
