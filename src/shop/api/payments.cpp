// Payments: saved cards (/account/stripe-cards/, /payments/create-card/,
// update-card/, delete-card/, card-details/), the original client's checkout
// (/payments/charge-customer/), the new front end's idempotent checkout
// (/api/checkout/), check-token and the retired test-payment.
//
// Card numbers and CVCs pass from the request to the gateway and nowhere
// else: never into the database, a response or a log line.
#include <boost/json.hpp>

#include <array>
#include <chrono>
#include <functional>

#include "platform/auth/crypto.hpp"
#include "platform/db/connection.hpp"
#include "platform/http/error.hpp"
#include "shop/api/routes.hpp"
#include "shop/domain/cards.hpp"
#include "shop/domain/checkout.hpp"
#include "shop/storage/addresses.hpp"
#include "shop/storage/cards.hpp"
#include "shop/storage/orders.hpp"

namespace shop::api {

boost::json::object read_body_object(const ts::http::Request& req);  // addresses.cpp

using ts::http::HttpError;
using ts::http::Response;

namespace {

constexpr std::string_view kCardInUse =
    "Card already in use, please uncheck save card option or select a card from saved card list.";
constexpr std::size_t kMaxIdempotencyKey = 255;

domain::YearMonth today() {
  const auto days = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const std::chrono::year_month_day ymd{days};
  return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month()))};
}

HttpError detail_error(int status, std::string_view detail, std::string_view code = {}) {
  boost::json::object body{{"detail", detail}};
  if (!code.empty()) body["code"] = code;
  return HttpError(status, boost::json::value(std::move(body)));
}

HttpError field_error(std::string_view field, std::string_view message) {
  return HttpError::fields({{std::string(field), std::string(message)}});
}

// A gateway outcome as an HTTP answer. `card_status`: 402 when a charge was
// refused (Stripe's status), 400 where the original answered card problems so.
HttpError gateway_error(const domain::GatewayError& e, int card_status) {
  using Kind = domain::GatewayError::Kind;
  switch (e.kind) {
    case Kind::card:
      return detail_error(card_status, e.message, e.code);
    case Kind::invalid_request:
      return detail_error(400, e.message, e.code);
    case Kind::not_found:
      return detail_error(404, e.message, e.code);
    case Kind::idempotency:
      return detail_error(409, e.message, e.code);
    case Kind::unavailable:
      break;
  }
  return detail_error(503, e.message, e.code);
}

bool gateway_missing(const domain::GatewayError& e) {
  return e.kind == domain::GatewayError::Kind::not_found;
}

std::string month_text(const std::optional<int>& v) {
  return v ? std::to_string(*v) : std::string();
}

boost::json::value opt(const std::optional<std::string>& s) {
  return s ? boost::json::value(*s) : boost::json::value(nullptr);
}

// A card as Stripe describes it (the original returned Stripe's object);
// never the number.
boost::json::object card_json(const domain::GatewayCard& c) {
  return {{"id", c.id},
          {"object", "card"},
          {"brand", domain::brand_display_name(c.brand)},
          {"last4", c.last4},
          {"exp_month", c.exp_month},
          {"exp_year", c.exp_year},
          {"customer",
           c.customer_id.empty() ? boost::json::value(nullptr) : boost::json::value(c.customer_id)},
          {"name", c.name.empty() ? boost::json::value(nullptr) : boost::json::value(c.name)},
          {"address_city", c.address.city},
          {"address_country", c.address.country},
          {"address_state", c.address.state},
          {"address_zip", c.address.zip}};
}

domain::GatewayCard gateway_card_of(const storage::SavedCard& s) {
  domain::GatewayCard c;
  c.id = s.card_id.value_or("");
  c.customer_id = s.customer_id.value_or("");
  c.brand = domain::brand_from_code(s.brand);
  c.last4 = s.last4.value_or("");
  c.exp_month = s.exp_month.value_or(0);
  c.exp_year = s.exp_year.value_or(0);
  c.name = s.name_on_card.value_or("");
  c.address = {s.address_city.value_or(""), s.address_country.value_or(""),
               s.address_state.value_or(""), s.address_zip.value_or("")};
  return c;
}

