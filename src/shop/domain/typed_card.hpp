#pragma once
// Reading a card the client typed (POST /payments/create-card/ and a
// checkout's "card" object): number, expiry and CVC checked before any
// gateway sees them. Pure: the current month is passed in.
#include <boost/json/object.hpp>

#include <string>

#include "shop/domain/cards.hpp"
#include "shop/domain/payment_gateway.hpp"

namespace shop::domain {

struct TypedCard {
  std::string digits;  // the number, digits only
  CardInput input;
};

// InvalidFields for a missing number/exp_month/exp_year, a Refusal (invalid,
// with Stripe's message and code) for a bad value.
TypedCard read_card(const boost::json::object& card, YearMonth today);

}  // namespace shop::domain
