#pragma once
// The checkout, as one call per entry point: the product's price and stock
// (domain/checkout), the caller's address and card, the Idempotency-Key
// (domain/idempotency, storage/idempotency), the charge through the payment
// gateway, and the order recorded with the key completed in one transaction.
// The api parses the request, calls here, and words the answers: the
// answers are stored with the key for replay, so the api words them through
// `Wording` and gets them back as `Answer`s.
#include <boost/json/object.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "shop/app.hpp"
#include "shop/domain/idempotency.hpp"
#include "shop/domain/payment_gateway.hpp"
#include "shop/storage/orders.hpp"

namespace shop::service {

// An answer as the client gets it: status and JSON body; `replayed` when it
// is the stored answer of an earlier request with the same key.
struct Answer {
  int status = 0;
  std::string body;
  bool replayed = false;
};

// An order placed and paid.
struct Placed {
  std::int64_t order_id = 0;
  std::string customer_id;
  std::optional<storage::Order> order;  // when Wording::with_order
};

struct Wording {
  bool with_order = false;  // load the order for `placed` (inside its transaction)
  std::function<Answer(const Placed&)> placed;
  // The gateway refused the card: an answer, not an error, since it is stored for replay.
  std::function<Answer(const domain::GatewayError&)> declined;
};

// POST /api/checkout/: the body {product_id, address_id, card | saved_card_id,
// save_card?, expected_total?} under an Idempotency-Key. `raw_body` is what
// the key is bound to: a retry must send the same bytes. Throws the domain's
// refusals (domain/errors.hpp) and GatewayFailure for a gateway that failed.
Answer checkout(Shop& shop, const User& user, const domain::IdempotencyKey& key,
                std::string_view raw_body, const boost::json::object& body, const Wording& wording);

// POST /payments/charge-customer/, the original client's second step after
// /payments/create-card/: {amount, card_number, ordered_item | product_id,
// address | address_id, total_price?, source?}; the Idempotency-Key is
// optional there, and checked (domain::idempotency_key_of) after the body.
Answer charge_customer(Shop& shop, const User& user, const std::optional<std::string>& key_header,
                       std::string_view raw_body, const boost::json::object& body,
                       const Wording& wording);

}  // namespace shop::service
