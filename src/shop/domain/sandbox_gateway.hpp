#pragma once
// SandboxGateway: a card processor's test mode. Luhn, expiry and CVC are
// checked when a card is tokenized; charges then behave by test card:
//   4242 4242 4242 4242  succeeds (as does any other valid number)
//   4000 0000 0000 0002  "Your card was declined."            (card_declined)
//   4000 0000 0000 9995  "Your card has insufficient funds."  (insufficient_funds)
//   4000 0000 0000 0069  "Your card has expired."             (expired_card)
//   4000 0000 0000 0127  "Your card's security code is incorrect." (incorrect_cvc)
//   4000 0000 0000 0119  processing_error
// Ids are random (cus_…, card_…, tok_…, ch_…). Only brand, last four, expiry
// and the test behaviour are kept — never the number or the CVC. Thread-safe.
//
// Its customers, cards and charges live in a SandboxStore: in memory (the
// default, for unit tests), or in the shop's database (storage/sandbox.hpp),
// so that every shop instance on that database sees one processor and saved
// cards outlive a restart.
#include "shop/domain/payment_gateway.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <vector>

namespace shop::domain {

// What a test card does when charged (kept instead of its number).
enum class SandboxBehaviour { succeed, decline, insufficient_funds, expired, incorrect_cvc, error };
std::string_view behaviour_code(SandboxBehaviour b);  // "succeed", "decline", ...
std::optional<SandboxBehaviour> behaviour_from_code(std::string_view code);

struct SandboxCard {
  GatewayCard card;  // customer_id "" while only tokenized
  SandboxBehaviour behaviour = SandboxBehaviour::succeed;
};

// One charge attempt the processor remembers: every success, and the refusal
// of an attempt that carried an idempotency key (replayed to its retries).
struct SandboxChargeRecord {
  std::string id;  // ch_… (a refused attempt gets one too, as at Stripe)
  ChargeRequest request;
  GatewayResult<Charge> result;
};

// The sandbox's state. Every call is atomic on its own; implementations are
// thread-safe (and, for the database one, safe across processes).
class SandboxStore {
 public:
  virtual ~SandboxStore() = default;
  virtual void add_customer(const Customer& customer) = 0;
  // The customer's attached cards, oldest (the default source) first;
  // nullopt when there is no such customer.
  virtual std::optional<std::vector<SandboxCard>> customer_cards(std::string_view customer_id) = 0;
  // One of the customer's cards, by its id: what a charge needs, read
  // without the customer's other cards (a customer who paid with a new card
  // each time has one per order).
  struct CardLookup {
    bool customer_exists = false;
    std::optional<SandboxCard> card;
  };
  virtual CardLookup customer_card(std::string_view customer_id, std::string_view card_id) = 0;
  virtual bool remove_customer(std::string_view customer_id) = 0;  // with its cards
  virtual void add_token(const std::string& token_id, const SandboxCard& card) = 0;
  // Attaches the token's card to an existing customer, once: later calls
  // with the same token find nothing.
  virtual std::optional<SandboxCard> attach_token(std::string_view customer_id,
                                                  std::string_view token_id) = 0;
  // Replaces an attached card's expiry, name and address; false when missing.
  virtual bool update_card(const SandboxCard& card) = 0;
  virtual bool remove_card(std::string_view customer_id, std::string_view card_id) = 0;
  virtual std::optional<SandboxChargeRecord> find_charge(std::string_view idempotency_key) = 0;
  // Records an attempt. When another attempt with the same (non-empty)
  // idempotency key was recorded first, nothing is added and that one is
  // returned; otherwise `record` itself.
  virtual SandboxChargeRecord record_charge(const SandboxChargeRecord& record) = 0;
  virtual std::vector<Charge> charges() = 0;  // successful charges, oldest first
};

// The default store: process memory.
class MemorySandboxStore final : public SandboxStore {
 public:
  void add_customer(const Customer& customer) override;
  std::optional<std::vector<SandboxCard>> customer_cards(std::string_view customer_id) override;
  CardLookup customer_card(std::string_view customer_id, std::string_view card_id) override;
  bool remove_customer(std::string_view customer_id) override;
  void add_token(const std::string& token_id, const SandboxCard& card) override;
  std::optional<SandboxCard> attach_token(std::string_view customer_id,
                                          std::string_view token_id) override;
  bool update_card(const SandboxCard& card) override;
  bool remove_card(std::string_view customer_id, std::string_view card_id) override;
  std::optional<SandboxChargeRecord> find_charge(std::string_view idempotency_key) override;
  SandboxChargeRecord record_charge(const SandboxChargeRecord& record) override;
  std::vector<Charge> charges() override;

 private:
  struct StoredCustomer {
    Customer customer;
    std::vector<SandboxCard> cards;  // first = default source
  };
  std::mutex mutex_;
  std::map<std::string, SandboxCard, std::less<>> tokens_;
  std::map<std::string, StoredCustomer, std::less<>> customers_;
  std::map<std::string, SandboxChargeRecord, std::less<>> idempotent_;
  std::vector<Charge> charges_;
};

class SandboxGateway final : public PaymentGateway {
 public:
  struct Options {
    std::function<YearMonth()> today;           // default: the system clock's UTC month
    std::function<std::int64_t()> now_seconds;  // default: the system clock
    std::optional<std::uint64_t> seed;          // fixed ids for tests; default random
    std::shared_ptr<SandboxStore> store;        // default: a MemorySandboxStore
  };
  SandboxGateway();
  explicit SandboxGateway(Options options);

  GatewayResult<CardToken> create_card_token(const CardInput& card) override;
  GatewayResult<Customer> create_customer(std::string_view email) override;
  GatewayResult<GatewayCard> attach_card(std::string_view customer_id,
                                         std::string_view token_id) override;
  GatewayResult<Charge> charge(const ChargeRequest& request) override;
  GatewayResult<GatewayCard> retrieve_card(std::string_view customer_id,
                                           std::string_view card_id) override;
  GatewayResult<GatewayCard> update_card(std::string_view customer_id, std::string_view card_id,
                                         const CardUpdate& update) override;
  GatewayResult<Done> delete_card(std::string_view customer_id, std::string_view card_id) override;
  GatewayResult<Done> delete_customer(std::string_view customer_id) override;

  // Successful charges made so far (tests check that retries never add one).
  std::vector<Charge> charges() const;

 private:
  std::string new_id(std::string_view prefix, std::size_t length);
  GatewayResult<Charge> attempt(const ChargeRequest& request, const std::string& charge_id);
  std::optional<SandboxCard> find_card(std::string_view customer_id, std::string_view card_id,
                                       GatewayError& error);

  Options options_;
  std::mutex rng_mutex_;
  std::mt19937_64 rng_;
};

}  // namespace shop::domain
