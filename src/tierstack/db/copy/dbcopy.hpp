#pragma once
// tierstack db copy --from URL --to URL [--replace] [--bin-dir DIR] [--batch N]
//
// Copies every table of the shop and the microblog (whichever the source
// holds) between SQLite and PostgreSQL databases: applies the apps' own
// migrations to the target (by running `<app> migrate` from the bin
// directory), copies the rows in foreign-key order in batches inside ONE
// target transaction, checks row counts and SHA-256 checksums of a canonical
// text form of every row (read in primary-key order on both sides) and only
// then commits. A failure or a kill at any point leaves the target's data as
// it was. See docs/data.md, "Copying between databases".
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace tierstack {

// Adds `db` (with its `copy` subcommand) to tierstack's command line.
CLI::App* add_db_command(CLI::App& cli);

// Runs the parsed `db` subcommand; topology_file is tierstack's --topology
// (empty: the default), read only for its bin_dir. Returns the exit status:
// 0 copied and verified, 1 failed (target unchanged), 2 bad arguments,
// 3 the target holds data and --replace was not given.
int run_db_command(const std::string& topology_file);

// For tierstack db backup/restore (backup.cpp): the same canonical row
// checksums as the copy, so a backup's manifest and a restored database are
// compared exactly as a copy's source and target are.
struct TableSum {
  std::string table;
  std::int64_t rows = 0;
  std::string sha256;
};
struct AppSum {
  std::string app;
  int schema_version = 0;
  std::vector<TableSum> tables;  // in name order
};
// Every shop/microblog table the database at url holds, read in one
// consistent snapshot. Throws std::runtime_error with the reason.
std::vector<AppSum> summarize_database(const std::string& url);

// `tierstack db copy --from from --to to [--replace]` as a function: returns
// its exit status (0 copied and verified) after printing what it did.
int copy_database(const std::string& from, const std::string& to, bool replace,
                  const std::filesystem::path& bin_dir);

}  // namespace tierstack
