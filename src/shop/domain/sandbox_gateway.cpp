#include "shop/domain/sandbox_gateway.hpp"

#include <chrono>

namespace shop::domain {

namespace {

YearMonth system_today() {
  const auto days = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const std::chrono::year_month_day ymd{days};
  return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month()))};
}

std::int64_t system_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

GatewayError missing(std::string_view what, std::string_view id) {
  return {GatewayError::Kind::not_found, "resource_missing",
          "No such " + std::string(what) + ": '" + std::string(id) + "'", std::string(what)};
}

bool same_parameters(const ChargeRequest& a, const ChargeRequest& b) {
  return a.customer_id == b.customer_id && a.card_id == b.card_id &&
         a.amount_minor == b.amount_minor && a.currency == b.currency &&
         a.description == b.description;
}

}  // namespace

SandboxGateway::SandboxGateway() : SandboxGateway(Options{}) {}

SandboxGateway::SandboxGateway(Options options) : options_(std::move(options)) {
  if (!options_.today) options_.today = system_today;
  if (!options_.now_seconds) options_.now_seconds = system_seconds;
  rng_.seed(options_.seed ? *options_.seed : std::random_device{}());
}

std::string SandboxGateway::new_id(std::string_view prefix, std::size_t length) {
  static constexpr std::string_view kAlphabet =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::string id(prefix);
  for (std::size_t i = 0; i < length; ++i) id.push_back(kAlphabet[pick(rng_)]);
  return id;
}

GatewayResult<CardToken> SandboxGateway::create_card_token(const CardInput& input) {
  const auto digits = normalize_card_number(input.number);
  if (!digits) return failure(GatewayError::from_card(card_error::invalid_number()));
  if (auto e = check_card_number(*digits)) return failure(GatewayError::from_card(*e));
  const auto brand = detect_brand(*digits);
  if (auto e = check_expiry(input.exp_month, input.exp_year, options_.today()))
    return failure(GatewayError::from_card(*e));
  if (input.cvc)
    if (auto e = check_cvc(*input.cvc, brand)) return failure(GatewayError::from_card(*e));

  StoredCard stored;
  if (*digits == "4000000000000002") stored.behaviour = Behaviour::decline;
  if (*digits == "4000000000009995") stored.behaviour = Behaviour::insufficient_funds;
  if (*digits == "4000000000000069") stored.behaviour = Behaviour::expired;
  if (*digits == "4000000000000127") stored.behaviour = Behaviour::incorrect_cvc;
  if (*digits == "4000000000000119") stored.behaviour = Behaviour::error;
  stored.card.brand = brand;
  stored.card.last4 = last_four(*digits);
  stored.card.exp_month = input.exp_month;
  stored.card.exp_year = input.exp_year;
  stored.card.name = input.name;
  stored.card.address = input.address;

  std::lock_guard lock(mutex_);
  stored.card.id = new_id("card_", 24);
  CardToken token{new_id("tok_", 24), stored.card};
  tokens_.emplace(token.id, std::move(stored));
  return token;
}

GatewayResult<Customer> SandboxGateway::create_customer(std::string_view email) {
  std::lock_guard lock(mutex_);
  Customer c{new_id("cus_", 14), std::string(email)};
  customers_.emplace(c.id, StoredCustomer{c, {}});
  return c;
}

GatewayResult<GatewayCard> SandboxGateway::attach_card(std::string_view customer_id,
                                                       std::string_view token_id) {
  std::lock_guard lock(mutex_);
  auto customer = customers_.find(customer_id);
  if (customer == customers_.end()) return failure(missing("customer", customer_id));
  auto token = tokens_.find(token_id);
  if (token == tokens_.end()) return failure(missing("token", token_id));
  StoredCard card = std::move(token->second);
  tokens_.erase(token);
  card.card.customer_id = customer->second.customer.id;
  customer->second.cards.push_back(card);
  return card.card;
}

SandboxGateway::StoredCard* SandboxGateway::find_card(std::string_view customer_id,
                                                      std::string_view card_id,
                                                      GatewayError& error) {
  auto customer = customers_.find(customer_id);
  if (customer == customers_.end()) {
    error = missing("customer", customer_id);
    return nullptr;
  }
  auto& cards = customer->second.cards;
  if (card_id.empty()) {
    if (!cards.empty()) return &cards.front();
    error = {GatewayError::Kind::invalid_request, "missing",
             "Cannot charge a customer that has no active card", "card"};
    return nullptr;
  }
  for (auto& c : cards)
    if (c.card.id == card_id) return &c;
  error = missing("source", card_id);
  return nullptr;
}

