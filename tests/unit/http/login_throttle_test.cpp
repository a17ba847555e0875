#include "platform/http/login_throttle.hpp"

#include <gtest/gtest.h>

#include <string>

using ts::http::LoginThrottle;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {
const Clock::time_point kT0 = Clock::time_point(1000h);
}  // namespace

TEST(LoginThrottle, GuessesFromOneAddressDoNotLockTheOwnerOut) {
  LoginThrottle t;
  // The attacker's address spends its ten attempts on the account …
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(t.attempt("alice", "10.0.0.66", kT0).allowed) << i;
  const auto refused = t.attempt("alice", "10.0.0.66", kT0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_GE(refused.retry_after, 1s);
  // … and the owner, from her own address, still signs in at once.
  EXPECT_TRUE(t.attempt("alice", "10.0.0.7", kT0).allowed);
  // The attacker may still try other accounts until the address limit.
  EXPECT_TRUE(t.attempt("bob", "10.0.0.66", kT0).allowed);
}

TEST(LoginThrottle, AddressLimitCoversAllAccounts) {
  LoginThrottle t;
  int allowed = 0;
  for (int i = 0; i < 100; ++i)
    if (t.attempt("user" + std::to_string(i), "10.0.0.66", kT0).allowed) ++allowed;
  EXPECT_EQ(allowed, 60);
}

TEST(LoginThrottle, AccountBackstopAgainstManyAddresses) {
  LoginThrottle t;
  int allowed = 0;
  for (int i = 0; i < 150; ++i)
    if (t.attempt("alice", "10.1.0." + std::to_string(i), kT0).allowed) ++allowed;
  EXPECT_EQ(allowed, 100);
}

TEST(LoginThrottle, SuccessForgetsTheAddressBucket) {
  LoginThrottle t;
  for (int i = 0; i < 9; ++i) t.attempt("alice", "10.0.0.7", kT0);
  t.succeeded("alice", "10.0.0.7");
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(t.attempt("alice", "10.0.0.7", kT0).allowed) << i;
  EXPECT_FALSE(t.attempt("alice", "10.0.0.7", kT0).allowed);
}

TEST(LoginThrottle, RefillsOverTime) {
  LoginThrottle t;
  for (int i = 0; i < 10; ++i) t.attempt("alice", "10.0.0.66", kT0);
  EXPECT_FALSE(t.attempt("alice", "10.0.0.66", kT0).allowed);
  EXPECT_TRUE(t.attempt("alice", "10.0.0.66", kT0 + 12s).allowed);  // 5 per minute
}
