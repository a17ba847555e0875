#pragma once
// The client's Idempotency-Key for one kind of request ("checkout" for
// /api/checkout/, "charge" for the original client's charge-customer), and
// every name derived from it, so the same key is spelt the same way in the
// key table, on the order and at the payment gateway.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "shop/domain/errors.hpp"

namespace shop::domain {

class IdempotencyKey {
 public:
  static constexpr std::size_t kMaxLength = 255;

  // nullopt unless `client` is 1 to kMaxLength characters.
  static std::optional<IdempotencyKey> parse(std::string_view scope, std::string_view client) {
    if (client.empty() || client.size() > kMaxLength) return std::nullopt;
    return IdempotencyKey(std::string(scope), std::string(client));
  }

  const std::string& client() const { return client_; }
  const std::string& scope() const { return scope_; }
  // Its row in shop_idempotency_keys, and shop_orders.idempotency_key of the order it placed.
  std::string stored() const { return scope_ + ":" + client_; }
  // The gateway's idempotency key of the charge: per user, since clients choose keys.
  std::string gateway(std::int64_t user_id) const {
    return scope_ + ":" + std::to_string(user_id) + ":" + client_;
  }

 private:
  IdempotencyKey(std::string scope, std::string client)
      : scope_(std::move(scope)), client_(std::move(client)) {}
  std::string scope_;
  std::string client_;
};

// The key of an Idempotency-Key header for `scope`, nullopt when none was sent;
// a Refusal when it was sent empty or longer than kMaxLength.
inline std::optional<IdempotencyKey> idempotency_key_of(std::string_view scope,
                                                        std::optional<std::string_view> header) {
  if (!header) return std::nullopt;
  auto key = IdempotencyKey::parse(scope, *header);
  if (!key)
    throw Refusal(Refusal::Kind::invalid, "The Idempotency-Key header must be 1 to 255 characters.",
                  "idempotency_key_invalid");
  return key;
}

}  // namespace shop::domain
