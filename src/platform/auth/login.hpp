#pragma once
// Password login, once for every app: the shop's /account/login/ and its
// current-password checks, the microblog's login form and its Basic-auth
// token endpoint all go through PasswordLogin, so each gets the same
//   - guessing limit (http::LoginThrottle), checked before any hashing;
//   - verification against the stored hash (platform/auth/password.hpp),
//     with a legacy Django/Werkzeug hash replaced by argon2id on success;
//   - time spent when there is no usable hash, so that the answer's timing
//     does not tell which accounts exist;
//   - bound on concurrent argon2id work (HashLimit), which registration and
//     password changes share by hashing through hash();
//   - admission control: a login that would have to queue behind more than
//     HashLimit::queue() others for a hash slot is refused at once (busy, with
//     a Retry-After) instead of waiting, so that under overload the logins
//     that are served stay fast and the worker pool is not filled with
//     threads waiting for a slot.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "platform/auth/password.hpp"
#include "platform/http/login_throttle.hpp"

namespace ts::auth {

// At most `slots` password hashes or verifications run at once. Each argon2id
// run maps 19 MiB (kArgon2MemLimit) for its duration and the worker pool has
// several threads per core: unbounded, a burst of logins holds threads × 19
// MiB. More runs than cores only share the same cores and thrash the caches,
// so one slot per core keeps the memory at cores × 19 MiB and loses no
// throughput.
//
// Logins take a Ticket first (admit()): at most slots() run and queue() more
// hold a ticket at once, so an admitted login waits for at most
// queue() / slots() other hashes before its own, and every slot has a
// successor ready when it frees (no throughput lost). Hashes for
// registration and password changes (Slot without a ticket) always wait:
// they are rare and throttled by their callers.
class HashLimit {
 public:
  // queue: logins admitted beyond the running ones; default one per slot.
  explicit HashLimit(unsigned slots);
  HashLimit(unsigned slots, unsigned queue);
  HashLimit(const HashLimit&) = delete;
  HashLimit& operator=(const HashLimit&) = delete;

  // The process's limit, one slot per core (1 to 64) and one queue place per
  // slot unless configure_process() said otherwise: every PasswordLogin
  // shares it unless given another.
  static HashLimit& process();
  // Sizes process(); slots 0: one per core, queue negative: one per slot.
  // Only before process() is first used (the service calls it at start-up,
  // from <PREFIX>_HASH_SLOTS and _LOGIN_QUEUE); false when too late.
  static bool configure_process(unsigned slots, int queue);
  static unsigned default_slots();  // one per core, 1 to 64

  // A login's place: admitted, not yet hashing. Its hash's Slot takes it over.
  class Ticket {
   public:
    Ticket(Ticket&& other) noexcept : limit_(std::exchange(other.limit_, nullptr)) {}
    Ticket& operator=(Ticket&&) = delete;
    ~Ticket();

   private:
    friend class HashLimit;
    explicit Ticket(HashLimit& limit) : limit_(&limit) {}
    HashLimit* limit_;
  };
  // A ticket when fewer than slots() + queue() logins hold one, else none
  // (the caller answers "busy"). Never blocks.
  std::optional<Ticket> admit();

  // Held for the duration of one hash; waits for a free slot.
  class Slot {
   public:
    explicit Slot(HashLimit& limit);
    // For an admitted login: gives the ticket back once the slot is taken.
    Slot(HashLimit& limit, Ticket&& ticket);
    ~Slot();
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    HashLimit& limit_;
    std::optional<Ticket> ticket_;
  };

  unsigned slots() const { return slots_; }
  unsigned queue() const { return queue_; }
  unsigned running() const;       // slots taken now
  unsigned waiting() const;       // callers blocked for a slot now
  unsigned admitted() const;      // logins holding a ticket now
  std::uint64_t refused() const;  // logins admit() refused since the start

 private:
  void enter(bool ticketed);  // waits for a free slot and takes it
  void release_ticket();

  const unsigned slots_;
  const unsigned queue_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  unsigned running_ = 0;
  unsigned waiting_ = 0;
  unsigned admitted_ = 0;    // logins holding a ticket
  unsigned unticketed_ = 0;  // other hashes running or waiting
  std::uint64_t refused_ = 0;
};

class PasswordLogin {
 public:
  // What the login needs to know of the account a name belongs to.
  struct Account {
    // The stored hash; none when there is no such account or no password.
    std::optional<std::string> stored_hash;
    // False for an account that may not sign in (inactive, reset required):
    // the password is still checked, so that the time taken tells nothing.
    bool may_sign_in = true;
    // Where a replacement argon2id hash goes after a successful check against
    // a legacy or outdated hash; empty: keep the stored one.
    std::function<void(const std::string& new_hash)> store_hash;
  };

  // throttled: this address or account has guessed too often; busy: every
  // hash slot and queue place is taken (HashLimit::admit). Both answer 429
  // with Retry-After; a busy login was not counted as a guess.
  enum class Status { ok, rejected, throttled, busy };
  struct Result {
    Status status = Status::rejected;
    std::chrono::seconds retry_after{0};  // when throttled or busy
    bool refused() const { return status == Status::throttled || status == Status::busy; }
    explicit operator bool() const { return status == Status::ok; }
  };

  explicit PasswordLogin(const http::LoginThrottle::Policy& policy = {},
                         HashLimit& limit = HashLimit::process());

  // One password guess for `account` from `address`. Refused as busy at once
  // when the hash limit admits no more logins (before the throttle, so that
  // it costs the guesser nothing). find() looks the account up, and only runs
  // when the throttle lets the guess through (a flood costs a bucket lookup,
  // not a database query or a hash). On success the throttle forgets this
  // address's failures for the account.
  Result login(std::string_view account, std::string_view address, std::string_view password,
               const std::function<Account()>& find);

  // A new argon2id hash, within the hash limit.
  std::string hash(std::string_view password);
  // Whether password matches stored, within the hash limit; spends a
  // verification's time when stored is no usable hash. No throttle: for a
  // caller that has already proved who it is (a signed-in account deletion).
  bool check(std::string_view password, std::string_view stored);

  http::LoginThrottle& throttle() { return throttle_; }

 private:
  VerifyResult verify(std::string_view password, const std::optional<std::string>& stored);

  http::LoginThrottle throttle_;
  HashLimit& limit_;
};

}  // namespace ts::auth
