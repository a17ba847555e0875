#pragma once
// Internal: what the two engines' prepared-statement caches share.
#include <algorithm>

namespace ts::db::detail {

// The entry of a statement cache (SQL text -> an entry with a last_use tick)
// used longest ago; cache.end() when the cache is empty.
template <class Cache>
auto least_recently_used(Cache& cache) {
  return std::min_element(cache.begin(), cache.end(), [](const auto& a, const auto& b) {
    return a.second.last_use < b.second.last_use;
  });
}

}  // namespace ts::db::detail
