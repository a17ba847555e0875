#include "platform/auth/login.hpp"

#include <algorithm>
#include <thread>

namespace ts::auth {
namespace {

// What a busy login is told: the queue it did not fit in drains within a few
// hashes (tens of milliseconds each), and Retry-After counts whole seconds.
constexpr std::chrono::seconds kBusyRetryAfter{1};

// The caller holds a slot.
VerifyResult verify_now(std::string_view password, const std::optional<std::string>& stored) {
  const auto verdict = stored ? verify_password(password, *stored) : VerifyResult::unusable_hash;
  // No account, or nothing to check against: spend the time a check takes so
  // that the answer's timing does not tell which accounts exist.
  if (verdict == VerifyResult::unusable_hash) spend_verify_time(password);
  return verdict;
}

bool matches(VerifyResult v) {
  return v == VerifyResult::ok || v == VerifyResult::ok_needs_rehash;
}

}  // namespace

HashLimit::HashLimit(unsigned slots) : HashLimit(slots, std::max(slots, 1u)) {}

HashLimit::HashLimit(unsigned slots, unsigned queue) : slots_(std::max(slots, 1u)), queue_(queue) {}

namespace {
struct ProcessSizes {
  std::mutex mutex;
  bool used = false;
  unsigned slots = 0;
  int queue = -1;
};
ProcessSizes& process_sizes() {
  static ProcessSizes sizes;
  return sizes;
}
}  // namespace

unsigned HashLimit::default_slots() {
  return std::clamp(std::thread::hardware_concurrency(), 1u, 64u);
}

bool HashLimit::configure_process(unsigned slots, int queue) {
  auto& sizes = process_sizes();
  std::lock_guard lock(sizes.mutex);
  if (sizes.used) return false;
  sizes.slots = slots;
  sizes.queue = queue;
  return true;
}

HashLimit& HashLimit::process() {
  static HashLimit& limit = []() -> HashLimit& {
    auto& sizes = process_sizes();
    std::lock_guard lock(sizes.mutex);
    sizes.used = true;
    const unsigned slots = sizes.slots ? sizes.slots : default_slots();
    const unsigned queue = sizes.queue < 0 ? slots : static_cast<unsigned>(sizes.queue);
    static HashLimit made(slots, queue);
    return made;
  }();
  return limit;
}

std::optional<HashLimit::Ticket> HashLimit::admit() {
  std::lock_guard lock(mutex_);
  // Hashes without a ticket (registration) running or waiting count too: a
  // login admitted behind them would wait longer than the bound.
  if (admitted_ + unticketed_ >= slots_ + queue_) {
    ++refused_;
    return std::nullopt;
  }
  ++admitted_;
  return Ticket(*this);
}

void HashLimit::release_ticket() {
  std::lock_guard lock(mutex_);
  --admitted_;
}

HashLimit::Ticket::~Ticket() {
  if (limit_) limit_->release_ticket();
}

void HashLimit::enter(bool ticketed) {
  std::unique_lock lock(mutex_);
  if (!ticketed) ++unticketed_;
  ++waiting_;
  freed_.wait(lock, [&] { return running_ < slots_; });
  --waiting_;
  ++running_;
}

HashLimit::Slot::Slot(HashLimit& limit) : limit_(limit) {
  limit_.enter(false);
}

HashLimit::Slot::Slot(HashLimit& limit, Ticket&& ticket)
    : limit_(limit), ticket_(std::move(ticket)) {
  limit_.enter(true);
}

HashLimit::Slot::~Slot() {
  {
    std::lock_guard lock(limit_.mutex_);
    --limit_.running_;
    if (!ticket_) --limit_.unticketed_;
  }
  limit_.freed_.notify_one();
  // ticket_ (if any) is given back after the slot, so a new login is admitted
  // only once this hash is over.
}

unsigned HashLimit::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

unsigned HashLimit::waiting() const {
  std::lock_guard lock(mutex_);
  return waiting_;
}

unsigned HashLimit::admitted() const {
  std::lock_guard lock(mutex_);
  return admitted_;
}

std::uint64_t HashLimit::refused() const {
  std::lock_guard lock(mutex_);
  return refused_;
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
  return verify_now(password, stored);
}

bool PasswordLogin::check(std::string_view password, std::string_view stored) {
  return matches(verify(password, std::string(stored)));
}

PasswordLogin::Result PasswordLogin::login(std::string_view account, std::string_view address,
                                           std::string_view password,
                                           const std::function<Account()>& find) {
  // Admission first: a login refused for load is no guess, so it takes
  // nothing from the throttle's buckets.
  auto ticket = limit_.admit();
  if (!ticket) return Result{Status::busy, kBusyRetryAfter};
  // Before any lookup or hashing. Guesses from one address slow that address
  // down, not the account holder elsewhere (see LoginThrottle).
  if (auto d = throttle_.attempt(account, address); !d.allowed)
    return Result{Status::throttled, d.retry_after};
  const auto found = find();
  VerifyResult verdict;
  {
    HashLimit::Slot slot(limit_, std::move(*ticket));
    verdict = verify_now(password, found.stored_hash);
  }
  if (!matches(verdict) || !found.may_sign_in) return Result{Status::rejected, {}};
  if (verdict == VerifyResult::ok_needs_rehash && found.store_hash)
    found.store_hash(hash(password));
  throttle_.succeeded(account, address);
  return Result{Status::ok, {}};
}

}  // namespace ts::auth
