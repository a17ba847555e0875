#include "platform/db/migrations.hpp"

#include "platform/core/log.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

namespace ts::db {
namespace {

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS ts_schema_migrations ("
    " app TEXT NOT NULL,"
    " version INTEGER NOT NULL,"
    " name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL,"
    " PRIMARY KEY (app, version))";

// How long a SQLite migrator waits for another process's migration to finish.
constexpr auto kSqliteLockPatience = std::chrono::seconds(120);

struct ParsedName {
  int version = 0;
  std::string name;
  std::optional<Dialect> dialect;  // nullopt: shared by both
};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// nullopt for files that are not migrations at all (not *.sql).
std::optional<ParsedName> parse_name(std::string_view path) {
  std::string_view base = path.substr(
      path.find_last_of('/') == std::string_view::npos ? 0 : path.find_last_of('/') + 1);
  if (!ends_with(base, ".sql")) return std::nullopt;
  std::string_view stem = base.substr(0, base.size() - 4);
  ParsedName out;
  if (ends_with(stem, ".sqlite")) {
    out.dialect = Dialect::sqlite;
    stem.remove_suffix(7);
  } else if (ends_with(stem, ".postgres")) {
    out.dialect = Dialect::postgres;
    stem.remove_suffix(9);
  }
  const auto bad = [&]() -> SchemaError {
    return SchemaError("migration file name '" + std::string(base) +
                       "' does not match NNNN_name[.sqlite|.postgres].sql");
  };
  std::size_t digits = 0;
  while (digits < stem.size() && stem[digits] >= '0' && stem[digits] <= '9') ++digits;
  if (digits == 0 || digits > 9 || digits + 1 >= stem.size() || stem[digits] != '_') throw bad();
  out.version = std::stoi(std::string(stem.substr(0, digits)));
  if (out.version <= 0) throw bad();
  out.name = std::string(stem.substr(digits + 1));
  for (char c : out.name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) throw bad();
  return out;
}

std::int64_t lock_key(std::string_view app) {
  // FNV-1a: a stable 64-bit advisory-lock key per app.
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : std::string("ts_schema_migrations:") + std::string(app)) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return static_cast<std::int64_t>(h);
}

std::string utc_now() {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool table_exists(Connection& c) {
  if (c.dialect() == Dialect::postgres)
    return c.query("SELECT to_regclass('ts_schema_migrations') IS NOT NULL").scalar<bool>();
  return c.query(
              "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = "
              "'ts_schema_migrations'")
             .scalar<std::int64_t>() > 0;
}

int max_version(Connection& c, std::string_view app) {
  if (!table_exists(c)) return 0;
  return static_cast<int>(
      c.query("SELECT COALESCE(MAX(version), 0) FROM ts_schema_migrations WHERE app = $1",
              {std::string(app)})
          .scalar<std::int64_t>());
}

std::set<int> applied_versions(Connection& c, std::string_view app) {
  std::set<int> out;
  if (!table_exists(c)) return out;
  for (const Row& r :
       c.query("SELECT version FROM ts_schema_migrations WHERE app = $1", {std::string(app)}))
    out.insert(r.get<int>(0));
  return out;
}

// Runs body inside a write transaction that holds the migration lock for key.
// Returns what body returns; the transaction commits when body returns.
template <class F>
bool locked_transaction(Connection& c, std::int64_t key, F&& body) {
  if (c.dialect() == Dialect::postgres) {
    Transaction tx(c, TxMode::write);
    tx.query("SELECT pg_advisory_xact_lock($1)", {key});
    const bool result = body();
    tx.commit();
    return result;
  }
  // SQLite: BEGIN IMMEDIATE is the lock; retry while another process migrates.
  const auto deadline = std::chrono::steady_clock::now() + kSqliteLockPatience;
  for (;;) {
    std::optional<Transaction> tx;
    try {
      tx.emplace(c, TxMode::write);
    } catch (const Busy&) {
      if (std::chrono::steady_clock::now() >= deadline) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    const bool result = body();
    tx->commit();
    return result;
  }
}

void ensure_table(Connection& c) {
  if (table_exists(c)) return;
  locked_transaction(c, lock_key(""), [&] {
    c.execute_script(kCreateTable);
    return true;
  });
}

}  // namespace

std::vector<Migration> select_migrations(const MigrationFiles& files, Dialect dialect) {
  struct Slot {
    std::optional<Migration> shared, mine;
    std::vector<std::string> specific_files;  // any dialect-specific file
    std::vector<std::string> other_files;     // the other dialect's files
  };
  std::map<int, Slot> by_version;
  for (const auto& [path, contents] : files) {
    auto parsed = parse_name(path);
    if (!parsed) continue;
    Slot& slot = by_version[parsed->version];
    Migration m{parsed->version, parsed->name, path, contents};
    // Lambdas capture a named reference, not the structured binding itself
    // (C++20 allows that; clang 14, which clang-tidy runs on, does not).
    const std::string& file = path;
    const int version = parsed->version;
    const auto dup = [&file, version](const Migration& existing) {
      return SchemaError("duplicate migration version " + std::to_string(version) + ": " +
                         existing.file + " and " + file);
    };
    if (!parsed->dialect) {
      if (slot.shared) throw dup(*slot.shared);
      slot.shared = std::move(m);
    } else {
      slot.specific_files.push_back(path);
      if (*parsed->dialect == dialect) {
        if (slot.mine) throw dup(*slot.mine);
        slot.mine = std::move(m);
      } else {
        if (!slot.other_files.empty())
          throw SchemaError("duplicate migration version " + std::to_string(m.version) + ": " +
                            slot.other_files.front() + " and " + path);
        slot.other_files.push_back(path);
      }
    }
  }
  std::vector<Migration> out;
  for (auto& [version, slot] : by_version) {
    if (slot.shared && !slot.specific_files.empty())
      throw SchemaError("migration " + std::to_string(version) + " has both a shared file (" +
                        slot.shared->file + ") and a dialect-specific one (" +
                        slot.specific_files.front() + ")");
    if (slot.shared) {
      out.push_back(std::move(*slot.shared));
    } else if (slot.mine) {
      out.push_back(std::move(*slot.mine));
    } else {
      throw SchemaError("migration " + std::to_string(version) + " has no file for " +
                        std::string(to_string(dialect)) + " (only " + slot.other_files.front() +
                        ")");
    }
  }
  return out;
}

MigrationFiles load_migration_files(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw SchemaError("migrations directory does not exist: " + dir.string());
  MigrationFiles out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".sql") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    if (!in) throw SchemaError("cannot read migration " + entry.path().string());
    std::ostringstream text;
    text << in.rdbuf();
    out.emplace_back(entry.path().filename().string(), text.str());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int> migrate(Pool& pool, std::string_view app, const MigrationFiles& files) {
  const auto migrations = select_migrations(files, pool.dialect());
  const int newest = migrations.empty() ? 0 : migrations.back().version;
  auto lease = pool.acquire();
  Connection& c = *lease;
  ensure_table(c);
  const int current = max_version(c, app);
  if (current > newest)
    throw SchemaError("database schema version " + std::to_string(current) + " of " +
                      std::string(app) + " is newer than this build knows (" +
                      std::to_string(newest) + "); upgrade the binary");
  std::set<int> done = applied_versions(c, app);
  std::vector<int> applied;
  const std::int64_t key = lock_key(app);
  for (const Migration& m : migrations) {
    if (done.count(m.version)) continue;
    const auto started = std::chrono::steady_clock::now();
    const bool did = locked_transaction(c, key, [&] {
      // Another process may have applied it while this one waited for the lock.
      if (!c.query("SELECT version FROM ts_schema_migrations WHERE app = $1 AND version = $2",
                   {std::string(app), m.version})
               .empty())
        return false;
      try {
        c.execute_script(m.sql);
      } catch (const Error& e) {
        ts::log::error("migration failed", {{"app", std::string(app)},
                                            {"version", m.version},
                                            {"file", m.file},
                                            {"error", e.what()}});
        throw;
      }
      c.query(
          "INSERT INTO ts_schema_migrations (app, version, name, applied_at) "
          "VALUES ($1, $2, $3, $4)",
          {std::string(app), m.version, m.name, utc_now()});
      return true;
    });
    if (!did) continue;
    applied.push_back(m.version);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    ts::log::info("migration applied", {{"app", std::string(app)},
                                        {"version", m.version},
                                        {"name", m.name},
                                        {"dialect", std::string(to_string(pool.dialect()))},
                                        {"duration_ms", ms}});
  }
  return applied;
}

int current_version(Pool& pool, std::string_view app) {
  auto lease = pool.acquire();
  return max_version(*lease, app);
}

SchemaStatus check_schema(Pool& pool, std::string_view app, const MigrationFiles& files) {
  const auto migrations = select_migrations(files, pool.dialect());
  SchemaStatus status;
  status.newest = migrations.empty() ? 0 : migrations.back().version;
  auto lease = pool.acquire();
  status.current = max_version(*lease, app);
  if (status.current > status.newest)
    throw SchemaError("database schema version " + std::to_string(status.current) + " of " +
                      std::string(app) + " is newer than this build knows (" +
                      std::to_string(status.newest) + "); upgrade the binary");
  const auto done = applied_versions(*lease, app);
  for (const Migration& m : migrations)
    if (!done.count(m.version)) ++status.pending;
  return status;
}

}  // namespace ts::db
