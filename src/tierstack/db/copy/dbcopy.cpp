// tierstack db copy: every row of the shop and the microblog from one database
// to another (SQLite <-> PostgreSQL), verified before it is committed.
//
// Why one target transaction for the whole copy: a copy that dies part-way
// (error, Ctrl-C, SIGKILL, lost connection) must not leave half the data
// behind. PostgreSQL rolls back a transaction whose client vanished, SQLite
// discards uncommitted pages when the file is next opened, so running the
// command again starts from the same target as before. The checksums are
// compared inside that transaction too, so a copy that does not verify is
// never committed. The price is one long transaction on the target, which is
// fine for a copy made while the target's apps are stopped.
//
// Checksums: rows are read in primary-key order (text keys compared bytewise
// on both engines: SQLite's BINARY collation, COLLATE "C" on PostgreSQL) and
// every cell is hashed in a canonical form that is the same whichever engine
// produced it: NULL, integers (booleans as 0/1: SQLite stores them so), the
// shortest round-trip form of doubles, and length-prefixed text.
#include "tierstack/db/copy/dbcopy.hpp"

#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "platform/core/log.hpp"
#include "platform/db/connection.hpp"
#include "platform/db/engines.hpp"
#include "platform/db/migrations.hpp"
#include "platform/db/pool.hpp"
#include "tierstack/db/copy/copy_internal.hpp"
#include "tierstack/db/sql_quote.hpp"
#include "tierstack/os/files.hpp"
#include "tierstack/os/net.hpp"
#include "tierstack/os/process.hpp"
#include "tierstack/topology/topology.hpp"

namespace tierstack {
using namespace copy_detail;
namespace {

namespace fs = std::filesystem;
using ts::db::Connection;
using ts::db::Dialect;
using ts::db::Params;
using ts::db::Result;
using ts::db::Row;
using ts::db::Value;

struct Options {
  std::string from, to, bin_dir;
  bool replace = false;
  int batch = 500;
};

Options& options() {
  static Options o;
  return o;
}

CLI::App* copy_cmd = nullptr;

struct TableCopy {
  Table src, dst;
  std::int64_t rows = 0;
  std::string checksum;
};

// Rows and rate of the table being copied, on stderr: one redrawn line on a
// terminal, a line per update (at most one a second, plus the last) otherwise.
class Progress {
 public:
  Progress() : tty_(isatty(STDERR_FILENO) == 1) {}

  void begin(const std::string& table, std::int64_t total) {
    table_ = table;
    total_ = total;
    done_ = 0;
    start_ = last_ = std::chrono::steady_clock::now();
    if (tty_) draw(false);
  }
  void advance(std::int64_t done) {
    done_ = done;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < (tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(1000)))
      return;
    last_ = now;
    draw(false);
  }
  void end() { draw(true); }

 private:
  void draw(bool final) {
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = secs > 0 ? static_cast<double>(done_) / secs : 0;
    if (tty_) {
      constexpr int kWidth = 24;
      const int filled =
          total_ > 0 ? static_cast<int>(std::min<std::int64_t>(done_ * kWidth / total_, kWidth))
                     : kWidth;
      std::fprintf(stderr, "\r  %-24s [%s%s] %s/%s rows  %s rows/s\033[K%s", table_.c_str(),
                   std::string(static_cast<std::size_t>(filled), '#').c_str(),
                   std::string(static_cast<std::size_t>(kWidth - filled), '.').c_str(),
                   thousands(done_).c_str(), thousands(total_).c_str(),
                   thousands(static_cast<std::int64_t>(rate)).c_str(), final ? "\n" : "");
    } else {
      std::fprintf(stderr, "  %s: %s/%s rows, %s rows/s%s\n", table_.c_str(),
                   thousands(done_).c_str(), thousands(total_).c_str(),
                   thousands(static_cast<std::int64_t>(rate)).c_str(), final ? ", done" : "");
    }
    std::fflush(stderr);
  }

