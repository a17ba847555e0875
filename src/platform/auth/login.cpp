#include "platform/auth/login.hpp"

#include <algorithm>
#include <thread>

namespace ts::auth {

HashLimit::HashLimit(unsigned slots) : slots_(std::max(slots, 1u)) {}

HashLimit& HashLimit::process() {
  static HashLimit limit(std::clamp(std::thread::hardware_concurrency(), 1u, 64u));
  return limit;
}

HashLimit::Slot::Slot(HashLimit& limit) : limit_(limit) {
  std::unique_lock lock(limit_.mutex_);
  ++limit_.waiting_;
  limit_.freed_.wait(lock, [&] { return limit_.running_ < limit_.slots_; });
  --limit_.waiting_;
  ++limit_.running_;
}

HashLimit::Slot::~Slot() {
  {
    std::lock_guard lock(limit_.mutex_);
    --limit_.running_;
  }
  limit_.freed_.notify_one();
}

unsigned HashLimit::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

unsigned HashLimit::waiting() const {
  std::lock_guard lock(mutex_);
  return waiting_;
}

PasswordLogin::PasswordLogin(const http::LoginThrottle::Policy& policy, HashLimit& limit)
    : throttle_(policy), limit_(limit) {}

std::string PasswordLogin::hash(std::string_view password) {
  HashLimit::Slot slot(limit_);
  return hash_password(password);
}

VerifyResult PasswordLogin::verify(std::string_view password,
                                   const std::optional<std::string>& stored) {
  HashLimit::Slot slot(limit_);
  const auto verdict = stored ? verify_password(password, *stored) : VerifyResult::unusable_hash;
  // No account, or nothing to check against: spend the time a check takes so
  // that the answer's timing does not tell which accounts exist.
  if (verdict == VerifyResult::unusable_hash) spend_verify_time(password);
  return verdict;
}

bool PasswordLogin::check(std::string_view password, std::string_view stored) {
  const auto v = verify(password, std::string(stored));
  return v == VerifyResult::ok || v == VerifyResult::ok_needs_rehash;
}

PasswordLogin::Result PasswordLogin::login(std::string_view account, std::string_view address,
                                           std::string_view password,
                                           const std::function<Account()>& find) {
  // Before any lookup or hashing. Guesses from one address slow that address
  // down, not the account holder elsewhere (see LoginThrottle).
  if (auto d = throttle_.attempt(account, address); !d.allowed)
    return Result{Status::throttled, d.retry_after};
  const auto found = find();
  const auto verdict = verify(password, found.stored_hash);
  const bool matches = verdict == VerifyResult::ok || verdict == VerifyResult::ok_needs_rehash;
  if (!matches || !found.may_sign_in) return Result{Status::rejected, {}};
  if (verdict == VerifyResult::ok_needs_rehash && found.store_hash)
    found.store_hash(hash(password));
  throttle_.succeeded(account, address);
  return Result{Status::ok, {}};
}

}  // namespace ts::auth
