#pragma once
// SandboxGateway: a card processor's test mode, in memory. Luhn, expiry and
// CVC are checked when a card is tokenized; charges then behave by test card:
//   4242 4242 4242 4242  succeeds (as does any other valid number)
//   4000 0000 0000 0002  "Your card was declined."            (card_declined)
//   4000 0000 0000 9995  "Your card has insufficient funds."  (insufficient_funds)
//   4000 0000 0000 0069  "Your card has expired."             (expired_card)
//   4000 0000 0000 0127  "Your card's security code is incorrect." (incorrect_cvc)
//   4000 0000 0000 0119  processing_error
// Ids are random (cus_…, card_…, tok_…, ch_…). Only brand, last four, expiry
// and the test behaviour are kept — never the number or the CVC. Thread-safe.
#include "shop/domain/payment_gateway.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <vector>

namespace shop::domain {

class SandboxGateway final : public PaymentGateway {
 public:
  struct Options {
    std::function<YearMonth()> today;           // default: the system clock's UTC month
    std::function<std::int64_t()> now_seconds;  // default: the system clock
    std::optional<std::uint64_t> seed;          // fixed ids for tests; default random
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
  enum class Behaviour { succeed, decline, insufficient_funds, expired, incorrect_cvc, error };
  struct StoredCard {
    GatewayCard card;
    Behaviour behaviour = Behaviour::succeed;
  };
  struct StoredCustomer {
    Customer customer;
    std::vector<StoredCard> cards;  // first = default source
  };
  struct IdempotentCharge {
    ChargeRequest request;
    GatewayResult<Charge> result;
  };

  std::string new_id(std::string_view prefix, std::size_t length);
  GatewayResult<Charge> charge_locked(const ChargeRequest& request);
  StoredCard* find_card(std::string_view customer_id, std::string_view card_id,
                        GatewayError& error);

  Options options_;
  mutable std::mutex mutex_;
  std::mt19937_64 rng_;
  std::map<std::string, StoredCard, std::less<>> tokens_;
  std::map<std::string, StoredCustomer, std::less<>> customers_;
  std::map<std::string, IdempotentCharge, std::less<>> idempotent_;
  std::vector<Charge> charges_;
};

}  // namespace shop::domain
