#include "shop/service/checkout.hpp"

#include <boost/json.hpp>

#include "platform/auth/crypto.hpp"
#include "platform/db/error.hpp"
#include "shop/domain/card_object.hpp"
#include "shop/domain/checkout.hpp"
#include "shop/domain/errors.hpp"
#include "shop/domain/json_values.hpp"
#include "shop/service/cards.hpp"
#include "shop/storage/addresses.hpp"
#include "shop/storage/idempotency.hpp"

namespace shop::service {

using domain::InvalidFields;
using domain::Refusal;

namespace {

Refusal invalid(std::string message, std::string code = {}) {
  return {Refusal::Kind::invalid, std::move(message), std::move(code)};
}

const boost::json::value* require_key(const boost::json::object& body, std::string_view key,
                                      domain::FieldErrors& errors) {
  const auto* v = body.if_contains(key);
  if (!v) errors.add(key, std::string(domain::msg::kRequired));
  return v;
}

void throw_if(domain::FieldErrors& errors) {
  if (!errors.empty()) throw InvalidFields(std::move(errors));
}

bool save_card_flag(const boost::json::object& body) {
  const auto* v = body.if_contains("save_card");
  return v && !domain::is_falsy(*v) && domain::parse_drf_boolean(*v).value_or(true);
}

// ---- idempotency -------------------------------------------------------------

std::string request_hash(const Shop& shop, std::string_view scope, std::string_view body) {
  // Keyed, because the body may hold a card number.
  return ts::auth::hex_encode(ts::auth::hmac_sha256(shop.settings.secret_key,
                                                    std::string(scope) + '\n' + std::string(body)));
}

// Runs `work` once per (user, Idempotency-Key): a retry with the same body
// replays the stored answer, a different body is refused, a concurrent
// duplicate is told to wait. `work` returns the answer to store, or throws
// (nothing stored, the key is free again — a charge it made is protected by
// the gateway's own idempotency key, derived from the same client key).
// `work` gets, when it took over from a process that died, what that one
// noted (note_idempotency_progress).
using IdempotentWork = std::function<Answer(const std::optional<std::string>& progress)>;
Answer idempotent(Shop& shop, const User& user, const domain::IdempotencyKey& key,
                  std::string_view raw_body, const IdempotentWork& work) {
  const std::string stored_key = key.stored();
  // A key left 'started' longer than settings.idempotency_takeover was
  // abandoned by a crashed process, so a retry may take it over. Safe against
  // a double charge: the retry charges with the same gateway idempotency key,
  // and the order row is unique per (user, key).
  const auto claim = storage::claim_idempotency_key(*shop.db, user.id, stored_key,
                                                    request_hash(shop, key.scope(), raw_body),
                                                    shop.settings.idempotency_takeover);
  using Outcome = storage::KeyClaim::Outcome;
  switch (claim.outcome) {
    case Outcome::replay:
      return {claim.response->status, claim.response->body, true};
    case Outcome::in_progress:
      throw Refusal(Refusal::Kind::in_progress,
                    "A request with this Idempotency-Key is still being processed.",
                    "idempotency_key_in_use");
    case Outcome::mismatch:
      throw Refusal(Refusal::Kind::reused_key,
                    "This Idempotency-Key was already used with a different request.",
                    "idempotency_key_reused");
    case Outcome::claimed:
      break;
  }
  try {
    return work(claim.progress);
  } catch (...) {
    storage::release_idempotency_key(*shop.db, user.id, stored_key);
    throw;
  }
}

// A card set up for a checkout, as noted on its idempotency key (ids, brand,
// last four, expiry, name: never the number).
std::string card_note(const domain::GatewayCard& c) {
  return boost::json::serialize(boost::json::object{{"set_up_card", domain::card_note_object(c)}});
}

std::optional<domain::GatewayCard> card_of_note(const std::string& note) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(note, ec);
  const auto* o = !ec && v.is_object() ? v.as_object().if_contains("set_up_card") : nullptr;
  if (!o || !o->is_object()) return std::nullopt;
  return domain::card_of_note_object(o->as_object());
}

// ---- charge and record ---------------------------------------------------------

struct ChargePlan {
  domain::OrderDraft order;
  std::string customer_id;
  std::string card_id;
  std::string gateway_key;
  std::optional<std::string> key;          // the Idempotency-Key's stored form, if any
  std::optional<storage::SavedCard> save;  // a new card to save with the order
};

// Charges the order's total and records it (with the saved card when asked)
// in one transaction that also completes the idempotency key. A refused
// charge is answered (and, with a key, stored) as `declined`, with no order.
Answer charge_and_record(Shop& shop, const User& user, ChargePlan plan, const Wording& wording) {
  domain::ChargeRequest req{plan.customer_id,
                            plan.card_id,
                            plan.order.amount_minor(),
                            "inr",
                            "Order: " + plan.order.ordered_item,
                            plan.gateway_key};
  auto charge = shop.gateway->charge(req);
  if (!charge) {
    const auto& e = charge.error();
    if (e.kind != domain::GatewayError::Kind::card) throw domain::GatewayFailure(e, true);
    auto answer = wording.declined(e);
    if (plan.key) {
      auto lease = shop.db->acquire();
      storage::complete_idempotency_key(*lease, user.id, *plan.key, {answer.status, answer.body},
                                        std::nullopt);
    }
    return answer;
  }
  domain::mark_paid(plan.order, charge.value().id, domain::now_timestamp());
  auto lease = shop.db->acquire();
  ts::db::Transaction tx(*lease);
  Placed placed;
  placed.customer_id = plan.customer_id;
  placed.order_id = storage::insert_order(*lease, user.id, plan.order, plan.key);
  if (plan.save) {
    try {
      storage::insert_card(*lease, *plan.save);
    } catch (const ts::db::UniqueViolation&) {
      // Same gateway card saved already: the order matters, the copy does not.
    }
  }
  if (wording.with_order) {
    placed.order = storage::find_order(*lease, placed.order_id);
    if (!placed.order) throw std::runtime_error("order vanished");
  }
  auto answer = wording.placed(placed);
  if (plan.key)
    storage::complete_idempotency_key(*lease, user.id, *plan.key, {answer.status, answer.body},
                                      placed.order_id);
  tx.commit();
  return answer;
}

// ---- /api/checkout/ ----------------------------------------------------------

// The card to pay with: one of the caller's saved cards, or one typed in.
struct PaymentCard {
  std::optional<storage::SavedCard> saved;
  std::optional<TypedCard> typed;
  std::string last4;
};

PaymentCard read_payment_card(Shop& shop, const User& user, const boost::json::value* card_v,
                              const boost::json::value* saved_v) {
  PaymentCard out;
  if (saved_v) {
    auto id = domain::id_value(*saved_v);
    if (id) out.saved = storage::find_card(*shop.db, *id);
    if (!out.saved || out.saved->user_id != user.id || !out.saved->card_id ||
        !out.saved->customer_id)
      throw InvalidFields("saved_card_id", "Invalid pk - object does not exist.");
    out.last4 = out.saved->last4.value_or("");
  } else {
    out.typed = read_card(card_v->as_object());
    out.last4 = domain::last_four(out.typed->digits);
  }
  return out;
}

// The draft order of a checkout body, and the card it is paid with.
std::pair<domain::OrderDraft, PaymentCard> read_checkout(Shop& shop, const User& user,
                                                         const boost::json::object& body) {
  domain::FieldErrors errors;
  const auto* product_v = require_key(body, "product_id", errors);
  const auto* address_v = require_key(body, "address_id", errors);
  const auto* card_v = body.if_contains("card");
  const auto* saved_v = body.if_contains("saved_card_id");
  if (card_v && card_v->is_null()) card_v = nullptr;
  if (saved_v && saved_v->is_null()) saved_v = nullptr;
  if (!card_v && !saved_v)
    errors.add("card", "Either card or saved_card_id is required.");
  else if (card_v && saved_v)
    errors.add("card", "Send either card or saved_card_id, not both.");
  else if (card_v && !card_v->is_object())
    errors.add("card", "Expected an object with number, exp_month, exp_year and cvc.");
  throw_if(errors);

  auto product_id = domain::id_value(*product_v);
  auto product = product_id ? storage::find_product_snapshot(*shop.db, *product_id) : std::nullopt;
  if (!product) throw InvalidFields("product_id", "Invalid pk - object does not exist.");
  auto address_id = domain::id_value(*address_v);
  auto address = address_id ? storage::find_address(*shop.db, *address_id) : std::nullopt;
  if (!address || address->user_id != user.id)
    throw InvalidFields("address_id", "Invalid pk - object does not exist.");
  auto card = read_payment_card(shop, user, card_v, saved_v);

  domain::CheckoutInput input;
  input.product = *product;
  input.shipping = {address->id, address->fields};
  input.card_last4 = card.last4;
  if (const auto* v = body.if_contains("expected_total"))
    input.client_amounts.emplace_back("expected_total", *v);
  auto draft = domain::prepare_order(input);
  if (!draft) throw InvalidFields(draft.error().field, draft.error().message);
  return {std::move(draft.value()), std::move(card)};
}

}  // namespace