  bool tty_;
  std::string table_;
  std::int64_t total_ = 0, done_ = 0;
  std::chrono::steady_clock::time_point start_, last_;
};

// Test hook (TIERSTACK_DBCOPY_TEST_INTERRUPT=<table>:fail|hang): after that
// table is copied, fail with an error, or announce it and wait to be killed.
// The integration tests use it to interrupt a copy at a known point.
void test_interrupt(const std::string& table) {
  const char* spec = std::getenv("TIERSTACK_DBCOPY_TEST_INTERRUPT");
  if (!spec) return;
  const std::string s(spec);
  if (s == table + ":fail") throw Failure("test interrupt after " + table);
  if (s == table + ":hang") {
    std::fprintf(stderr, "tierstack db copy: test interrupt: waiting after %s\n", table.c_str());
    std::fflush(stderr);
    for (;;) pause();
  }
}

std::string tail(const std::string& text, std::size_t lines) {
  std::size_t pos = text.size();
  while (pos > 0 && text[pos - 1] == '\n') --pos;
  for (std::size_t n = 0; pos > 0; --pos)
    if (text[pos - 1] == '\n' && ++n == lines) break;
  return text.substr(pos);
}

// `<bin_dir>/<app> migrate` against the target: the app's own embedded
// migrations, exactly as its deploy would apply them.
void migrate_target(const AppSpec& app, const fs::path& bin_dir, const std::string& url) {
  const fs::path binary = bin_dir / app.name;
  if (!fs::exists(binary))
    throw Failure("cannot apply the " + app.name + " migrations to the target: " + binary.string() +
                  " does not exist (build it, or pass --bin-dir)");
  char log_name[] = "/tmp/tierstack-dbcopy-migrate-XXXXXX";
  const int fd = mkstemp(log_name);
  if (fd < 0) throw Failure("cannot create a temporary file in /tmp");
  close(fd);
  SpawnOptions o;
  o.argv = {binary.string(), "migrate"};
  o.env = {{app.env + "_DATABASE_URL", url}, {app.env + "_LOG_LEVEL", "warn"}};
  // The apps refuse to start without a secret key; migrating does not use it.
  if (!std::getenv((app.env + "_SECRET_KEY").c_str()))
    o.env[app.env + "_SECRET_KEY"] = random_hex(32);
  o.log_file = log_name;
  const int rc = run_to_end(o, std::chrono::seconds(300));
  const std::string log = read_file(log_name);
  fs::remove(log_name);
  if (rc != 0)
    throw Failure(app.name + " migrate failed on the target (status " + std::to_string(rc) +
                  "):\n" + tail(log, 5));
  std::printf("  %s", tail(log, 1).c_str());
  if (log.empty() || log.back() != '\n') std::printf("\n");
}

// Refuses URLs that cannot work, before anything is opened.
void check_urls(const Options& o) {
  const Dialect from_dialect = check_url("--from", o.from, true);
  const Dialect to_dialect = check_url("--to", o.to, false);
  if (o.from == o.to) throw Failure("--from and --to name the same database", 2);
  if (from_dialect == Dialect::sqlite && to_dialect == Dialect::sqlite) {
    std::error_code ec;
    if (fs::equivalent(ts::db::detail::sqlite_path_from_url(o.from),
                       ts::db::detail::sqlite_path_from_url(o.to), ec))
      throw Failure("--from and --to name the same database file", 2);
  }
}

// What the source holds: the apps with a recorded schema version.
struct SourceApps {
  std::vector<AppSpec> apps;
  std::map<std::string, int> version;
  std::vector<std::string> prefixes;
};

SourceApps source_apps(ts::db::Pool& src) {
  SourceApps s;
  for (const auto& app : known_apps()) {
    const int v = ts::db::current_version(src, app.name);
    if (v == 0) continue;
    s.apps.push_back(app);
    s.version[app.name] = v;
    s.prefixes.push_back(app.prefix);
  }
  if (s.apps.empty())
    throw Failure(
        "the source database holds no shop or microblog schema (no migrations "
        "recorded in ts_schema_migrations); nothing to copy");
  return s;
}

// Refuses a target that already holds data of these apps, before touching it.
void refuse_held_target(const Options& o, const std::vector<std::string>& prefixes) {
  auto pool = open_pool("target", o.to);
  auto lease = pool->acquire();
  std::string held;
  for (const auto& [name, t] : read_schema(*lease, prefixes).tables) {
    const auto n = lease->query("SELECT count(*) FROM " + quote_ident(name)).scalar<std::int64_t>();
    if (n > 0) held += (held.empty() ? "" : ", ") + name + " " + thousands(n);
  }
  if (held.empty()) return;
  if (!o.replace)
    throw Failure("the target already holds data (" + held + " rows); pass --replace to replace it",
                  3);
  std::printf("  the target's rows (%s) will be replaced\n", held.c_str());
}

void check_versions(const SourceApps& s, ts::db::Pool& dst, const fs::path& bin_dir) {
  for (const auto& app : s.apps) {
    const int v = s.version.at(app.name);
    const int t = ts::db::current_version(dst, app.name);
    if (v > t)
      throw Failure("the source's " + app.name + " schema is at version " + std::to_string(v) +
                    ", newer than the " + app.name + " binary in " + bin_dir.string() + " knows (" +
                    std::to_string(t) +
                    "); upgrade the binaries (or pass --bin-dir) and copy again");
    if (v < t)
      throw Failure("the source's " + app.name + " schema is at version " + std::to_string(v) +
                    ", older than the target's (" + std::to_string(t) + "); migrate the source " +
                    "first: " + app.env + "_DATABASE_URL=... " + app.name + " migrate");
    std::printf("  %s: schema version %d on both sides\n", app.name.c_str(), v);
  }
}

// The tables to copy, parents first, each source table aligned to the target's.
std::vector<TableCopy> plan_tables(Connection& src, Connection& dst,
                                   const std::vector<std::string>& prefixes) {
  const Schema src_schema = read_schema(src, prefixes);
  const Schema dst_schema = read_schema(dst, prefixes);
  for (const auto& [name, _] : src_schema.tables)
    if (!dst_schema.tables.count(name))
      throw Failure("the source has a table " + name + " that the target's schema lacks");
  std::vector<TableCopy> plan;
  for (const auto& name : foreign_key_order(dst_schema.tables)) {
    const auto it = src_schema.tables.find(name);
    if (it == src_schema.tables.end())
      throw Failure("the target has a table " + name + " that the source lacks");
    TableCopy tc;
    tc.dst = dst_schema.tables.at(name);
    tc.src = align(it->second, tc.dst);
    plan.push_back(std::move(tc));
  }
  if (!src_schema.derived.empty()) {
    std::string names;
    for (const auto& d : src_schema.derived) names += (names.empty() ? "" : ", ") + d;
    std::printf("  not copied (search index, rebuilt on the target): %s\n", names.c_str());
  }
  return plan;
}

// INSERT INTO t (cols) VALUES ($1, …), (…) for `rows` rows.
std::string insert_sql(const Table& t, std::size_t rows) {
  std::string cols;
  for (const auto& c : t.columns) cols += (cols.empty() ? "" : ", ") + quote_ident(c.name);
  std::string sql = "INSERT INTO " + quote_ident(t.name) + " (" + cols + ") VALUES ";
  std::size_t p = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    sql += r ? ", (" : "(";
    for (std::size_t c = 0; c < t.columns.size(); ++c)
      sql += (c ? ", $" : "$") + std::to_string(++p);
    sql += ")";
  }
  return sql;
}

