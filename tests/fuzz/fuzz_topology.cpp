// libFuzzer target: the topology loader (src/tierstack/topology.cpp, read
// only here) on arbitrary TOML. load_topology() reads a file, so each input
// is written to one file in /dev/shm (or TMPDIR) first. The loader must
// either return a topology that passes its own rules or throw
// std::runtime_error naming the problem; anything else escapes and libFuzzer
// reports it as a crash.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "fuzz_check.hpp"
#include "tierstack/topology/topology.hpp"

namespace {
using fuzz::check;

const std::filesystem::path& scratch() {
  static const std::filesystem::path p = [] {
    const std::filesystem::path dir =
        std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    return dir / ("fuzz_topology." + std::to_string(getpid()) + ".toml");
  }();
  return p;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  {
    std::FILE* f = std::fopen(scratch().c_str(), "wb");
    if (!f) __builtin_trap();
    if (size) check(std::fwrite(data, 1, size, f) == size);
    std::fclose(f);
  }
  try {
    const tierstack::Topology t = tierstack::load_topology(scratch());
    check(!t.zones.empty());
    check(t.database == "sqlite" || t.database == "postgres");
    check(!t.apps.empty());
    for (const auto& a : t.apps) check(!a.name.empty() && a.per_zone >= 1);
  } catch (const std::runtime_error& e) {
    check(e.what()[0] != '\0');
  }
  return 0;
}
