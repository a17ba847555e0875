#pragma once
// Saved cards: typing one in, setting it up at the payment gateway (customer,
// token, attach), saving it, updating and deleting it. The checkout
// (service/checkout.hpp) sets up cards through here too.
//
// Card numbers and CVCs pass from the request to the gateway and nowhere
// else: never into the database, an answer or a log line.
#include <boost/json/object.hpp>

#include <optional>
#include <string>

#include "shop/app.hpp"
#include "shop/domain/cards.hpp"
#include "shop/domain/errors.hpp"
#include "shop/domain/payment_gateway.hpp"
#include "shop/domain/typed_card.hpp"
#include "shop/storage/cards.hpp"

namespace shop::service {

// Number, expiry and CVC of a card the client typed, checked against the
// current month before the gateway sees them (domain::read_card).
using domain::TypedCard;
TypedCard read_card(const boost::json::object& card);

// Tokenizes a typed card and attaches it to the caller's customer (the one
// behind their saved cards with this email, else a new one). `paying`: see
// domain::GatewayFailure.
domain::GatewayCard set_up_card(Shop& shop, const User& user, const std::string& email,
                                const domain::CardInput& input, bool paying);
// The row that saves a gateway card for the user.
storage::SavedCard saved_from(const User& user, const std::string& email,
                              const domain::GatewayCard& c);
// Whether the user saved a card with these last four digits and expiry already.
bool has_same_card(Shop& shop, const User& user, const std::string& last4, int month, int year);
// A saved card as the gateway describes it.
domain::GatewayCard gateway_card_of(const storage::SavedCard& s);

// POST /payments/create-card/: the card and the customer it belongs to.
struct CardSetUp {
  std::optional<std::string> customer_id;
  std::optional<std::string> email;
  domain::GatewayCard card;
};
// "Pay with this card" in the original client posts a saved card's number,
// which is now its last four digits: that saved card, if the user has one.
CardSetUp reuse_saved_card(Shop& shop, const User& user, const std::string& last4);
// A new card: saved when `save`, else remembered as pending for the
// charge-customer call that follows.
CardSetUp add_card(Shop& shop, const User& user, const std::string& email, const TypedCard& typed,
                   bool save);

// POST /payments/update-card/: the fields as sent (text; empty = unchanged).
struct CardChanges {
  std::string card_id, card_number;  // which card: the gateway id, else the number's last four
  std::string exp_month, exp_year, name;
  std::string address_city, address_country, address_state, address_zip;
};
domain::GatewayCard update_card(Shop& shop, const User& user, const CardChanges& changes);

// POST /payments/delete-card/: by row id, gateway card id or last four digits.
struct CardSelector {
  std::optional<std::int64_t> id;
  std::optional<std::string> card_id;
  std::optional<std::string> last4;
};
void delete_card(Shop& shop, const User& user, const CardSelector& which);

// GET /payments/card-details/: the gateway's view of one of the user's cards.
domain::GatewayCard card_details(Shop& shop, const User& user, const std::string& customer_id,
                                 const std::string& card_id);

}  // namespace shop::service