void copy_table(TableCopy& tc, Connection& src, ts::db::Transaction& dst_tx, std::size_t batch_max,
                Dialect to_dialect, Progress& progress) {
  const std::size_t ncols = tc.dst.columns.size();
  // Parameters per INSERT: PostgreSQL takes 65,535. The SQLite engine looks
  // each $n up by name, in time proportional to the count, so big statements
  // are slow there: 150,000 shop_orders copied at 800 rows/s with 12,000
  // parameters per INSERT, 2,900 with 999, 13,000 with 240.
  // PostgreSQL: libpq 15 drops a connection whose ParameterDescription
  // message (4 bytes per parameter, sent when the INSERT is prepared) is
  // over 30,000 bytes ("lost synchronization with server"), so at most
  // 7,000 parameters per statement.
  const std::size_t max_params = to_dialect == Dialect::sqlite ? 240 : 7000;
  const std::size_t batch = std::max<std::size_t>(
      1, std::min<std::size_t>(batch_max, max_params / std::max<std::size_t>(1, ncols)));
  const std::string full_batch_sql = insert_sql(tc.dst, batch);
  const auto total =
      src.query("SELECT count(*) FROM " + quote_ident(tc.src.name)).scalar<std::int64_t>();
  progress.begin(tc.dst.name, total);
  RowHasher hasher;
  Params params;
  scan(src, tc.src, batch, [&](const Result& r) {
    params.clear();
    params.reserve(r.size() * ncols);
    for (const Row& row : r) {
      hasher.add(row);
      for (std::size_t c = 0; c < ncols; ++c) params.push_back(row.at(c));
    }
    try {
      dst_tx.query(r.size() == batch ? full_batch_sql : insert_sql(tc.dst, r.size()), params);
    } catch (const ts::db::Error& e) {
      throw Failure("copying " + tc.dst.name + " failed: " + e.what());
    }
    progress.advance(hasher.rows());
  });
  progress.end();
  tc.rows = hasher.rows();
  tc.checksum = hasher.hex();
  test_interrupt(tc.dst.name);
}

