#pragma once
// SplitMix64: a tiny generator whose output is fixed by its definition, so a
// generated data set (shop seed, microblog seed) is the same with every
// compiler and standard library. One generator per (seed, row index) makes
// row i a function of the seed and i alone.
#include <cstdint>

namespace ts::core {

class SplitMix64 {
 public:
  // The state for row `index` of the data set of `seed`.
  SplitMix64(std::uint64_t seed, std::uint64_t index)
      : state_(seed * 0x9E3779B97F4A7C15ULL ^ (index * 0xD1B54A32D192ED03ULL)) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // In [0, n) (n > 0; the slight modulo bias does not matter for test data).
  std::uint64_t below(std::uint64_t n) { return next() % n; }

 protected:
  // Mixes more into the starting state (before the first next()).
  void mix(std::uint64_t bits) { state_ ^= bits; }

 private:
  std::uint64_t state_;
};

}  // namespace ts::core
