#pragma once
// The Stripe gateway: domain::PaymentGateway over Stripe's HTTP API (v1,
// form-encoded requests, Bearer secret key) through libcurl. Tokens, customers
// and card sources as the original used them; charges carry an
// Idempotency-Key so a retry never charges twice. Stripe's error JSON
// {"error":{"type","code","message"}} becomes a GatewayError with Stripe's
// message. Card numbers pass through to Stripe and are never logged or kept.
#include <chrono>
#include <memory>
#include <string>

#include "shop/domain/payment_gateway.hpp"

namespace shop::payments {

struct StripeOptions {
  std::string secret_key;                           // sk_test_… / sk_live_…
  std::string api_base = "https://api.stripe.com";  // SHOP_STRIPE_API_BASE (tests: a local stub)
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{30000};  // whole request
  int attempts = 2;  // network failures and 5xx/429 are retried once with the same key
};

std::unique_ptr<domain::PaymentGateway> make_stripe_gateway(StripeOptions options);

}  // namespace shop::payments