Answer checkout(Shop& shop, const User& user, const domain::IdempotencyKey& key,
                std::string_view raw_body, const boost::json::object& body,
                const Wording& wording) {
  return idempotent(shop, user, key, raw_body, [&](const std::optional<std::string>& progress) {
    auto [draft, card] = read_checkout(shop, user, body);
    ChargePlan plan;
    plan.order = std::move(draft);
    if (card.saved) {
      plan.customer_id = *card.saved->customer_id;
      plan.card_id = *card.saved->card_id;
    } else {
      // A retry taking over from a process that died after setting up the
      // card charges that card: the same parameters under the same gateway
      // key, so a charge already made is answered again, not refused as a
      // reused key nor made twice. (The body, hence the card, is the same.)
      auto set_up = progress ? card_of_note(*progress) : std::nullopt;
      if (!set_up) {
        set_up = set_up_card(shop, user, user.email, card.typed->input, true);
        storage::note_idempotency_progress(*shop.db, user.id, key.stored(), card_note(*set_up));
      }
      plan.customer_id = set_up->customer_id;
      plan.card_id = set_up->id;
      if (save_card_flag(body) &&
          !has_same_card(shop, user, set_up->last4, set_up->exp_month, set_up->exp_year))
        plan.save = saved_from(user, user.email, *set_up);
    }
    plan.gateway_key = key.gateway(user.id);
    plan.key = key.stored();
    return charge_and_record(shop, user, std::move(plan), wording);
  });
}

