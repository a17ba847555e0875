#include "platform/auth/login.hpp"

#include <gtest/gtest.h>

#include <optional>

#include <string>
#include <thread>
#include <vector>

using namespace ts::auth;
using Status = PasswordLogin::Status;

namespace {

// Django's pbkdf2_sha256 of "pässwörd ☃" (UTF-8) with 1000 iterations, computed
// independently with python3's hashlib (see password_test.cpp): a legacy hash.
constexpr const char* kDjangoUnicode =
    "pbkdf2_sha256$1000$Ab3dEf6hIj9kLm$4kjXO7loA8QZBGkzjQauQWUb5nZX7IBjS+nMiIbbmig=";
constexpr const char* kDjangoPassword = "pässwörd ☃";

// Every bucket generous, so a test sees only the bucket it means to.
ts::http::LoginThrottle::Policy generous() {
  ts::http::LoginThrottle::Policy p;
  p.per_address_burst = p.per_account_address_burst = p.per_account_burst = 1000;
  return p;
}

// Generous but for the (account, address) bucket: `burst` guesses, then one a minute.
ts::http::LoginThrottle::Policy account_address_burst(double burst) {
  auto p = generous();
  p.per_account_address_burst = burst;
  p.per_account_address_per_minute = 1;
  return p;
}

// Waits (without a deadline: ctest's timeout is the bound) until `n` callers
// are blocked on the limit.
void until_waiting(const HashLimit& limit, unsigned n) {
  while (limit.waiting() < n) std::this_thread::yield();
}

struct LoginTest : ::testing::Test {
  HashLimit limit{2};
  PasswordLogin login{generous(), limit};
  int lookups = 0;
  std::vector<std::string> stored;  // what store_hash was given

