#pragma once
// A gateway card as Stripe's card object (the original answered with Stripe's
// object): ids, brand name, last four, expiry, name, billing address — never
// the number. The checkout also notes it on its idempotency key (with the
// brand's code) to resume after a crash, and reads it back from there.
#include <boost/json/object.hpp>

#include <optional>
#include <string>

#include "shop/domain/payment_gateway.hpp"

namespace shop::domain {

boost::json::object card_object(const GatewayCard& c);
// card_object with the brand's code instead of its display name, and back.
boost::json::object card_note_object(const GatewayCard& c);
std::optional<GatewayCard> card_of_note_object(const boost::json::object& c);

}  // namespace shop::domain
