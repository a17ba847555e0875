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

// The answer to a retry of `stored` with `request`: the first result, or an
// idempotency error when the parameters differ.
GatewayResult<Charge> replay(const SandboxChargeRecord& stored, const ChargeRequest& request) {
  if (!same_parameters(stored.request, request))
    return failure(GatewayError{GatewayError::Kind::idempotency, "idempotency_error",
                                "Keys for idempotent requests can only be used with the same "
                                "parameters they were first used with.",
                                "idempotency_key"});
  return stored.result;
}

constexpr std::pair<SandboxBehaviour, std::string_view> kBehaviours[] = {
    {SandboxBehaviour::succeed, "succeed"},
    {SandboxBehaviour::decline, "decline"},
    {SandboxBehaviour::insufficient_funds, "insufficient_funds"},
    {SandboxBehaviour::expired, "expired"},
    {SandboxBehaviour::incorrect_cvc, "incorrect_cvc"},
    {SandboxBehaviour::error, "error"},
};

}  // namespace

std::string_view behaviour_code(SandboxBehaviour b) {
  for (const auto& [value, code] : kBehaviours)
    if (value == b) return code;
  return "succeed";
}

std::optional<SandboxBehaviour> behaviour_from_code(std::string_view code) {
  for (const auto& [value, text] : kBehaviours)
    if (text == code) return value;
  return std::nullopt;
}

// ---- MemorySandboxStore ----

void MemorySandboxStore::add_customer(const Customer& customer) {
  std::lock_guard lock(mutex_);
  customers_.emplace(customer.id, StoredCustomer{customer, {}});
}

std::optional<std::vector<SandboxCard>> MemorySandboxStore::customer_cards(
    std::string_view customer_id) {
  std::lock_guard lock(mutex_);
  auto it = customers_.find(customer_id);
  if (it == customers_.end()) return std::nullopt;
  return it->second.cards;
}

SandboxStore::CardLookup MemorySandboxStore::customer_card(std::string_view customer_id,
                                                           std::string_view card_id) {
  std::lock_guard lock(mutex_);
  auto it = customers_.find(customer_id);
  if (it == customers_.end()) return {};
  for (const auto& c : it->second.cards)
    if (c.card.id == card_id) return {true, c};
  return {true, std::nullopt};
}

bool MemorySandboxStore::remove_customer(std::string_view customer_id) {
  std::lock_guard lock(mutex_);
  auto it = customers_.find(customer_id);
  if (it == customers_.end()) return false;
  customers_.erase(it);
  return true;
}

void MemorySandboxStore::add_token(const std::string& token_id, const SandboxCard& card) {
  std::lock_guard lock(mutex_);
  tokens_.emplace(token_id, card);
}

std::optional<SandboxCard> MemorySandboxStore::attach_token(std::string_view customer_id,
                                                            std::string_view token_id) {
  std::lock_guard lock(mutex_);
  auto customer = customers_.find(customer_id);
  auto token = tokens_.find(token_id);
  if (customer == customers_.end() || token == tokens_.end()) return std::nullopt;
  SandboxCard card = std::move(token->second);
  tokens_.erase(token);
  card.card.customer_id = customer->second.customer.id;
  customer->second.cards.push_back(card);
  return card;
}

bool MemorySandboxStore::update_card(const SandboxCard& card) {
  std::lock_guard lock(mutex_);
  auto customer = customers_.find(card.card.customer_id);
  if (customer == customers_.end()) return false;
  for (auto& c : customer->second.cards)
    if (c.card.id == card.card.id) {
      c.card = card.card;
      return true;
    }
  return false;
}

bool MemorySandboxStore::remove_card(std::string_view customer_id, std::string_view card_id) {
  std::lock_guard lock(mutex_);
  auto customer = customers_.find(customer_id);
  if (customer == customers_.end()) return false;
  auto& cards = customer->second.cards;
  for (auto it = cards.begin(); it != cards.end(); ++it)
    if (it->card.id == card_id) {
      cards.erase(it);
      return true;
    }
  return false;
}

std::optional<SandboxChargeRecord> MemorySandboxStore::find_charge(
    std::string_view idempotency_key) {
  std::lock_guard lock(mutex_);
  auto it = idempotent_.find(idempotency_key);
  if (it == idempotent_.end()) return std::nullopt;
  return it->second;
}

SandboxChargeRecord MemorySandboxStore::record_charge(const SandboxChargeRecord& record) {
  std::lock_guard lock(mutex_);
  if (!record.request.idempotency_key.empty()) {
    auto [it, inserted] = idempotent_.emplace(record.request.idempotency_key, record);
    if (!inserted) return it->second;
  }
  if (record.result.ok()) charges_.push_back(record.result.value());
  return record;
}

std::vector<Charge> MemorySandboxStore::charges() {
  std::lock_guard lock(mutex_);
  return charges_;
}

// ---- SandboxGateway ----

SandboxGateway::SandboxGateway() : SandboxGateway(Options{}) {}

SandboxGateway::SandboxGateway(Options options) : options_(std::move(options)) {
  if (!options_.today) options_.today = system_today;
  if (!options_.now_seconds) options_.now_seconds = system_seconds;
  if (!options_.store) options_.store = std::make_shared<MemorySandboxStore>();
  rng_.seed(options_.seed ? *options_.seed : std::random_device{}());
}

