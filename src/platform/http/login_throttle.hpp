#pragma once
// The one password-guessing policy every login path uses (shop login, the
// microblog's login form and its Basic-auth token endpoint).
//
// Three buckets are checked before any hashing, so that a flood costs no
// argon2id time:
//   - per client address: bounds what one address may try over all accounts;
//   - per (account, address): ten quick wrong passwords slow down *that
//     address* for that account. The account holder, signing in from another
//     address, is not locked out by someone else's guesses — the lock-out the
//     original per-account limit gave any attacker for free;
//   - per account over all addresses: a looser backstop for guessing spread
//     over many addresses. It can still slow the holder down, but only under
//     a distributed attack of a hundred guesses.
// A successful login forgets the (account, address) bucket. The numbers are
// documented in docs/security.md.
#include <string_view>

#include "platform/http/rate_limit.hpp"

namespace ts::http {

class LoginThrottle {
 public:
  struct Policy {
    double per_address_per_minute = 30, per_address_burst = 60;
    double per_account_address_per_minute = 5, per_account_address_burst = 10;
    double per_account_per_minute = 30, per_account_burst = 100;
  };
  LoginThrottle() : LoginThrottle(Policy{}) {}
  explicit LoginThrottle(const Policy& p);

  // Takes one attempt from each bucket; refused when any bucket is empty
  // (retry_after is the longest wait among the refusing buckets).
  RateLimiter::Decision attempt(std::string_view account, std::string_view address);
  RateLimiter::Decision attempt(std::string_view account, std::string_view address,
                                std::chrono::steady_clock::time_point now);
  void succeeded(std::string_view account, std::string_view address);

 private:
  RateLimiter by_address_;
  RateLimiter by_account_address_;
  RateLimiter by_account_;
};

}  // namespace ts::http