// GET /account/stripe-cards/ row: the original's keys and order; card_number
// holds the last four digits (the original returned the full number).
boost::json::object saved_card_json(const storage::SavedCard& c) {
  return {{"id", c.id},
          {"email", opt(c.email)},
          {"name_on_card", opt(c.name_on_card)},
          {"customer_id", opt(c.customer_id)},
          {"card_number", opt(c.last4)},
          {"exp_month",
           c.exp_month ? boost::json::value(month_text(c.exp_month)) : boost::json::value(nullptr)},
          {"exp_year",
           c.exp_year ? boost::json::value(month_text(c.exp_year)) : boost::json::value(nullptr)},
          {"card_id", opt(c.card_id)},
          {"address_city", opt(c.address_city)},
          {"address_country", opt(c.address_country)},
          {"address_state", opt(c.address_state)},
          {"address_zip", opt(c.address_zip)},
          {"user", c.user_id}};
}

// Text of a string or number value ("8", 8 and 2028 alike); nullopt otherwise.
std::optional<std::string> scalar_text(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64() || v.is_uint64()) return domain::python_number_text(v);
  return std::nullopt;
}

std::optional<int> card_int(const boost::json::value& v) {
  const auto text = scalar_text(v);
  return text ? domain::parse_card_int(*text) : std::nullopt;
}

std::optional<std::int64_t> id_value(const boost::json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() < (1ull << 62))
    return static_cast<std::int64_t>(v.get_uint64());
  if (v.is_string()) {
    const auto s = v.get_string();
    if (s.empty() || s.size() > 18) return std::nullopt;
    std::int64_t n = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
    }
    return n;
  }
  return std::nullopt;
}

const boost::json::value* require_key(const boost::json::object& body, std::string_view key,
                                      domain::FieldErrors& errors) {
  const auto* v = body.if_contains(key);
  if (!v) errors.add(key, std::string(domain::msg::kRequired));
  return v;
}

void throw_if(const domain::FieldErrors& errors) {
  if (!errors.empty()) throw HttpError(400, boost::json::value(errors.to_json()));
}

// Number, expiry and CVC of a card the client typed, checked before the
// gateway sees them. Errors are 400 {"detail": Stripe's message, "code"}.
struct TypedCard {
  std::string digits;
  domain::CardInput input;
};

TypedCard read_card(const boost::json::object& card) {
  domain::FieldErrors errors;
  const auto* number = require_key(card, "number", errors);
  const auto* month = require_key(card, "exp_month", errors);
  const auto* year = require_key(card, "exp_year", errors);
  throw_if(errors);
  const auto number_text = scalar_text(*number);
  const auto digits = number_text ? domain::normalize_card_number(*number_text) : std::nullopt;
  if (!digits) {
    const auto e = domain::card_error::invalid_number();
    throw detail_error(400, e.message, e.code);
  }
  if (auto e = domain::check_card_number(*digits)) throw detail_error(400, e->message, e->code);
  const auto m = card_int(*month);
  const auto y = card_int(*year);
  if (!m) {
    const auto e = domain::card_error::invalid_expiry_month();
    throw detail_error(400, e.message, e.code);
  }
  if (!y) {
    const auto e = domain::card_error::invalid_expiry_year();
    throw detail_error(400, e.message, e.code);
  }
  if (auto e = domain::check_expiry(*m, *y, today())) throw detail_error(400, e->message, e->code);
  TypedCard out;
  out.digits = *digits;
  out.input.number = *digits;
  out.input.exp_month = *m;
  out.input.exp_year = *y;
  if (const auto* cvc = card.if_contains("cvc"); cvc && !cvc->is_null()) {
    const auto text = scalar_text(*cvc);
    const auto brand = domain::detect_brand(*digits);
    if (!text) {
      const auto e = domain::card_error::invalid_cvc();
      throw detail_error(400, e.message, e.code);
    }
    if (auto e = domain::check_cvc(*text, brand)) throw detail_error(400, e->message, e->code);
    out.input.cvc = *text;
  }
  if (const auto* name = card.if_contains("name"); name && name->is_string())
    out.input.name = std::string(name->get_string());
  return out;
}

