#include "platform/http/rate_limit.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

namespace ts::http {

RateLimiter::RateLimiter(double per_second, double burst, std::size_t max_keys)
    : rate_(per_second),
      burst_(burst),
      max_keys_per_shard_(std::max<std::size_t>(1, max_keys / 16)) {}

RateLimiter::Decision RateLimiter::take(std::string_view key, double tokens) {
  return take(key, std::chrono::steady_clock::now(), tokens);
}

RateLimiter::Decision RateLimiter::take(std::string_view key,
                                        std::chrono::steady_clock::time_point now, double tokens) {
  auto& shard = shards_[std::hash<std::string_view>{}(key) % shards_.size()];
  std::lock_guard lock(shard.mutex);
  auto it = shard.buckets.find(std::string(key));
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= max_keys_per_shard_) prune(shard, now);
    it = shard.buckets.emplace(std::string(key), Bucket{burst_, now}).first;
  }
  auto& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.updated).count();
  b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
  b.updated = now;
  if (b.tokens >= tokens) {
    b.tokens -= tokens;
    return {true, std::chrono::seconds(0)};
  }
  const double wait = (tokens - b.tokens) / rate_;
  return {false, std::chrono::seconds(static_cast<long>(std::ceil(std::max(wait, 1.0))))};
}

void RateLimiter::reset(std::string_view key) {
  auto& shard = shards_[std::hash<std::string_view>{}(key) % shards_.size()];
  std::lock_guard lock(shard.mutex);
  shard.buckets.erase(std::string(key));
}

void RateLimiter::prune(Shard& shard, std::chrono::steady_clock::time_point now) {
  // Buckets that have refilled completely carry no information.
  std::erase_if(shard.buckets, [&](const auto& kv) {
    const double elapsed = std::chrono::duration<double>(now - kv.second.updated).count();
    return kv.second.tokens + elapsed * rate_ >= burst_;
  });
  // Under a flood of distinct keys, drop the oldest half rather than grow.
  if (shard.buckets.size() >= max_keys_per_shard_) {
    std::vector<std::pair<std::chrono::steady_clock::time_point, std::string>> ages;
    for (const auto& [k, b] : shard.buckets) ages.emplace_back(b.updated, k);
    std::sort(ages.begin(), ages.end());
    for (std::size_t i = 0; i < ages.size() / 2; ++i) shard.buckets.erase(ages[i].second);
  }
}

}  // namespace ts::http