// Reads everything back from the target, inside the copy's transaction, and
// compares; returns the rows copied.
std::int64_t verify_tables(const std::vector<TableCopy>& plan, Connection& dst, std::size_t batch) {
  std::printf("\n  %-26s %10s  %-16s  %s\n", "table", "rows", "sha-256", "target");
  bool all_match = true;
  std::int64_t total_rows = 0;
  for (const auto& tc : plan) {
    RowHasher hasher;
    scan(dst, tc.dst, batch, [&](const Result& r) {
      for (const Row& row : r) hasher.add(row);
    });
    const auto sum = hasher.hex();
    const bool match = hasher.rows() == tc.rows && sum == tc.checksum;
    all_match = all_match && match;
    total_rows += tc.rows;
    std::printf(
        "  %-26s %10s  %-16s  %s\n", tc.dst.name.c_str(), thousands(tc.rows).c_str(),
        tc.checksum.substr(0, 16).c_str(),
        match ? "match"
              : ("MISMATCH: " + thousands(hasher.rows()) + " rows, " + sum.substr(0, 16)).c_str());
  }
  if (!all_match)
    throw Failure(
        "verification failed: the target's data differs from the source's; nothing "
        "was committed");
  return total_rows;
}

// Moves identity sequences past the copied ids. setval is not undone by a
// rollback, so it only ever moves a sequence forward.
void move_sequences(const std::vector<TableCopy>& plan, ts::db::Transaction& dst_tx) {
  for (const auto& tc : plan)
    for (const auto& col : tc.dst.sequence_columns)
      dst_tx.query(
          "SELECT setval(pg_get_serial_sequence($1, $2)::regclass, GREATEST("
          "(SELECT COALESCE(MAX(" +
              quote_ident(col) + "), 0) FROM " + quote_ident(tc.dst.name) +
              "), COALESCE(pg_sequence_last_value(pg_get_serial_sequence($1, "
              "$2)::regclass), 0)) + 1, false)",
          {quote_ident(tc.dst.name), col});
}