// The customer to attach a new card to: the one behind the caller's saved
// cards (same email when given), else a new one.
domain::GatewayResult<std::string> customer_for(Shop& shop, const User& user,
                                                const std::string& email) {
  for (const auto& c : storage::list_cards(*shop.db, user.id))
    if (c.customer_id && !c.customer_id->empty() && c.email.value_or("") == email)
      return *c.customer_id;
  auto created = shop.gateway->create_customer(email);
  if (!created) return domain::failure(created.error());
  return created.value().id;
}

// Tokenize a typed card and attach it to a customer: the gateway card.
domain::GatewayCard set_up_card(Shop& shop, const User& user, const std::string& email,
                                const domain::CardInput& input, int card_status) {
  auto customer = customer_for(shop, user, email);
  if (!customer) throw gateway_error(customer.error(), card_status);
  auto token = shop.gateway->create_card_token(input);
  if (!token) throw gateway_error(token.error(), card_status);
  auto card = shop.gateway->attach_card(customer.value(), token.value().id);
  if (!card) throw gateway_error(card.error(), card_status);
  auto out = card.value();
  if (out.customer_id.empty()) out.customer_id = customer.value();
  return out;
}

storage::SavedCard saved_from(const User& user, const std::string& email,
                              const domain::GatewayCard& c) {
  storage::SavedCard s;
  s.user_id = user.id;
  s.email = email;
  if (!c.name.empty()) s.name_on_card = c.name;
  s.customer_id = c.customer_id;
  s.card_id = c.id;
  s.brand = std::string(domain::brand_code(c.brand));
  s.last4 = c.last4;
  s.exp_month = c.exp_month;
  s.exp_year = c.exp_year;
  auto set = [](std::optional<std::string>& dst, const std::string& v) {
    if (!v.empty()) dst = v;
  };
  set(s.address_city, c.address.city);
  set(s.address_country, c.address.country);
  set(s.address_state, c.address.state);
  set(s.address_zip, c.address.zip);
  return s;
}

// A card set up for a checkout, as noted on its idempotency key (ids, brand,
// last four, expiry, name: never the number).
std::string card_note(const domain::GatewayCard& c) {
  auto card = card_json(c);
  card["brand"] = domain::brand_code(c.brand);
  return boost::json::serialize(boost::json::object{{"set_up_card", std::move(card)}});
}

std::optional<domain::GatewayCard> card_of_note(const std::string& note) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(note, ec);
  const auto* o = !ec && v.is_object() ? v.as_object().if_contains("set_up_card") : nullptr;
  if (!o || !o->is_object()) return std::nullopt;
  const auto& c = o->as_object();
  auto text = [&](const char* k) {
    const auto* p = c.if_contains(k);
    return p && p->is_string() ? std::string(p->get_string()) : std::string();
  };
  auto number = [&](const char* k) {
    const auto* p = c.if_contains(k);
    return p && p->is_int64() ? static_cast<int>(p->get_int64()) : 0;
  };
  domain::GatewayCard card;
  card.id = text("id");
  card.customer_id = text("customer");
  card.brand = domain::brand_from_code(text("brand"));
  card.last4 = text("last4");
  card.exp_month = number("exp_month");
  card.exp_year = number("exp_year");
  card.name = text("name");
  card.address = {text("address_city"), text("address_country"), text("address_state"),
                  text("address_zip")};
  if (card.id.empty() || card.customer_id.empty()) return std::nullopt;
  return card;
}

bool has_same_card(Shop& shop, const User& user, const std::string& last4, int month, int year) {
  for (const auto& c : storage::list_cards(*shop.db, user.id))
    if (c.last4 == last4 && c.exp_month == month && c.exp_year == year) return true;
  return false;
}

