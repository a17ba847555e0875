#pragma once
// PaymentGateway: what the shop needs from a card processor. Implementations:
// SandboxGateway (test mode, the default; the shop keeps its state in the
// database) and a Stripe HTTP gateway.
// Cards enter only through create_card_token (or a token the client made with
// the processor's own script); afterwards the shop holds ids, brand, last four
// and expiry — never the number or the CVC. Calls may block (network): run
// them off the network threads.
#include "shop/domain/cards.hpp"
#include "shop/domain/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shop::domain {

struct GatewayError {
  enum class Kind {
    card,             // the card was refused or is invalid: show `message` (HTTP 402/400)
    invalid_request,  // bad parameters from our side or the client's (400)
    not_found,        // unknown customer / card (404)
    idempotency,      // key reused with different parameters (409)
    unavailable,      // processor unreachable or failing (503; safe to retry with the same key)
  };
  Kind kind = Kind::invalid_request;
  std::string code;  // Stripe-style code: card_declined, insufficient_funds, resource_missing, ...
  std::string message;  // always fit to show to the user
  std::string param;    // offending parameter, if any

  static GatewayError from_card(const CardError& e) {
    return {Kind::card, e.code, e.message, e.param};
  }
  friend bool operator==(const GatewayError&, const GatewayError&) = default;
};

template <class T>
using GatewayResult = Result<T, GatewayError>;

struct CardAddress {
  std::string city, country, state, zip;
  friend bool operator==(const CardAddress&, const CardAddress&) = default;
};

// What the client typed (the original /payments/create-card/ flow).
struct CardInput {
  std::string number;  // spaces and dashes allowed
  int exp_month = 0;
  int exp_year = 0;
  std::optional<std::string> cvc;  // absent: not checked (processors allow that)
  std::string name;
  CardAddress address;
};

// A card as the processor describes it; safe to store and to show.
struct GatewayCard {
  std::string id;           // card_…
  std::string customer_id;  // cus_… ("" for a card only tokenized so far)
  CardBrand brand = CardBrand::other;
  std::string last4;
  int exp_month = 0;
  int exp_year = 0;
  std::string name;
  CardAddress address;
  friend bool operator==(const GatewayCard&, const GatewayCard&) = default;
};

struct CardToken {
  std::string id;  // tok_…, single use
  GatewayCard card;
};

struct Customer {
  std::string id;  // cus_…
  std::string email;
};

struct ChargeRequest {
  std::string customer_id;
  std::string card_id;        // "" = the customer's default (first) card
  std::int64_t amount_minor;  // paise/cents, > 0
  std::string currency = "inr";
  std::string description;
  // The same key always yields the first attempt's result, success or error,
  // and never a second charge. "" = no idempotency.
  std::string idempotency_key;
};

struct Charge {
  std::string id;  // ch_…
  std::int64_t amount_minor = 0;
  std::string currency;
  std::string customer_id;
  std::string card_id;
  CardBrand brand = CardBrand::other;
  std::string last4;
  std::int64_t created = 0;  // Unix seconds
  friend bool operator==(const Charge&, const Charge&) = default;
};

// Fields to change on a saved card; nullopt leaves a field as it is.
struct CardUpdate {
  std::optional<int> exp_month, exp_year;
  std::optional<std::string> name;
  std::optional<std::string> address_city, address_country, address_state, address_zip;
};

class PaymentGateway {
 public:
  virtual ~PaymentGateway() = default;

  virtual GatewayResult<CardToken> create_card_token(const CardInput& card) = 0;
  virtual GatewayResult<Customer> create_customer(std::string_view email) = 0;
  // Attaches a tokenized card to a customer (consumes the token).
  virtual GatewayResult<GatewayCard> attach_card(std::string_view customer_id,
                                                 std::string_view token_id) = 0;
  virtual GatewayResult<Charge> charge(const ChargeRequest& request) = 0;
  virtual GatewayResult<GatewayCard> retrieve_card(std::string_view customer_id,
                                                   std::string_view card_id) = 0;
  virtual GatewayResult<GatewayCard> update_card(std::string_view customer_id,
                                                 std::string_view card_id,
                                                 const CardUpdate& update) = 0;
  virtual GatewayResult<Done> delete_card(std::string_view customer_id,
                                          std::string_view card_id) = 0;
  virtual GatewayResult<Done> delete_customer(std::string_view customer_id) = 0;
};

}  // namespace shop::domain
