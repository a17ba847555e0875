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
//     password changes share by hashing through hash().
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "platform/auth/password.hpp"
#include "platform/http/login_throttle.hpp"

namespace ts::auth {

// At most `slots` password hashes or verifications run at once. Each argon2id
// run maps 19 MiB (kArgon2MemLimit) for its duration and the worker pool has
// several threads per core: unbounded, a burst of logins holds threads × 19
// MiB. More runs than cores only share the same cores and thrash the caches,
// so one slot per core keeps the memory at cores × 19 MiB and loses no
// throughput.
class HashLimit {
 public:
  explicit HashLimit(unsigned slots);
  HashLimit(const HashLimit&) = delete;
  HashLimit& operator=(const HashLimit&) = delete;

  // The process's limit, one slot per core (1 to 64): every PasswordLogin
  // shares it unless given another.
  static HashLimit& process();

  // Held for the duration of one hash; waits for a free slot.
  class Slot {
   public:
    explicit Slot(HashLimit& limit);
    ~Slot();
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    HashLimit& limit_;
  };

  unsigned slots() const { return slots_; }
  unsigned running() const;  // slots taken now
  unsigned waiting() const;  // callers blocked for a slot now

 private:
  const unsigned slots_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  unsigned running_ = 0;
  unsigned waiting_ = 0;
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

  enum class Status { ok, rejected, throttled };
  struct Result {
    Status status = Status::rejected;
    std::chrono::seconds retry_after{0};  // when throttled
    explicit operator bool() const { return status == Status::ok; }
  };

  explicit PasswordLogin(const http::LoginThrottle::Policy& policy = {},
                         HashLimit& limit = HashLimit::process());

  // One password guess for `account` from `address`. find() looks the account
  // up, and only runs when the throttle lets the guess through (a flood costs
  // a bucket lookup, not a database query or a hash). On success the throttle
  // forgets this address's failures for the account.
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