// Collapses runs of whitespace so the original client's
// "<house_no>, near <landmark>, <city>, \n        <state>, <pin_code>" compares by content.
std::string squash(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// The caller's saved address the original client's flattened text was built from.
std::optional<storage::Address> match_address(Shop& shop, const User& user, std::string_view text) {
  const auto wanted = squash(text);
  for (auto& a : storage::list_addresses(*shop.db, user.id)) {
    const auto& f = a.fields;
    const auto client_form =
        f.house_no + ", near " + f.landmark + ", " + f.city + ", " + f.state + ", " + f.pin_code;
    if (squash(client_form) == wanted || squash(domain::flatten_address(f)) == wanted) return a;
  }
  return std::nullopt;
}

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
// `work` gets the stored key and, when it took over from a process that
// died, what that one noted (note_idempotency_progress).
using IdempotentWork = std::function<Response(const std::string& stored_key,
                                              const std::optional<std::string>& progress)>;
Response idempotent(Shop& shop, const User& user, const std::string& key, std::string_view scope,
                    const ts::http::Request& req, const IdempotentWork& work) {
  const std::string stored_key = std::string(scope) + ":" + key;
  // A key left 'started' longer than settings.idempotency_takeover was
  // abandoned by a crashed process, so a retry may take it over. Safe against
  // a double charge: the retry charges with the same gateway idempotency key,
  // and the order row is unique per (user, key).
  const auto claim = storage::claim_idempotency_key(*shop.db, user.id, stored_key,
                                                    request_hash(shop, scope, req.body),
                                                    shop.settings.idempotency_takeover);
  using Outcome = storage::KeyClaim::Outcome;
  switch (claim.outcome) {
    case Outcome::replay: {
      Response r(claim.response->status, claim.response->body, "application/json");
      r.headers.set("Idempotent-Replayed", "true");
      return r;
    }
    case Outcome::in_progress:
      throw detail_error(409, "A request with this Idempotency-Key is still being processed.",
                         "idempotency_key_in_use");
    case Outcome::mismatch:
      throw detail_error(422, "This Idempotency-Key was already used with a different request.",
                         "idempotency_key_reused");
    case Outcome::claimed:
      break;
  }
  try {
    return work(stored_key, claim.progress);
  } catch (...) {
    storage::release_idempotency_key(*shop.db, user.id, stored_key);
    throw;
  }
}

std::optional<std::string> idempotency_header(const ts::http::Request& req) {
  auto h = req.header("Idempotency-Key");
  if (!h) return std::nullopt;
  if (h->empty() || h->size() > kMaxIdempotencyKey)
    throw detail_error(400, "The Idempotency-Key header must be 1 to 255 characters.",
                       "idempotency_key_invalid");
  return std::string(*h);
}

// Charges the order's total and records it (with the saved card when asked)
// in one transaction that also completes the idempotency key. A refused
// charge is answered (and, with a key, stored) as 402 with no order.
struct Placed {
  std::int64_t order_id = 0;
  std::string customer_id;
};

struct ChargePlan {
  domain::OrderDraft order;
  std::string customer_id;
  std::string card_id;
  std::string gateway_key;
  std::optional<std::string> client_key;   // stored in shop_orders.idempotency_key
  std::optional<std::string> stored_key;   // shop_idempotency_keys row to complete
  std::optional<storage::SavedCard> save;  // a new card to save with the order
};

Response charge_and_record(
    Shop& shop, const User& user, ChargePlan plan,
    const std::function<Response(const Placed&, ts::db::Connection&)>& answer) {
  domain::ChargeRequest req{plan.customer_id,
                            plan.card_id,
                            plan.order.amount_minor(),
                            "inr",
                            "Order: " + plan.order.ordered_item,
                            plan.gateway_key};
  auto charge = shop.gateway->charge(req);
  if (!charge) {
    const auto& e = charge.error();
    if (e.kind != domain::GatewayError::Kind::card) throw gateway_error(e, 402);
    auto err = gateway_error(e, 402);
    Response r = err.to_response();
    if (plan.stored_key) {
      auto lease = shop.db->acquire();
      storage::complete_idempotency_key(*lease, user.id, *plan.stored_key, {r.status, r.body},
                                        std::nullopt);
    }
    return r;
  }
  domain::mark_paid(plan.order, charge.value().id, domain::now_timestamp());
  auto lease = shop.db->acquire();
  ts::db::Transaction tx(*lease);
  Placed placed;
  placed.customer_id = plan.customer_id;
  placed.order_id = storage::insert_order(*lease, user.id, plan.order, plan.client_key);
  if (plan.save) {
    try {
      storage::insert_card(*lease, *plan.save);
    } catch (const ts::db::UniqueViolation&) {
      // Same gateway card saved already: the order matters, the copy does not.
    }
  }
  Response r = answer(placed, *lease);
  if (plan.stored_key)
    storage::complete_idempotency_key(*lease, user.id, *plan.stored_key, {r.status, r.body},
                                      placed.order_id);
  tx.commit();
  return r;
}

}  // namespace