// ---- /payments/charge-customer/ --------------------------------------------------

namespace {

// The caller's saved address the original client's flattened text was built from.
std::optional<storage::Address> match_address(Shop& shop, const User& user, std::string_view text) {
  const auto wanted = domain::squash_whitespace(text);
  for (auto& a : storage::list_addresses(*shop.db, user.id)) {
    const auto& f = a.fields;
    const auto client_form =
        f.house_no + ", near " + f.landmark + ", " + f.city + ", " + f.state + ", " + f.pin_code;
    if (domain::squash_whitespace(client_form) == wanted ||
        domain::squash_whitespace(domain::flatten_address(f)) == wanted)
      return a;
  }
  return std::nullopt;
}

// The product and its price come from the catalogue, not from the body.
domain::ProductSnapshot charged_product(Shop& shop, const boost::json::value* product_id_v,
                                        const boost::json::value* item_v) {
  std::optional<domain::ProductSnapshot> product;
  if (product_id_v) {
    if (auto id = domain::id_value(*product_id_v))
      product = storage::find_product_snapshot(*shop.db, *id);
  } else if (item_v->is_string()) {
    product = storage::find_product_snapshot_by_name(*shop.db, std::string(item_v->get_string()));
  }
  if (!product) throw invalid("This product does not exist.", "unknown_product");
  return *product;
}

storage::Address charged_address(Shop& shop, const User& user,
                                 const boost::json::value* address_id_v,
                                 const boost::json::value* address_v) {
  std::optional<storage::Address> address;
  if (address_id_v) {
    if (auto id = domain::id_value(*address_id_v)) address = storage::find_address(*shop.db, *id);
    if (address && address->user_id != user.id) address.reset();
  } else if (address_v->is_string()) {
    address = match_address(shop, user, address_v->get_string());
  }
  if (!address) throw invalid("Select one of your saved addresses.", "unknown_address");
  return *address;
}

// The card set up by the create-card call that preceded this one, or a saved card.
std::pair<std::string, std::string> charged_card(Shop& shop, const User& user,
                                                 const std::string& last4,
                                                 const boost::json::object& body) {
  std::string customer_id, card_id;
  std::string source;
  if (const auto* v = body.if_contains("source"); v && v->is_string()) source = v->get_string();
  if (auto pending = storage::find_pending_card(*shop.db, user.id, last4);
      pending && (source.empty() || source == pending->card_id)) {
    customer_id = pending->customer_id;
    card_id = pending->card_id;
  } else if (auto saved = source.empty()
                              ? storage::find_card_by_last4(*shop.db, user.id, last4)
                              : storage::find_card_by_gateway_id(*shop.db, user.id, source)) {
    customer_id = saved->customer_id.value_or("");
    card_id = saved->card_id.value_or("");
  }
  if (customer_id.empty() || card_id.empty())
    throw invalid("Add this card first (/payments/create-card/).", "unknown_card");
  return {customer_id, card_id};
}

}  // namespace

