#pragma once
// Shared by the libFuzzer targets: an invariant that must hold for every
// input. A violation traps, so libFuzzer reports it as a crash and saves the
// input, exactly like a sanitizer finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fuzz {

inline void check(bool ok) {
  if (!ok) __builtin_trap();
}

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace fuzz