  PasswordLogin::Account account(std::optional<std::string> hash, bool may_sign_in = true) {
    ++lookups;
    PasswordLogin::Account a;
    a.stored_hash = std::move(hash);
    a.may_sign_in = may_sign_in;
    a.store_hash = [this](const std::string& h) { stored.push_back(h); };
    return a;
  }
};

TEST_F(LoginTest, RightPasswordAgainstArgon2idSignsInWithoutRehash) {
  const auto hash = login.hash("correct horse");
  ASSERT_TRUE(hash.starts_with("$argon2id$"));
  const auto r = login.login("ann", "10.0.0.1", "correct horse", [&] { return account(hash); });
  EXPECT_EQ(r.status, Status::ok);
  EXPECT_TRUE(r);
  EXPECT_EQ(lookups, 1);
  EXPECT_TRUE(stored.empty()) << "a current hash is kept";
}

TEST_F(LoginTest, WrongPasswordUnknownAccountAndUnusableHashAreRejected) {
  const auto hash = login.hash("correct horse");
  EXPECT_EQ(login.login("ann", "a", "wrong", [&] { return account(hash); }).status,
            Status::rejected);
  EXPECT_EQ(login.login("nobody", "a", "x", [&] { return account(std::nullopt); }).status,
            Status::rejected);
  for (const char* unusable : {"", "plaintext", "!unusable", "md5$x$y"}) {
    SCOPED_TRACE(unusable);
    EXPECT_EQ(login.login("bob", "a", unusable, [&] { return account(unusable); }).status,
              Status::rejected)
        << "the stored text is never compared as a password";
  }
  EXPECT_TRUE(stored.empty());
}

TEST_F(LoginTest, LegacyHashIsReplacedWithArgon2idAfterSuccess) {
  const auto r = login.login("ann", "a", kDjangoPassword, [&] { return account(kDjangoUnicode); });
  ASSERT_EQ(r.status, Status::ok);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_TRUE(stored[0].starts_with("$argon2id$"));
  EXPECT_EQ(verify_password(kDjangoPassword, stored[0]), VerifyResult::ok);
}

TEST_F(LoginTest, LegacyHashStaysWhenThereIsNowhereToStore) {
  const auto r = login.login("ann", "a", kDjangoPassword,
                             [&] { return PasswordLogin::Account{.stored_hash = kDjangoUnicode}; });
  EXPECT_EQ(r.status, Status::ok);
}

TEST_F(LoginTest, AccountThatMayNotSignInIsRejectedEvenWithTheRightPassword) {
  const auto r =
      login.login("ann", "a", kDjangoPassword, [&] { return account(kDjangoUnicode, false); });
  EXPECT_EQ(r.status, Status::rejected);
  EXPECT_TRUE(stored.empty()) << "no rehash for a login that did not succeed";
}

TEST(LoginThrottling, RefusedGuessesCostNoLookupAndSayWhenToRetry) {
  HashLimit limit(1);
  PasswordLogin login(account_address_burst(2), limit);
  int lookups = 0;
  auto none = [&] {
    ++lookups;
    return PasswordLogin::Account{};
  };
  EXPECT_EQ(login.login("ann", "10.0.0.1", "x", none).status, Status::rejected);
  EXPECT_EQ(login.login("ann", "10.0.0.1", "x", none).status, Status::rejected);
  const auto r = login.login("ann", "10.0.0.1", "x", none);
  EXPECT_EQ(r.status, Status::throttled);
  EXPECT_FALSE(r);
  EXPECT_GE(r.retry_after.count(), 1);
  EXPECT_EQ(lookups, 2) << "a throttled guess never reaches the account";
  EXPECT_EQ(login.login("ann", "10.0.0.2", "x", none).status, Status::rejected)
      << "another address is not locked out";
}

TEST(LoginThrottling, SuccessForgetsTheAddressFailures) {
  HashLimit limit(1);
  PasswordLogin login(account_address_burst(3), limit);
  const auto hash = login.hash("right");
  auto ann = [&] { return PasswordLogin::Account{.stored_hash = hash}; };
  EXPECT_EQ(login.login("ann", "a", "wrong", ann).status, Status::rejected);
  EXPECT_EQ(login.login("ann", "a", "wrong", ann).status, Status::rejected);
  EXPECT_EQ(login.login("ann", "a", "right", ann).status, Status::ok);
  // Without the reset the bucket (3) would be empty now.
  EXPECT_EQ(login.login("ann", "a", "wrong", ann).status, Status::rejected);
  EXPECT_EQ(login.login("ann", "a", "wrong", ann).status, Status::rejected);
}

TEST(PasswordCheck, MatchesOnlyTheRightPassword) {
  HashLimit limit(1);
  PasswordLogin login(generous(), limit);
  const auto hash = login.hash("right");
  EXPECT_TRUE(login.check("right", hash));
  EXPECT_FALSE(login.check("wrong", hash));
  EXPECT_TRUE(login.check(kDjangoPassword, kDjangoUnicode));
  EXPECT_FALSE(login.check("", ""));
  EXPECT_FALSE(login.check("x", "not a hash"));
}

TEST(HashLimitTest, AtLeastOneSlotAndTheProcessLimitFollowsTheCores) {
  EXPECT_EQ(HashLimit(0).slots(), 1u);
  EXPECT_EQ(HashLimit(3).slots(), 3u);
  EXPECT_GE(HashLimit::process().slots(), 1u);
  EXPECT_LE(HashLimit::process().slots(), 64u);
  EXPECT_EQ(&HashLimit::process(), &HashLimit::process());
}

TEST(HashLimitTest, SlotsAreCountedAndReleased) {
  HashLimit limit(2);
  {
    HashLimit::Slot a(limit);
    HashLimit::Slot b(limit);
    EXPECT_EQ(limit.running(), 2u);
    EXPECT_EQ(limit.waiting(), 0u);
  }
  EXPECT_EQ(limit.running(), 0u);
}

// Each kind of password work waits for a free slot: hold the only one, start
// the work on another thread, see it queue, then let it through.
TEST(HashLimitTest, EveryKindOfPasswordWorkWaitsForASlot) {
  HashLimit limit(1);
  PasswordLogin login(generous(), limit);
  const auto hash = login.hash("right");
  auto login_right = [&] {
    return login.login("ann", "a", "right",
                       [&] { return PasswordLogin::Account{.stored_hash = hash}; });
  };
  auto unknown_account = [&] {
    return login.login("nobody", "a", "x", [] { return PasswordLogin::Account{}; });
  };
  struct Work {
    const char* name;
    std::function<bool()> run;
  };
  const std::vector<Work> works{
      {"hash", [&] { return login.hash("new password").starts_with("$argon2id$"); }},
      {"check", [&] { return login.check("right", hash); }},
      {"login", [&] { return login_right().status == Status::ok; }},
      {"login without account (spent verify time)",
       [&] { return unknown_account().status == Status::rejected; }},
  };
  for (const auto& work : works) {
    SCOPED_TRACE(work.name);
    bool result = false;
    std::thread t;
    {
      HashLimit::Slot held(limit);
      t = std::thread([&] { result = work.run(); });
      until_waiting(limit, 1);
      EXPECT_EQ(limit.running(), 1u) << "only the held slot runs";
    }
    t.join();
    EXPECT_TRUE(result);
    EXPECT_EQ(limit.running(), 0u);
    EXPECT_EQ(limit.waiting(), 0u);
  }
}

TEST(HashLimitTest, AdmitsSlotsPlusQueueLoginsAndRefusesTheRestAtOnce) {
  HashLimit limit(2, 1);
  EXPECT_EQ(limit.queue(), 1u);
  EXPECT_EQ(HashLimit(2).queue(), 2u) << "one queue place per slot by default";
  std::vector<HashLimit::Ticket> held;
  for (int i = 0; i < 3; ++i) {
    auto t = limit.admit();
    ASSERT_TRUE(t) << i;
    held.push_back(std::move(*t));
  }
  EXPECT_EQ(limit.admitted(), 3u);
  EXPECT_FALSE(limit.admit());
  EXPECT_EQ(limit.refused(), 1u);
  held.pop_back();
  EXPECT_EQ(limit.admitted(), 2u);
  EXPECT_TRUE(limit.admit()) << "a ticket given back makes room";
}

TEST(HashLimitTest, HashesWithoutATicketTakeAdmissionRoomToo) {
  HashLimit limit(1, 1);
  HashLimit::Slot registration(limit);  // e.g. a sign-up's hash
  auto t = limit.admit();
  ASSERT_TRUE(t);
  EXPECT_FALSE(limit.admit()) << "one running + one admitted fill 1 slot + 1 queue place";
}

// Logins beyond the slots and the queue are answered busy at once: no account
// lookup, no hash, and no guess taken from the throttle's buckets.
TEST(LoginAdmission, BusyLoginCostsNothingAndSaysWhenToRetry) {
  HashLimit limit(1, 0);
  PasswordLogin login(account_address_burst(1), limit);
  const auto hash = login.hash("right");
  int lookups = 0;
  auto ann = [&] {
    ++lookups;
    return PasswordLogin::Account{.stored_hash = hash};
  };
  PasswordLogin::Result r;
  {
    HashLimit::Slot busy(limit);
    r = login.login("ann", "a", "right", ann);
  }
  EXPECT_EQ(r.status, Status::busy);
  EXPECT_TRUE(r.refused());
  EXPECT_FALSE(r);
  EXPECT_GE(r.retry_after.count(), 1);
  EXPECT_EQ(lookups, 0);
  EXPECT_EQ(limit.refused(), 1u);
  // The (account, address) bucket holds one guess: still there.
  EXPECT_EQ(login.login("ann", "a", "wrong", ann).status, Status::rejected);
  EXPECT_EQ(login.login("ann", "a", "right", ann).status, Status::throttled);
  EXPECT_EQ(lookups, 1);
  EXPECT_EQ(limit.admitted(), 0u) << "every ticket was given back";
}

// An admitted login waits for a slot (it is not refused), and holds its
// queue place while it waits.
TEST(LoginAdmission, AdmittedLoginWaitsForTheSlotInItsQueuePlace) {
  HashLimit limit(1, 1);
  PasswordLogin login(generous(), limit);
  const auto hash = login.hash("right");
  auto ann = [&] { return PasswordLogin::Account{.stored_hash = hash}; };
  auto first = limit.admit();  // holds the running place
  ASSERT_TRUE(first);
  std::optional<HashLimit::Slot> running;
  running.emplace(limit, std::move(*first));
  PasswordLogin::Result waited;
  std::thread t([&] { waited = login.login("ann", "a", "right", ann); });
  until_waiting(limit, 1);
  EXPECT_EQ(limit.admitted(), 2u);
  EXPECT_EQ(login.login("bob", "b", "right", ann).status, Status::busy) << "no room left";
  running.reset();
  t.join();
  EXPECT_EQ(waited.status, Status::ok);
  EXPECT_EQ(limit.admitted(), 0u);
}

}  // namespace