Answer charge_customer(Shop& shop, const User& user, const std::optional<std::string>& key_header,
                       std::string_view raw_body, const boost::json::object& body,
                       const Wording& wording) {
  domain::FieldErrors errors;
  const auto* product_id_v = body.if_contains("product_id");
  require_key(body, "amount", errors);
  const auto* card_v = require_key(body, "card_number", errors);
  const auto* item_v =
      product_id_v ? body.if_contains("ordered_item") : require_key(body, "ordered_item", errors);
  const auto* address_id_v = body.if_contains("address_id");
  const auto* address_v =
      address_id_v ? body.if_contains("address") : require_key(body, "address", errors);
  throw_if(errors);

  const auto product = charged_product(shop, product_id_v, item_v);
  const auto address = charged_address(shop, user, address_id_v, address_v);
  const auto card_text = domain::scalar_text(*card_v).value_or("");
  const auto card_digits = domain::normalize_card_number(card_text).value_or("");
  const auto last4 = card_digits.size() >= 4 ? domain::last_four(card_digits) : card_digits;

  domain::CheckoutInput input;
  input.product = product;
  input.shipping = {address.id, address.fields};
  input.card_last4 = last4;
  for (const char* k : {"amount", "total_price"})
    if (const auto* v = body.if_contains(k)) input.client_amounts.emplace_back(k, *v);
  auto draft = domain::prepare_order(input);
  if (!draft) throw invalid(draft.error().message);
  // A pair, not a structured binding: clang 14 (clang-tidy) cannot capture
  // structured bindings in the lambda below.
  const auto card = charged_card(shop, user, last4, body);

  auto run = [&](const std::optional<domain::IdempotencyKey>& k) {
    ChargePlan plan;
    plan.order = std::move(draft.value());
    plan.customer_id = card.first;  // the gateway's customer
    plan.card_id = card.second;
    plan.gateway_key =
        k ? k->gateway(user.id)
          : domain::IdempotencyKey::parse("charge", ts::auth::random_hex(16))->gateway(user.id);
    if (k) plan.key = k->stored();
    auto answer = charge_and_record(shop, user, std::move(plan), wording);
    if (answer.status == 200) storage::forget_pending_card(*shop.db, user.id, last4);
    return answer;
  };
  const auto key = domain::idempotency_key_of("charge", key_header);
  if (key)
    return idempotent(shop, user, *key, raw_body,
                      [&](const std::optional<std::string>&) { return run(key); });
  return run(std::nullopt);
}

}  // namespace shop::service