GatewayResult<Charge> SandboxGateway::charge(const ChargeRequest& request) {
  std::lock_guard lock(mutex_);
  if (!request.idempotency_key.empty()) {
    if (auto it = idempotent_.find(request.idempotency_key); it != idempotent_.end()) {
      if (!same_parameters(it->second.request, request))
        return failure(GatewayError{GatewayError::Kind::idempotency, "idempotency_error",
                                    "Keys for idempotent requests can only be used with the same "
                                    "parameters they were first used with.",
                                    "idempotency_key"});
      return it->second.result;
    }
  }
  auto result = charge_locked(request);
  // Like a processor, remember errors too — except a processing error, which
  // may be retried with the same key.
  const bool retryable = !result.ok() && result.error().kind == GatewayError::Kind::unavailable;
  if (!request.idempotency_key.empty() && !retryable)
    idempotent_.emplace(request.idempotency_key, IdempotentCharge{request, result});
  return result;
}

GatewayResult<Charge> SandboxGateway::charge_locked(const ChargeRequest& request) {
  if (request.amount_minor <= 0)
    return failure(GatewayError{GatewayError::Kind::invalid_request, "amount_too_small",
                                "The amount must be greater than zero.", "amount"});
  GatewayError error;
  StoredCard* card = find_card(request.customer_id, request.card_id, error);
  if (card == nullptr) return failure(std::move(error));
  switch (card->behaviour) {
    case Behaviour::decline:
      return failure(GatewayError::from_card(card_error::card_declined()));
    case Behaviour::insufficient_funds:
      return failure(GatewayError::from_card(card_error::insufficient_funds()));
    case Behaviour::expired:
      return failure(GatewayError::from_card(card_error::expired_card()));
    case Behaviour::incorrect_cvc:
      return failure(GatewayError::from_card(card_error::incorrect_cvc()));
    case Behaviour::error: {
      auto e = GatewayError::from_card(card_error::processing_error());
      e.kind = GatewayError::Kind::unavailable;
      return failure(std::move(e));
    }
    case Behaviour::succeed:
      break;
  }
  Charge charge{new_id("ch_", 24), request.amount_minor, request.currency, request.customer_id,
                card->card.id,     card->card.brand,     card->card.last4, options_.now_seconds()};
  charges_.push_back(charge);
  return charge;
}

GatewayResult<GatewayCard> SandboxGateway::retrieve_card(std::string_view customer_id,
                                                         std::string_view card_id) {
  std::lock_guard lock(mutex_);
  GatewayError error;
  if (card_id.empty()) return failure(missing("source", card_id));
  StoredCard* card = find_card(customer_id, card_id, error);
  if (card == nullptr) return failure(std::move(error));
  return card->card;
}

GatewayResult<GatewayCard> SandboxGateway::update_card(std::string_view customer_id,
                                                       std::string_view card_id,
                                                       const CardUpdate& update) {
  std::lock_guard lock(mutex_);
  GatewayError error;
  if (card_id.empty()) return failure(missing("source", card_id));
  StoredCard* stored = find_card(customer_id, card_id, error);
  if (stored == nullptr) return failure(std::move(error));
  const int month = update.exp_month.value_or(stored->card.exp_month);
  const int year = update.exp_year.value_or(stored->card.exp_year);
  if (update.exp_month || update.exp_year)
    if (auto e = check_expiry(month, year, options_.today()))
      return failure(GatewayError::from_card(*e));
  auto& c = stored->card;
  c.exp_month = month;
  c.exp_year = year;
  if (update.name) c.name = *update.name;
  if (update.address_city) c.address.city = *update.address_city;
  if (update.address_country) c.address.country = *update.address_country;
  if (update.address_state) c.address.state = *update.address_state;
  if (update.address_zip) c.address.zip = *update.address_zip;
  return c;
}

GatewayResult<Done> SandboxGateway::delete_card(std::string_view customer_id,
                                                std::string_view card_id) {
  std::lock_guard lock(mutex_);
  auto customer = customers_.find(customer_id);
  if (customer == customers_.end()) return failure(missing("customer", customer_id));
  auto& cards = customer->second.cards;
  for (auto it = cards.begin(); it != cards.end(); ++it) {
    if (it->card.id == card_id) {
      cards.erase(it);
      return Done{};
    }
  }
  return failure(missing("source", card_id));
}

GatewayResult<Done> SandboxGateway::delete_customer(std::string_view customer_id) {
  std::lock_guard lock(mutex_);
  auto customer = customers_.find(customer_id);
  if (customer == customers_.end()) return failure(missing("customer", customer_id));
  customers_.erase(customer);
  return Done{};
}

std::vector<Charge> SandboxGateway::charges() const {
  std::lock_guard lock(mutex_);
  return charges_;
}

}  // namespace shop::domain