std::string SandboxGateway::new_id(std::string_view prefix, std::size_t length) {
  static constexpr std::string_view kAlphabet =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::string id(prefix);
  std::lock_guard lock(rng_mutex_);
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

  SandboxCard stored;
  if (*digits == "4000000000000002") stored.behaviour = SandboxBehaviour::decline;
  if (*digits == "4000000000009995") stored.behaviour = SandboxBehaviour::insufficient_funds;
  if (*digits == "4000000000000069") stored.behaviour = SandboxBehaviour::expired;
  if (*digits == "4000000000000127") stored.behaviour = SandboxBehaviour::incorrect_cvc;
  if (*digits == "4000000000000119") stored.behaviour = SandboxBehaviour::error;
  stored.card.brand = brand;
  stored.card.last4 = last_four(*digits);
  stored.card.exp_month = input.exp_month;
  stored.card.exp_year = input.exp_year;
  stored.card.name = input.name;
  stored.card.address = input.address;
  stored.card.id = new_id("card_", 24);
  CardToken token{new_id("tok_", 24), stored.card};
  options_.store->add_token(token.id, stored);
  return token;
}

GatewayResult<Customer> SandboxGateway::create_customer(std::string_view email) {
  Customer c{new_id("cus_", 14), std::string(email)};
  options_.store->add_customer(c);
  return c;
}

GatewayResult<GatewayCard> SandboxGateway::attach_card(std::string_view customer_id,
                                                       std::string_view token_id) {
  auto card = options_.store->attach_token(customer_id, token_id);
  if (card) return card->card;
  if (!options_.store->customer_cards(customer_id))
    return failure(missing("customer", customer_id));
  return failure(missing("token", token_id));
}

std::optional<SandboxCard> SandboxGateway::find_card(std::string_view customer_id,
                                                     std::string_view card_id,
                                                     GatewayError& error) {
  if (card_id.empty()) {  // the default card: the oldest attached
    auto cards = options_.store->customer_cards(customer_id);
    if (!cards)
      error = missing("customer", customer_id);
    else if (!cards->empty())
      // cppcheck-suppress returnStdMoveLocal ; an element of cards: without it, a copy
      return std::move(cards->front());
    else
      error = {GatewayError::Kind::invalid_request, "missing",
               "Cannot charge a customer that has no active card", "card"};
    return std::nullopt;
  }
  auto found = options_.store->customer_card(customer_id, card_id);
  if (found.card) return std::move(found.card);
  error = found.customer_exists ? missing("source", card_id) : missing("customer", customer_id);
  return std::nullopt;
}

GatewayResult<Charge> SandboxGateway::charge(const ChargeRequest& request) {
  auto& store = *options_.store;
  const bool keyed = !request.idempotency_key.empty();
  if (keyed)
    if (auto stored = store.find_charge(request.idempotency_key)) return replay(*stored, request);
  const auto id = new_id("ch_", 24);
  auto result = attempt(request, id);
  // Like a processor, remember errors too — except a processing error, which
  // may be retried with the same key. Of concurrent attempts with one key,
  // the first recorded wins; the others answer its result and charge nothing.
  const bool retryable = !result.ok() && result.error().kind == GatewayError::Kind::unavailable;
  if (retryable || (!keyed && !result.ok())) return result;
  return replay(store.record_charge({id, request, result}), request);
}

GatewayResult<Charge> SandboxGateway::attempt(const ChargeRequest& request,
                                              const std::string& charge_id) {
  if (request.amount_minor <= 0)
    return failure(GatewayError{GatewayError::Kind::invalid_request, "amount_too_small",
                                "The amount must be greater than zero.", "amount"});
  GatewayError error;
  const auto card = find_card(request.customer_id, request.card_id, error);
  if (!card) return failure(std::move(error));
  switch (card->behaviour) {
    case SandboxBehaviour::decline:
      return failure(GatewayError::from_card(card_error::card_declined()));
    case SandboxBehaviour::insufficient_funds:
      return failure(GatewayError::from_card(card_error::insufficient_funds()));
    case SandboxBehaviour::expired:
      return failure(GatewayError::from_card(card_error::expired_card()));
    case SandboxBehaviour::incorrect_cvc:
      return failure(GatewayError::from_card(card_error::incorrect_cvc()));
    case SandboxBehaviour::error: {
      auto e = GatewayError::from_card(card_error::processing_error());
      e.kind = GatewayError::Kind::unavailable;
      return failure(std::move(e));
    }
    case SandboxBehaviour::succeed:
      break;
  }
  return Charge{charge_id,     request.amount_minor, request.currency, request.customer_id,
                card->card.id, card->card.brand,     card->card.last4, options_.now_seconds()};
}

GatewayResult<GatewayCard> SandboxGateway::retrieve_card(std::string_view customer_id,
                                                         std::string_view card_id) {
  if (card_id.empty()) return failure(missing("source", card_id));
  GatewayError error;
  auto card = find_card(customer_id, card_id, error);
  if (!card) return failure(std::move(error));
  return card->card;
}

GatewayResult<GatewayCard> SandboxGateway::update_card(std::string_view customer_id,
                                                       std::string_view card_id,
                                                       const CardUpdate& update) {
  if (card_id.empty()) return failure(missing("source", card_id));
  GatewayError error;
  auto stored = find_card(customer_id, card_id, error);
  if (!stored) return failure(std::move(error));
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
  // Deleted meanwhile (by another instance): as if it had been gone before.
  if (!options_.store->update_card(*stored)) return failure(missing("source", card_id));
  return c;
}

GatewayResult<Done> SandboxGateway::delete_card(std::string_view customer_id,
                                                std::string_view card_id) {
  if (options_.store->remove_card(customer_id, card_id)) return Done{};
  if (!options_.store->customer_cards(customer_id))
    return failure(missing("customer", customer_id));
  return failure(missing("source", card_id));
}

GatewayResult<Done> SandboxGateway::delete_customer(std::string_view customer_id) {
  if (!options_.store->remove_customer(customer_id))
    return failure(missing("customer", customer_id));
  return Done{};
}

std::vector<Charge> SandboxGateway::charges() const {
  return options_.store->charges();
}

}  // namespace shop::domain
