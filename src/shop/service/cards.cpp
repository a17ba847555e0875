#include "shop/service/cards.hpp"

#include <chrono>

#include "platform/db/error.hpp"
#include "shop/domain/json_values.hpp"
#include "shop/storage/idempotency.hpp"

namespace shop::service {

using domain::GatewayFailure;
using domain::InvalidFields;
using domain::Refusal;

namespace {

constexpr std::string_view kCardInUse =
    "Card already in use, please uncheck save card option or select a card from saved card list.";

domain::YearMonth today() {
  const auto days = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const std::chrono::year_month_day ymd{days};
  return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month()))};
}

[[noreturn]] void refuse(const domain::CardError& e) {
  throw Refusal(Refusal::Kind::invalid, e.message, e.code);
}

Refusal not_found() {
  return {Refusal::Kind::not_found, "Not found."};
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

}  // namespace

TypedCard read_card(const boost::json::object& card) {
  return domain::read_card(card, today());
}

domain::GatewayCard set_up_card(Shop& shop, const User& user, const std::string& email,
                                const domain::CardInput& input, bool paying) {
  auto customer = customer_for(shop, user, email);
  if (!customer) throw GatewayFailure(customer.error(), paying);
  auto token = shop.gateway->create_card_token(input);
  if (!token) throw GatewayFailure(token.error(), paying);
  auto card = shop.gateway->attach_card(customer.value(), token.value().id);
  if (!card) throw GatewayFailure(card.error(), paying);
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

bool has_same_card(Shop& shop, const User& user, const std::string& last4, int month, int year) {
  for (const auto& c : storage::list_cards(*shop.db, user.id))
    if (c.last4 == last4 && c.exp_month == month && c.exp_year == year) return true;
  return false;
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

CardSetUp reuse_saved_card(Shop& shop, const User& user, const std::string& last4) {
  auto saved = storage::find_card_by_last4(*shop.db, user.id, last4);
  if (!saved) refuse(domain::card_error::invalid_number());
  storage::forget_pending_card(*shop.db, user.id, last4);
  return {saved->customer_id, saved->email, gateway_card_of(*saved)};
}

CardSetUp add_card(Shop& shop, const User& user, const std::string& email, const TypedCard& typed,
                   bool save) {
  const auto last4 = domain::last_four(typed.digits);
  // Refused before the gateway is touched (the original created the Stripe source first).
  if (save && has_same_card(shop, user, last4, typed.input.exp_month, typed.input.exp_year))
    throw Refusal(Refusal::Kind::invalid, std::string(kCardInUse));
  auto card = set_up_card(shop, user, email, typed.input, false);
  if (save) {
    auto lease = shop.db->acquire();
    try {
      storage::insert_card(*lease, saved_from(user, email, card));
    } catch (const ts::db::UniqueViolation&) {
      throw Refusal(Refusal::Kind::invalid, std::string(kCardInUse));
    }
    storage::forget_pending_card(*shop.db, user.id, card.last4);
  } else {
    storage::remember_pending_card(*shop.db, user.id,
                                   {email, card.customer_id, card.id, card.last4});
  }
  return {card.customer_id, email, card};
}

namespace {

std::optional<storage::SavedCard> find_to_update(Shop& shop, const User& user,
                                                 const CardChanges& changes) {
  if (!changes.card_id.empty())
    return storage::find_card_by_gateway_id(*shop.db, user.id, changes.card_id);
  if (const auto number = domain::normalize_card_number(changes.card_number);
      number && number->size() >= 4)
    return storage::find_card_by_last4(*shop.db, user.id, domain::last_four(*number));
  return std::nullopt;
}

void apply(storage::SavedCard& saved, const domain::CardUpdate& update) {
  if (update.exp_month) saved.exp_month = update.exp_month;
  if (update.exp_year) saved.exp_year = update.exp_year;
  if (update.name) saved.name_on_card = update.name;
  if (update.address_city) saved.address_city = update.address_city;
  if (update.address_country) saved.address_country = update.address_country;
  if (update.address_state) saved.address_state = update.address_state;
  if (update.address_zip) saved.address_zip = update.address_zip;
}

}  // namespace

domain::GatewayCard update_card(Shop& shop, const User& user, const CardChanges& changes) {
  auto saved = find_to_update(shop, user, changes);
  if (!saved) throw not_found();
  domain::CardUpdate update;
  for (auto [k, t, dst] : {std::tuple{"exp_month", &changes.exp_month, &update.exp_month},
                           std::tuple{"exp_year", &changes.exp_year, &update.exp_year}}) {
    if (t->empty()) continue;
    const auto v = domain::parse_card_int(*t);
    if (!v) throw InvalidFields(k, std::string(domain::msg::kInvalidValue));
    *dst = *v;
  }
  if (update.exp_month || update.exp_year)
    if (auto e =
            domain::check_expiry(update.exp_month.value_or(saved->exp_month.value_or(0)),
                                 update.exp_year.value_or(saved->exp_year.value_or(0)), today()))
      refuse(*e);
  auto set = [](const std::string& t, std::optional<std::string>& dst) {
    if (!t.empty()) dst = t;
  };
  set(changes.name, update.name);
  set(changes.address_city, update.address_city);
  set(changes.address_country, update.address_country);
  set(changes.address_state, update.address_state);
  set(changes.address_zip, update.address_zip);

  auto card = shop.gateway->update_card(saved->customer_id.value_or(""),
                                        saved->card_id.value_or(""), update);
  if (!card) throw GatewayFailure(card.error(), false);
  apply(*saved, update);
  storage::update_card(*shop.db, *saved);
  return card.value();
}

void delete_card(Shop& shop, const User& user, const CardSelector& which) {
  std::optional<storage::SavedCard> saved;
  if (which.id)
    saved = storage::find_card(*shop.db, *which.id);
  else if (which.card_id)
    saved = storage::find_card_by_gateway_id(*shop.db, user.id, *which.card_id);
  else if (which.last4)
    saved = storage::find_card_by_last4(*shop.db, user.id, *which.last4);
  if (!saved || saved->user_id != user.id) throw not_found();

  const auto customer = saved->customer_id.value_or("");
  if (saved->card_id && !customer.empty()) {
    auto done = shop.gateway->delete_card(customer, *saved->card_id);
    if (!done && done.error().kind != domain::GatewayError::Kind::not_found)
      throw GatewayFailure(done.error(), false);
  }
  storage::delete_card(*shop.db, saved->id);
  if (saved->last4) storage::forget_pending_card(*shop.db, user.id, *saved->last4);
  // The original deleted the whole Stripe customer; only when no saved card still uses it here.
  if (!customer.empty() && storage::count_cards_of_customer(*shop.db, customer) == 0) {
    auto done = shop.gateway->delete_customer(customer);
    (void)done;  // the card is gone either way; a leftover empty customer is harmless
  }
}

domain::GatewayCard card_details(Shop& shop, const User& user, const std::string& customer_id,
                                 const std::string& card_id) {
  auto saved = storage::find_card_by_gateway_id(*shop.db, user.id, card_id);
  if (!saved || saved->customer_id.value_or("") != customer_id) throw not_found();
  auto card = shop.gateway->retrieve_card(customer_id, card_id);
  if (!card) throw GatewayFailure(card.error(), false);
  return card.value();
}

}  // namespace shop::service