int copy(const Options& o, const fs::path& bin_dir) {
  check_urls(o);
  const Dialect to_dialect = ts::db::dialect_of(o.to);
  const auto started = std::chrono::steady_clock::now();
  std::printf("tierstack db copy: %s -> %s\n", ts::db::redact_url(o.from).c_str(),
              ts::db::redact_url(o.to).c_str());
  auto src_pool = open_pool("source", o.from);
  const SourceApps source = source_apps(*src_pool);
  refuse_held_target(o, source.prefixes);
  for (const auto& app : source.apps) migrate_target(app, bin_dir, o.to);
  auto dst_pool = open_pool("target", o.to);
  check_versions(source, *dst_pool, bin_dir);

  auto src = src_pool->acquire();
  auto dst = dst_pool->acquire();
  std::vector<TableCopy> plan = plan_tables(*src, *dst, source.prefixes);
  // A consistent snapshot of the source, even while its apps keep writing.
  ts::db::Transaction src_tx(*src, ts::db::TxMode::read);
  if (src->dialect() == Dialect::postgres)
    src->execute_script("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  // One transaction holds every changed page until the commit: a larger
  // page cache keeps SQLite from spilling and re-reading them.
  if (dst->dialect() == Dialect::sqlite) dst->execute_script("PRAGMA cache_size = -262144");
  ts::db::Transaction dst_tx(*dst, ts::db::TxMode::write);
  // Children first. Without --replace the tables held no rows before the
  // migrations ran, so this only removes rows a migration inserted; the source has
  // the same ones (it ran the same migrations) and they are copied from there.
  for (auto it = plan.rbegin(); it != plan.rend(); ++it)
    dst_tx.query("DELETE FROM " + quote_ident(it->dst.name));

  Progress progress;
  std::fprintf(stderr, "copying %zu tables\n", plan.size());
  for (auto& tc : plan)
    copy_table(tc, *src, dst_tx, static_cast<std::size_t>(o.batch), to_dialect, progress);
  const std::int64_t total_rows = verify_tables(plan, *dst, static_cast<std::size_t>(o.batch));
  if (dst->dialect() == Dialect::postgres) move_sequences(plan, dst_tx);
  dst_tx.commit();
  src_tx.commit();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("verified: %zu tables, %s rows; row counts and checksums match. Copied in %.1f s.\n",
              plan.size(), thousands(total_rows).c_str(), secs);
  return 0;
}

}  // namespace

CLI::App* add_db_command(CLI::App& cli) {
  auto* db = cli.add_subcommand("db", "database tools");
  db->require_subcommand(1);
  copy_cmd = db->add_subcommand(
      "copy",
      "copy the shop's and the microblog's data to another database (SQLite or PostgreSQL), "
      "verified by row counts and checksums (docs/data.md)");
  auto& o = options();
  copy_cmd->add_option("--from", o.from, "source URL: sqlite:///path.db or postgresql://...")
      ->required();
  copy_cmd->add_option("--to", o.to, "target URL: sqlite:///path.db or postgresql://...")
      ->required();
  copy_cmd->add_flag("--replace", o.replace, "replace the data a non-empty target holds");
  copy_cmd->add_option("--bin-dir", o.bin_dir,
                       "where the shop and microblog binaries are (default: the topology's)");
  copy_cmd->add_option("--batch", o.batch, "rows per query and INSERT (fewer on SQLite targets)")
      ->check(CLI::Range(1, 100000));
  return db;
}