void register_payments(Shop& shop, ts::http::Router& router) {
  Shop* s = &shop;
  const ts::http::RouteOptions signed_in{.access = ts::http::Access::user};
  const ts::http::RouteOptions staff{.access = ts::http::Access::staff};

  router.get("/account/stripe-cards/", signed_in, [s](ts::http::Request& req) {
    const auto& user = require_user(req);
    boost::json::array out;
    for (const auto& c : storage::list_cards(*s->db, user.id)) out.push_back(saved_card_json(c));
    return Response::json(out);
  });

  router.get("/payments/check-token/", signed_in, [](ts::http::Request& req) {
    require_user(req);
    return Response::json(boost::json::value("Token is Valid"));
  });

  // The original let anyone create real Stripe PaymentIntents here. Retired:
  // admins get 410, everyone else the usual 401/403.
  router.post("/payments/test-payment/", staff, [](ts::http::Request& req) {
    require_admin(req);
    return Response::json(
        boost::json::object{{"detail",
                             "test-payment was retired; use /api/checkout/ with the sandbox "
                             "gateway to try a payment."}},
        410);
  });

  router.post("/payments/create-card/", signed_in, [s](ts::http::Request& req) {
    const auto& user = require_user(req);
    const auto body = read_body_object(req);
    domain::FieldErrors errors;
    const auto* email_v = require_key(body, "email", errors);
    require_key(body, "number", errors);
    require_key(body, "exp_month", errors);
    require_key(body, "exp_year", errors);
    throw_if(errors);
    std::string email = email_v->is_string() ? std::string(email_v->get_string()) : "";
    if (email.empty()) email = user.email;
    const auto* save_v = body.if_contains("save_card");
    const bool save =
        save_v && !domain::is_falsy(*save_v) && domain::parse_drf_boolean(*save_v).value_or(true);

    // "Pay with this card" in the original client posts the saved card's
    // number, which is now its last four digits: reuse that saved card.
    if (const auto number = scalar_text(body.at("number")); number && number->size() == 4) {
      auto saved = storage::find_card_by_last4(*s->db, user.id, *number);
      if (!saved) {
        const auto e = domain::card_error::invalid_number();
        throw detail_error(400, e.message, e.code);
      }
      storage::forget_pending_card(*s->db, user.id, *number);
      return Response::json(boost::json::object{{"customer_id", opt(saved->customer_id)},
                                                {"email", opt(saved->email)},
                                                {"card_data", card_json(gateway_card_of(*saved))}});
    }

    auto typed = read_card(body);
    const auto last4 = domain::last_four(typed.digits);
    // Refused before the gateway is touched (the original created the Stripe source first).
    if (save && has_same_card(*s, user, last4, typed.input.exp_month, typed.input.exp_year))
      throw detail_error(400, kCardInUse);
    auto card = set_up_card(*s, user, email, typed.input, 400);
    if (save) {
      auto lease = s->db->acquire();
      try {
        storage::insert_card(*lease, saved_from(user, email, card));
      } catch (const ts::db::UniqueViolation&) {
        throw detail_error(400, kCardInUse);
      }
      storage::forget_pending_card(*s->db, user.id, card.last4);
    } else {
      storage::remember_pending_card(*s->db, user.id,
                                     {email, card.customer_id, card.id, card.last4});
    }
    return Response::json(boost::json::object{
        {"customer_id", card.customer_id}, {"email", email}, {"card_data", card_json(card)}});
  });

  router.post("/payments/charge-customer/", signed_in, [s](ts::http::Request& req) {
    const auto& user = require_user(req);
    const auto body = read_body_object(req);
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

    // The product and its price come from the catalogue, not from the body.
    std::optional<domain::ProductSnapshot> product;
    if (product_id_v) {
      if (auto id = id_value(*product_id_v)) product = storage::find_product_snapshot(*s->db, *id);
    } else if (item_v->is_string()) {
      product = storage::find_product_snapshot_by_name(*s->db, std::string(item_v->get_string()));
    }
    if (!product) throw detail_error(400, "This product does not exist.", "unknown_product");

    std::optional<storage::Address> address;
    if (address_id_v) {
      if (auto id = id_value(*address_id_v)) address = storage::find_address(*s->db, *id);
      if (address && address->user_id != user.id) address.reset();
    } else if (address_v->is_string()) {
      address = match_address(*s, user, address_v->get_string());
    }
    if (!address) throw detail_error(400, "Select one of your saved addresses.", "unknown_address");

    const auto card_text = scalar_text(*card_v).value_or("");
    const auto card_digits = domain::normalize_card_number(card_text).value_or("");
    const auto last4 = card_digits.size() >= 4 ? domain::last_four(card_digits) : card_digits;

    domain::CheckoutInput input;
    input.product = *product;
    input.shipping = {address->id, address->fields};
    input.card_last4 = last4;
    for (const char* k : {"amount", "total_price"})
      if (const auto* v = body.if_contains(k)) input.client_amounts.emplace_back(k, *v);
    auto draft = domain::prepare_order(input);
    if (!draft) throw detail_error(400, draft.error().message);

    // The card set up by the create-card call that preceded this one, or a saved card.
    std::string customer_id, card_id;
    std::string source;
    if (const auto* v = body.if_contains("source"); v && v->is_string()) source = v->get_string();
    if (auto pending = storage::find_pending_card(*s->db, user.id, last4);
        pending && (source.empty() || source == pending->card_id)) {
      customer_id = pending->customer_id;
      card_id = pending->card_id;
    } else if (auto saved = source.empty()
                                ? storage::find_card_by_last4(*s->db, user.id, last4)
                                : storage::find_card_by_gateway_id(*s->db, user.id, source)) {
      customer_id = saved->customer_id.value_or("");
      card_id = saved->card_id.value_or("");
    }
    if (customer_id.empty() || card_id.empty())
      throw detail_error(400, "Add this card first (/payments/create-card/).", "unknown_card");

    auto run = [&](std::optional<std::string> stored_key,
                   std::optional<std::string> client_key) -> Response {
      ChargePlan plan;
      plan.order = std::move(draft.value());
      plan.customer_id = customer_id;
      plan.card_id = card_id;
      plan.gateway_key =
          "charge:" + std::to_string(user.id) + ":" + client_key.value_or(ts::auth::random_hex(16));
      plan.client_key =
          client_key ? std::optional<std::string>("charge:" + *client_key) : std::nullopt;
      plan.stored_key = std::move(stored_key);
      auto r = charge_and_record(
          *s, user, std::move(plan), [&](const Placed& placed, ts::db::Connection&) {
            return Response::json(boost::json::object{
                {"data", boost::json::object{{"customer_id", placed.customer_id},
                                             {"message", "Payment Successfull"}}}});
          });
      if (r.status == 200) storage::forget_pending_card(*s->db, user.id, last4);
      return r;
    };
    if (auto key = idempotency_header(req))
      return idempotent(*s, user, *key, "charge", req,
                        [&](const std::string& stored, const std::optional<std::string>&) {
                          return run(stored, *key);
                        });
    return run(std::nullopt, std::nullopt);
  });

  router.post("/api/checkout/", signed_in, [s](ts::http::Request& req) {
    const auto& user = require_user(req);
    const auto key = idempotency_header(req);
    if (!key)
      throw detail_error(400, "The Idempotency-Key header is required.",
                         "idempotency_key_required");
    const auto body = read_body_object(req);
    return idempotent(
        *s, user, *key, "checkout", req,
        [&](const std::string& stored, const std::optional<std::string>& progress) {
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

          auto product_id = id_value(*product_v);
          auto product =
              product_id ? storage::find_product_snapshot(*s->db, *product_id) : std::nullopt;
          if (!product) throw field_error("product_id", "Invalid pk - object does not exist.");
          auto address_id = id_value(*address_v);
          auto address = address_id ? storage::find_address(*s->db, *address_id) : std::nullopt;
          if (!address || address->user_id != user.id)
            throw field_error("address_id", "Invalid pk - object does not exist.");

          std::optional<storage::SavedCard> saved;
          std::optional<TypedCard> typed;
          std::string last4;
          if (saved_v) {
            auto id = id_value(*saved_v);
            if (id) saved = storage::find_card(*s->db, *id);
            if (!saved || saved->user_id != user.id || !saved->card_id || !saved->customer_id)
              throw field_error("saved_card_id", "Invalid pk - object does not exist.");
            last4 = saved->last4.value_or("");
          } else {
            typed = read_card(card_v->as_object());
            last4 = domain::last_four(typed->digits);
          }

          domain::CheckoutInput input;
          input.product = *product;
          input.shipping = {address->id, address->fields};
          input.card_last4 = last4;
          if (const auto* v = body.if_contains("expected_total"))
            input.client_amounts.emplace_back("expected_total", *v);
          auto draft = domain::prepare_order(input);
          if (!draft) {
            const auto& e = draft.error();
            throw HttpError(400,
                            boost::json::value(boost::json::object{
                                {e.field, boost::json::array{boost::json::value(e.message)}}}));
          }

          ChargePlan plan;
          plan.order = std::move(draft.value());
          if (saved) {
            plan.customer_id = *saved->customer_id;
            plan.card_id = *saved->card_id;
          } else {
            const auto* save_v = body.if_contains("save_card");
            const bool save = save_v && !domain::is_falsy(*save_v) &&
                              domain::parse_drf_boolean(*save_v).value_or(true);
            // A retry taking over from a process that died after setting up the
            // card charges that card: the same parameters under the same gateway
            // key, so a charge already made is answered again, not refused as a
            // reused key nor made twice. (The body, hence the card, is the same.)
            auto card = progress ? card_of_note(*progress) : std::nullopt;
            if (!card) {
              card = set_up_card(*s, user, user.email, typed->input, 402);
              storage::note_idempotency_progress(*s->db, user.id, stored, card_note(*card));
            }
            plan.customer_id = card->customer_id;
            plan.card_id = card->id;
            if (save && !has_same_card(*s, user, card->last4, card->exp_month, card->exp_year))
              plan.save = saved_from(user, user.email, *card);
          }
          plan.gateway_key = "checkout:" + std::to_string(user.id) + ":" + *key;
          plan.client_key = "checkout:" + *key;
          plan.stored_key = stored;
          return charge_and_record(
              *s, user, std::move(plan), [](const Placed& placed, ts::db::Connection& conn) {
                auto order = storage::find_order(conn, placed.order_id);
                if (!order) throw std::runtime_error("order vanished");
                return Response(201, storage::order_json(*order), "application/json");
              });
        });
  });

  router.get("/payments/card-details/", signed_in, [s](ts::http::Request& req) {
    const auto& user = require_user(req);
    const auto customer = req.header("Customer-Id");
    const auto card_id = req.header("Card-Id");
    if (!customer || !card_id || customer->empty() || card_id->empty())
      throw detail_error(400, "The Customer-Id and Card-Id headers are required.");
    auto saved = storage::find_card_by_gateway_id(*s->db, user.id, std::string(*card_id));
    if (!saved || saved->customer_id.value_or("") != *customer) throw HttpError::not_found();
    auto card = s->gateway->retrieve_card(*customer, *card_id);
    if (!card) throw gateway_error(card.error(), 400);
    return Response::json(card_json(card.value()));
  });

  router.post("/payments/update-card/", signed_in, [s](ts::http::Request& req) {
    const auto& user = require_user(req);
    const auto body = read_body_object(req);
    static constexpr std::array<const char*, 10> kKeys = {
        "customer_id",  "card_id",      "card_number",     "exp_month",     "exp_year",
        "name_on_card", "address_city", "address_country", "address_state", "address_zip"};
    domain::FieldErrors errors;
    for (const char* k : kKeys) require_key(body, k, errors);
    throw_if(errors);
    auto text = [&](const char* k) { return scalar_text(body.at(k)).value_or(""); };
    std::optional<storage::SavedCard> saved;
    if (const auto id = text("card_id"); !id.empty())
      saved = storage::find_card_by_gateway_id(*s->db, user.id, id);
    else if (const auto number = domain::normalize_card_number(text("card_number"));
             number && number->size() >= 4)
      saved = storage::find_card_by_last4(*s->db, user.id, domain::last_four(*number));
    if (!saved) throw HttpError::not_found();

    domain::CardUpdate update;
    for (auto [k, dst] :
         {std::pair{"exp_month", &update.exp_month}, std::pair{"exp_year", &update.exp_year}}) {
      const auto t = text(k);
      if (t.empty()) continue;
      const auto v = domain::parse_card_int(t);
      if (!v) throw field_error(k, domain::msg::kInvalidValue);
      *dst = *v;
    }
    if (update.exp_month || update.exp_year)
      if (auto e =
              domain::check_expiry(update.exp_month.value_or(saved->exp_month.value_or(0)),
                                   update.exp_year.value_or(saved->exp_year.value_or(0)), today()))
        throw detail_error(400, e->message, e->code);
    auto set = [&](const char* k, std::optional<std::string>& dst) {
      if (auto t = text(k); !t.empty()) dst = t;
    };
    set("name_on_card", update.name);
    set("address_city", update.address_city);
    set("address_country", update.address_country);
    set("address_state", update.address_state);
    set("address_zip", update.address_zip);

    auto card = s->gateway->update_card(saved->customer_id.value_or(""),
                                        saved->card_id.value_or(""), update);
    if (!card) throw gateway_error(card.error(), 400);
    if (update.exp_month) saved->exp_month = update.exp_month;
    if (update.exp_year) saved->exp_year = update.exp_year;
    if (update.name) saved->name_on_card = update.name;
    if (update.address_city) saved->address_city = update.address_city;
    if (update.address_country) saved->address_country = update.address_country;
    if (update.address_state) saved->address_state = update.address_state;
    if (update.address_zip) saved->address_zip = update.address_zip;
    storage::update_card(*s->db, *saved);
    return Response::json(boost::json::object{
        {"detail", "card updated successfully"},
        {"data", boost::json::object{{"Updated Card", card_json(card.value())}}}});
  });

  router.post("/payments/delete-card/", signed_in, [s](ts::http::Request& req) {
    const auto& user = require_user(req);
    const auto body = read_body_object(req);
    std::optional<storage::SavedCard> saved;
    if (const auto* v = body.if_contains("id"); v && id_value(*v)) {
      saved = storage::find_card(*s->db, *id_value(*v));
    } else if (const auto* c = body.if_contains("card_id"); c && c->is_string()) {
      saved = storage::find_card_by_gateway_id(*s->db, user.id, std::string(c->get_string()));
    } else if (const auto* n = body.if_contains("card_number")) {
      const auto text = scalar_text(*n);
      const auto digits = text ? domain::normalize_card_number(*text) : std::nullopt;
      if (digits && digits->size() >= 4)
        saved = storage::find_card_by_last4(*s->db, user.id, domain::last_four(*digits));
    } else {
      throw field_error("card_number", domain::msg::kRequired);
    }
    if (!saved || saved->user_id != user.id) throw HttpError::not_found();

    const auto customer = saved->customer_id.value_or("");
    if (saved->card_id && !customer.empty()) {
      auto done = s->gateway->delete_card(customer, *saved->card_id);
      if (!done && !gateway_missing(done.error())) throw gateway_error(done.error(), 400);
    }
    storage::delete_card(*s->db, saved->id);
    if (saved->last4) storage::forget_pending_card(*s->db, user.id, *saved->last4);
    // The original deleted the whole Stripe customer; only when no saved card still uses it here.
    if (!customer.empty() && storage::count_cards_of_customer(*s->db, customer) == 0) {
      auto done = s->gateway->delete_customer(customer);
      (void)done;  // the card is gone either way; a leftover empty customer is harmless
    }
    return Response::json(boost::json::value("Card deleted successfully."));
  });
}

}  // namespace shop::api
