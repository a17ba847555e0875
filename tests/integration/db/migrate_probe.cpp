// ts-migrate-probe URL MIGRATIONS_DIR APP [START_AT_EPOCH_MS]
// Waits until START_AT (so several probes begin together), applies the
// migrations and prints "applied: <versions...>" on stdout. Exit 0 on success,
// 1 with the error on stderr otherwise.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>

#include "platform/db/migrations.hpp"
#include "platform/db/pool.hpp"

int main(int argc, char** argv) {
  if (argc < 4 || argc > 5) {
    std::fprintf(stderr, "usage: %s URL MIGRATIONS_DIR APP [START_AT_EPOCH_MS]\n", argv[0]);
    return 2;
  }
  try {
    const auto files = ts::db::load_migration_files(argv[2]);
    if (argc == 5) {
      const std::chrono::system_clock::time_point start{
          std::chrono::milliseconds(std::strtoll(argv[4], nullptr, 10))};
      std::this_thread::sleep_until(start);
    }
    auto pool = ts::db::Pool::open(argv[1], {.max_size = 1});
    const auto applied = ts::db::migrate(*pool, argv[3], files);
    ts::db::check_schema(*pool, argv[3], files);
    std::string line = "applied:";
    for (int v : applied) line += " " + std::to_string(v);
    std::printf("%s\n", line.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ts-migrate-probe: %s\n", e.what());
    return 1;
  }
}
