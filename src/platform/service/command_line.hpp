#pragma once
// An app subcommand's own options (CLI11), parsed the same way by every
// app's commands (shop seed, microblog import-flask …), and the options every
// generated-data command (`seed`) shares.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ts::service {

// Parses `args` (Context::args: what follows the subcommand) with `cli`.
// nullopt: go on; else the status to exit with, 0 after --help and 2 for a
// usage error (CLI11 has printed the help or the message).
std::optional<int> parse_command_line(CLI::App& cli, const std::vector<std::string>& args);

// A generated-data count ("--users 1000"): 0 to `max`.
inline void add_count_option(CLI::App& cli, const std::string& name, std::int64_t& count,
                             const std::string& description, std::int64_t max) {
  cli.add_option(name, count, description)->check(CLI::Range(std::int64_t{0}, max));
}

// --seed, --batch (rows per transaction, 1 to 1,000,000) and --password (of
// every generated user, 8 characters or more).
template <class Batch>
void add_generator_options(CLI::App& cli, std::uint64_t& seed, Batch& batch,
                           std::string& password) {
  cli.add_option("--seed", seed, "random seed: the same seed gives the same data")
      ->capture_default_str();
  cli.add_option("--batch", batch, "rows per transaction")
      ->capture_default_str()
      ->check(CLI::Range(Batch{1}, Batch{1'000'000}));
  cli.add_option("--password", password, "password of every generated user (8+ characters)")
      ->capture_default_str()
      ->check([](const std::string& p) {
        return p.size() >= 8 ? std::string() : std::string("at least 8 characters");
      });
}

}  // namespace ts::service