int run_db_command(const std::string& topology_file) {
  const auto& o = options();
  fs::path bin_dir;
  if (!o.bin_dir.empty()) {
    bin_dir = fs::absolute(o.bin_dir);
  } else {
    try {
      bin_dir =
          load_topology(topology_file.empty() ? default_topology_file() : fs::path(topology_file))
              .bin_dir;
    } catch (const std::exception&) {
      // Without a readable topology the binaries beside tierstack are used.
    }
    if (bin_dir.empty()) bin_dir = fs::read_symlink("/proc/self/exe").parent_path();
  }
  signal(SIGPIPE, SIG_IGN);
  ts::log::set_level(ts::log::Level::warn);  // no "pool opened" lines between the progress
  try {
    return copy(o, bin_dir);
  } catch (const Failure& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "tierstack db copy: %s\n", e.what());
    if (e.status == 1)
      std::fprintf(stderr, "tierstack db copy: the target's data was left as it was\n");
    return e.status;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr,
                 "tierstack db copy: %s\ntierstack db copy: the target's data was left as it "
                 "was\n",
                 e.what());
    return 1;
  }
}

std::vector<AppSum> summarize_database(const std::string& url) {
  try {
    auto pool = open_pool("backed-up", url);
    std::vector<AppSum> out;
    for (const auto& app : known_apps()) {
      const int v = ts::db::current_version(*pool, app.name);
      if (v == 0) continue;
      auto lease = pool->acquire();
      ts::db::Transaction tx(*lease, ts::db::TxMode::read);
      if (lease->dialect() == Dialect::postgres)
        lease->execute_script("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
      AppSum sum{app.name, v, {}};
      for (const auto& [name, table] : read_schema(*lease, {app.prefix}).tables) {
        RowHasher hasher;
        scan(*lease, table, 500, [&](const Result& r) {
          for (const Row& row : r) hasher.add(row);
        });
        sum.tables.push_back({name, hasher.rows(), hasher.hex()});
      }
      tx.commit();
      out.push_back(std::move(sum));
    }
    return out;
  } catch (const ts::db::Error& e) {
    throw std::runtime_error(std::string("reading ") + ts::db::redact_url(url) + ": " + e.what());
  }
}

int copy_database(const std::string& from, const std::string& to, bool replace,
                  const fs::path& bin_dir) {
  Options o;
  o.from = from;
  o.to = to;
  o.replace = replace;
  try {
    return copy(o, bin_dir);
  } catch (const Failure& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "tierstack db copy: %s\n", e.what());
    return e.status;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "tierstack db copy: %s\n", e.what());
    return 1;
  }
}

namespace copy_detail {

// Checks the URL's form and, for SQLite, the file system; returns its dialect.
Dialect check_url(const std::string& flag, const std::string& url, bool source) {
  Dialect d;
  try {
    d = ts::db::dialect_of(url);
  } catch (const ts::db::Error& e) {
    throw Failure(flag + ": " + e.what(), 2);
  }
  if (d == Dialect::postgres) return d;
  std::string path;
  try {
    path = ts::db::detail::sqlite_path_from_url(url);
  } catch (const ts::db::Error& e) {
    throw Failure(flag + ": " + e.what() + ", got " + url, 2);
  }
  if (path == ":memory:")
    throw Failure(flag + ": an in-memory SQLite database cannot be copied from or to", 2);
  if (source && !fs::is_regular_file(path))
    throw Failure(flag + ": there is no SQLite database at " + path, 2);
  if (!source && !fs::is_directory(fs::path(path).parent_path()))
    throw Failure(
        flag + ": the directory " + fs::path(path).parent_path().string() + " does not exist", 2);
  return d;
}

std::shared_ptr<ts::db::Pool> open_pool(const std::string& which, const std::string& url) {
  try {
    ts::db::PoolOptions po;
    po.max_size = 2;
    return ts::db::Pool::open(url, po);
  } catch (const std::exception& e) {
    throw Failure("cannot open the " + which + " database " + ts::db::redact_url(url) + ": " +
                  e.what());
  }
}

}  // namespace copy_detail

}  // namespace tierstack
