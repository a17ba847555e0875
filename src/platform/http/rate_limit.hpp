#pragma once
// Token buckets keyed by a string (client address, account name …).
// Sharded so concurrent requests rarely contend; idle full buckets are
// dropped so the map cannot grow without bound.
#include <array>
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ts::http {

class RateLimiter {
 public:
  RateLimiter(double per_second, double burst, std::size_t max_keys = 100000);

  struct Decision {
    bool allowed;
    std::chrono::seconds retry_after;  // when refused: time until one token is back
  };
  Decision take(std::string_view key, double tokens = 1.0);
  Decision take(std::string_view key, std::chrono::steady_clock::time_point now,
                double tokens = 1.0);
  // Forget a key (e.g. after a successful login).
  void reset(std::string_view key);

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point updated;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;
  };
  void prune(Shard& shard, std::chrono::steady_clock::time_point now);

  double rate_;
  double burst_;
  std::size_t max_keys_per_shard_;
  std::array<Shard, 16> shards_;
};

}  // namespace ts::http
