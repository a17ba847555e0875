// libFuzzer target: JSON request bodies through the shop's input validation
// — the functions its handlers call after Request::json() (shop/domain:
// validation, checkout, money, cards). The input is the body; the dictionary
// (shop_json.dict) carries the field names and typical values, so mutations
// stay mostly well-formed JSON objects with the keys the validators read.
// Whatever a validator accepts must satisfy the rule it promises, and every
// error body must serialise to JSON that parses back to itself.
#include <boost/json.hpp>

#include <string>

#include "fuzz_check.hpp"
#include "shop/domain/cards.hpp"
#include "shop/domain/checkout.hpp"
#include "shop/domain/field_errors.hpp"
#include "shop/domain/money.hpp"
#include "shop/domain/validation.hpp"

namespace {

namespace json = boost::json;
namespace d = shop::domain;
using fuzz::check;

void errors_round_trip(const d::FieldErrors& e) {
  check(!e.empty());
  const json::value v = e.to_json();
  check(json::parse(json::serialize(v)) == v);
}

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// parse_price() is DecimalField(8,2) alone (negative amounts parse); the
// product validators add the model's "greater than or equal to 0".
void price_ok(d::Money m, bool product = true) {
  check(m.cents() >= (product ? 0 : -d::kMaxPriceCents) && m.cents() <= d::kMaxPriceCents);
  // What we store prints as text the same parser reads back to the same value.
  const auto again = d::parse_price(m.to_string());
  check(again.ok() && again.value() == m);
}

void value_checks(const json::value& v) {
  (void)d::is_falsy(v);
  (void)d::parse_drf_boolean(v);
  (void)d::parse_django_boolean(v);
  if (v.is_number()) check(!d::python_number_text(v).empty());
  if (auto p = d::parse_price(v); p.ok()) price_ok(p.value(), false);
  if (auto a = d::parse_client_amount(v); a && a->exact)
    check(a->value.cents() >= -d::kMaxPriceCents && a->value.cents() <= d::kMaxPriceCents);
  if (!v.is_string()) return;
  const std::string_view s = v.get_string();
  if (const auto digits = d::normalize_card_number(s)) {
    check(all_digits(*digits) && digits->size() <= s.size());
    check(d::last_four(*digits).size() == std::min<std::size_t>(digits->size(), 4));
    const auto brand = d::detect_brand(*digits);
    check(d::brand_from_code(d::brand_code(brand)) == brand);
    if (!d::check_card_number(*digits)) {
      check(d::luhn_valid(*digits) && digits->size() >= 12 && digits->size() <= 19);
    }
    (void)d::check_cvc(s, brand);
  }
  if (const auto n = d::parse_card_int(s)) {
    check(!s.empty());
    for (int month : {1, 12, *n}) (void)d::check_expiry(month, *n, d::YearMonth{2026, 12});
  }
}

void registration(const json::object& body) {
  auto r = d::validate_registration(body);
  if (!r.ok()) {
    check(r.error().empty_identity || !r.error().fields.empty());
    if (!r.error().fields.empty()) errors_round_trip(r.error().fields);
    return;
  }
  check(d::valid_username(r->username) && r->username.size() <= d::kUsernameMaxLength);
  check(d::valid_email(r->email) && r->email.size() <= d::kEmailMaxLength);
  const auto len = d::utf8_length(r->password);
  check(len >= d::kPasswordMinLength && len <= d::kPasswordMaxLength);
}

void accounts(const json::object& body) {
  registration(body);
  if (auto u = d::validate_user_update(body, "current_user", "current@example.com"); u.ok()) {
    check(d::valid_username(u->username) && d::valid_email(u->email));
    if (u->new_password) check(d::utf8_length(*u->new_password) >= d::kPasswordMinLength);
  } else {
    errors_round_trip(u.error());
  }
  if (auto l = d::validate_login(body); l.ok())
    check(!l->username.empty() && !l->password.empty());
  else
    errors_round_trip(l.error());
}

void addresses(const json::object& body) {
  auto check_fields = [](const d::AddressFields& a) {
    check(d::valid_phone_number(a.phone_number) && d::valid_pin_code(a.pin_code));
  };
  if (auto a = d::validate_address(body); a.ok())
    check_fields(a.value());
  else
    errors_round_trip(a.error());
  const d::AddressFields current{"Ann",          "+14155550100", "710803", "141",
                                 "Andrew Court", "Briannamouth", "Alabama"};
  if (auto a = d::validate_address_update(body, current); a.ok())
    check_fields(a.value());
  else
    errors_round_trip(a.error());
}

void products(const json::object& body) {
  if (auto p = d::validate_product(body); p.ok())
    price_ok(p->price);
  else
    errors_round_trip(p.error());
  const d::ProductFields current{"Lamp", "A lamp", d::Money::from_cents(120099), true};
  if (auto p = d::validate_product_update(body, current); p.ok())
    price_ok(p->price);
  else
    errors_round_trip(p.error());
}

void orders(const json::object& body) {
  if (auto u = d::parse_delivery_update(body); u.ok()) {
    if (u->delivered_at) check(d::utf8_length(*u->delivered_at) <= d::kDeliveredAtMaxLength);
  } else {
    errors_round_trip(u.error());
  }
  // A checkout whose client amounts are the body's members: accepted only
  // when every non-null one is exactly the product's price.
  d::CheckoutInput in;
  in.product = {7, "Lamp", d::Money::from_cents(120099), true};
  in.card_last4 = "4242";
  for (const auto& kv : body) in.client_amounts.emplace_back(kv.key(), kv.value());
  const auto order = d::prepare_order(in);
  if (order.ok()) {
    check(order->total_price == in.product.price && order->card_number == "4242");
    for (const auto& [field, v] : in.client_amounts) {
      if (v.is_null()) continue;
      const auto a = d::parse_client_amount(v);
      check(a && a->exact && a->value == in.product.price);
    }
  } else {
    check(!order.error().message.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  json::error_code ec;
  const json::value v = json::parse(fuzz::text(data, size), ec);
  if (ec) return 0;
  value_checks(v);
  if (!v.is_object()) return 0;
  const auto& body = v.get_object();
  for (const auto& kv : body) {
    value_checks(kv.value());
    if (kv.value().is_object())
      for (const auto& inner : kv.value().get_object()) value_checks(inner.value());
  }
  accounts(body);
  addresses(body);
  products(body);
  orders(body);
  return 0;
}
