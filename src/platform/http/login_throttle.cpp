#include "platform/http/login_throttle.hpp"

#include <algorithm>
#include <string>

namespace ts::http {

namespace {
std::string pair_key(std::string_view account, std::string_view address) {
  // '\n' cannot occur in an address, so the pair is unambiguous.
  std::string key;
  key.reserve(account.size() + address.size() + 1);
  key.append(address).push_back('\n');
  key.append(account);
  return key;
}
}  // namespace

LoginThrottle::LoginThrottle(const Policy& p)
    : by_address_(p.per_address_per_minute / 60.0, p.per_address_burst),
      by_account_address_(p.per_account_address_per_minute / 60.0, p.per_account_address_burst),
      by_account_(p.per_account_per_minute / 60.0, p.per_account_burst) {}

RateLimiter::Decision LoginThrottle::attempt(std::string_view account, std::string_view address) {
  return attempt(account, address, std::chrono::steady_clock::now());
}

RateLimiter::Decision LoginThrottle::attempt(std::string_view account, std::string_view address,
                                             std::chrono::steady_clock::time_point now) {
  // The address is checked first: an address that is already refused does
  // not drain the account's shared backstop.
  const auto a = by_address_.take(address, now);
  if (!a.allowed) return a;
  const auto pa = by_account_address_.take(pair_key(account, address), now);
  if (!pa.allowed) return pa;
  return by_account_.take(account, now);
}

void LoginThrottle::succeeded(std::string_view account, std::string_view address) {
  by_account_address_.reset(pair_key(account, address));
}

}  // namespace ts::http
