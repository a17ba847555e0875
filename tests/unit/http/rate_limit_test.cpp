#include "platform/http/rate_limit.hpp"

#include <gtest/gtest.h>

#include <string>

using ts::http::RateLimiter;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {
const Clock::time_point kT0 = Clock::time_point(1000h);
}  // namespace

TEST(RateLimiter, BurstThenRefusal) {
  RateLimiter rl(1, 3);
  for (int i = 0; i < 3; ++i) {
    const auto d = rl.take("ip", kT0);
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.retry_after, 0s);
  }
  const auto d = rl.take("ip", kT0);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 1s);
  // Other keys have buckets of their own.
  EXPECT_TRUE(rl.take("other", kT0).allowed);
}

TEST(RateLimiter, RefillsOverTime) {
  RateLimiter rl(2, 2);  // two tokens per second
  EXPECT_TRUE(rl.take("k", kT0).allowed);
  EXPECT_TRUE(rl.take("k", kT0).allowed);
  EXPECT_FALSE(rl.take("k", kT0).allowed);
  EXPECT_FALSE(rl.take("k", kT0 + 400ms).allowed);  // 0.8 tokens
  EXPECT_TRUE(rl.take("k", kT0 + 500ms).allowed);   // 1.0 token
  EXPECT_FALSE(rl.take("k", kT0 + 500ms).allowed);
  // A long pause fills the bucket only up to the burst.
  const auto later = kT0 + 1h;
  EXPECT_TRUE(rl.take("k", later).allowed);
  EXPECT_TRUE(rl.take("k", later).allowed);
  EXPECT_FALSE(rl.take("k", later).allowed);
}

TEST(RateLimiter, RetryAfterRoundsUpToWholeSeconds) {
  RateLimiter slow(0.25, 1);  // one token per four seconds
  EXPECT_TRUE(slow.take("k", kT0).allowed);
  auto d = slow.take("k", kT0);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 4s);
  d = slow.take("k", kT0 + 1500ms);  // 0.375 tokens: 2.5 s to go
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 3s);

  // Never less than one second, even when a token is a few ms away.
  RateLimiter fast(10, 1);
  EXPECT_TRUE(fast.take("k", kT0).allowed);
  d = fast.take("k", kT0);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 1s);
}

TEST(RateLimiter, TakingSeveralTokens) {
  RateLimiter rl(1, 5);
  EXPECT_TRUE(rl.take("k", kT0, 4).allowed);
  const auto d = rl.take("k", kT0, 3);  // one left, two missing
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 2s);
  EXPECT_TRUE(rl.take("k", kT0, 1).allowed);  // a refusal takes nothing
}

TEST(RateLimiter, ResetForgetsTheKey) {
  RateLimiter rl(0.01, 2);
  EXPECT_TRUE(rl.take("user", kT0).allowed);
  EXPECT_TRUE(rl.take("user", kT0).allowed);
  EXPECT_FALSE(rl.take("user", kT0).allowed);
  rl.reset("user");
  EXPECT_TRUE(rl.take("user", kT0).allowed);
  EXPECT_TRUE(rl.take("user", kT0).allowed);
  EXPECT_FALSE(rl.take("user", kT0).allowed);
  rl.reset("never-seen");  // harmless
}

TEST(RateLimiter, ManyKeysEvictTheOldestButKeepRecentOnes) {
  // 160 keys overall: 10 per shard. A refill of 0.001/s keeps every drained
  // bucket "not full", so only the oldest-half eviction can make room.
  RateLimiter rl(0.001, 1, 160);
  ASSERT_TRUE(rl.take("victim", kT0).allowed);
  ASSERT_FALSE(rl.take("victim", kT0).allowed);

  auto t = kT0;
  std::string last;
  for (int i = 0; i < 5000; ++i) {
    t += 1ms;
    last = "flood-" + std::to_string(i);
    ASSERT_TRUE(rl.take(last, t).allowed) << last;
  }
  t += 1ms;
  // The most recent key is still tracked: its drained bucket refuses.
  EXPECT_FALSE(rl.take(last, t).allowed);
  // The victim was the oldest bucket in its shard and has been dropped, so
  // it starts again with a full bucket.
  EXPECT_TRUE(rl.take("victim", t).allowed);
}

TEST(RateLimiter, FewKeysAreNotEvicted) {
  RateLimiter rl(0.001, 1, 100000);
  ASSERT_TRUE(rl.take("victim", kT0).allowed);
  auto t = kT0;
  for (int i = 0; i < 1000; ++i) rl.take("k" + std::to_string(i), t += 1ms);
  EXPECT_FALSE(rl.take("victim", t + 1ms).allowed);
}

TEST(RateLimiter, WallClockOverloadWorks) {
  RateLimiter rl(0.001, 1);
  EXPECT_TRUE(rl.take("k").allowed);
  EXPECT_FALSE(rl.take("k").allowed);
}
