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
#include "platform/core/text.hpp"
#include "tierstack/db/sql_quote.hpp"

#include <signal.h>
#include <sodium.h>
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
#include "tierstack/os/files.hpp"
#include "tierstack/os/net.hpp"
#include "tierstack/os/process.hpp"
#include "tierstack/topology/topology.hpp"

namespace tierstack {
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

// A problem to report to the operator (no stack, no crash) with its exit status.
struct Failure : std::runtime_error {
  Failure(const std::string& message, int s = 1) : std::runtime_error(message), status(s) {}
  int status;
};

// The apps whose data is copied: their tables are named with the prefix, and
// `<bin_dir>/<name> migrate` (with <env>_DATABASE_URL) creates their schema.
struct AppSpec {
  std::string name, prefix, env;
};

const std::vector<AppSpec>& known_apps() {
  static const std::vector<AppSpec> apps{{"shop", "shop_", "SHOP"},
                                         {"microblog", "mb_", "MICROBLOG"}};
  return apps;
}

struct Column {
  std::string name;
  bool text = false;  // ordered with COLLATE "C" on PostgreSQL
};

struct Table {
  std::string name;
  std::vector<Column> columns;
  std::vector<std::size_t> key;               // positions in columns of the primary key
  std::set<std::string> refs;                 // tables its foreign keys point to
  std::vector<std::string> sequence_columns;  // PostgreSQL identity/serial columns
};

struct Schema {
  std::map<std::string, Table> tables;
  std::vector<std::string> derived;  // SQLite full-text tables: rebuilt by the target
};

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string thousands(std::int64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > (n < 0 ? 1 : 0); i -= 3) s.insert(i, ",");
  return s;
}

Schema read_schema(Connection& c, const std::vector<std::string>& prefixes) {
  auto wanted = [&](const std::string& n) {
    return std::any_of(prefixes.begin(), prefixes.end(),
                       [&](const std::string& p) { return n.starts_with(p); });
  };
  Schema s;
  if (c.dialect() == Dialect::sqlite) {
    std::vector<std::string> virtuals, names;
    for (const Row& r : c.query("SELECT name, COALESCE(sql, '') FROM sqlite_master "
                                "WHERE type = 'table' ORDER BY name")) {
      auto name = r.get<std::string>(0);
      if (name.starts_with("sqlite_")) continue;
      (upper(r.get<std::string>(1)).starts_with("CREATE VIRTUAL TABLE") ? virtuals : names)
          .push_back(name);
    }
    for (const auto& v : virtuals)
      if (wanted(v)) s.derived.push_back(v);
    for (const auto& n : names) {
      if (!wanted(n)) continue;
      // An FTS table's shadow tables (<name>_data, _idx, ...) belong to it.
      if (std::any_of(virtuals.begin(), virtuals.end(),
                      [&](const std::string& v) { return n.starts_with(v + "_"); })) {
        s.derived.push_back(n);
        continue;
      }
      Table t;
      t.name = n;
      std::vector<std::pair<std::int64_t, std::size_t>> pk;
      for (const Row& r : c.query("SELECT name, upper(type), pk FROM pragma_table_info($1) "
                                  "ORDER BY cid",
                                  {n})) {
        const auto type = r.get<std::string>(1);
        Column col{r.get<std::string>(0), type.find("CHAR") != std::string::npos ||
                                              type.find("TEXT") != std::string::npos ||
                                              type.find("CLOB") != std::string::npos};
        if (const auto k = r.get<std::int64_t>(2); k > 0) pk.emplace_back(k, t.columns.size());
        t.columns.push_back(std::move(col));
      }
      std::sort(pk.begin(), pk.end());
      for (const auto& [_, i] : pk) t.key.push_back(i);
      for (const Row& r :
           c.query("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list($1)", {n}))
        t.refs.insert(r.get<std::string>(0));
      s.tables.emplace(n, std::move(t));
    }
    return s;
  }

  const std::string in_schema =
      " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() ";
  for (const Row& r : c.query("SELECT c.relname FROM pg_class c" + in_schema +
                              "AND c.relkind IN ('r', 'p') ORDER BY 1")) {
    const auto name = r.get<std::string>(0);
    if (!wanted(name)) continue;
    Table t;
    t.name = name;
    std::map<std::string, std::size_t> pos;
    for (const Row& col :
         c.query("SELECT a.attname, t.typcategory = 'S', "
                 "pg_get_serial_sequence(quote_ident(c.relname), a.attname::text) IS NOT NULL "
                 "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                 "JOIN pg_type t ON t.oid = a.atttypid" +
                     in_schema +
                     "AND c.relname = $1 AND a.attnum > 0 AND NOT a.attisdropped "
                     "AND a.attgenerated = '' ORDER BY a.attnum",
                 {name})) {
      pos[col.get<std::string>(0)] = t.columns.size();
      t.columns.push_back({col.get<std::string>(0), col.get<bool>(1)});
      if (col.get<bool>(2)) t.sequence_columns.push_back(col.get<std::string>(0));
    }
    for (const Row& k :
         c.query("SELECT a.attname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
                 "CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS u(attnum, pos) "
                 "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.attnum" +
                     in_schema + "AND c.relname = $1 AND k.contype = 'p' ORDER BY u.pos",
                 {name}))
      t.key.push_back(pos.at(k.get<std::string>(0)));
    for (const Row& f : c.query("SELECT DISTINCT r.relname FROM pg_constraint k "
                                "JOIN pg_class c ON c.oid = k.conrelid "
                                "JOIN pg_class r ON r.oid = k.confrelid" +
                                    in_schema + "AND c.relname = $1 AND k.contype = 'f'",
                                {name}))
      t.refs.insert(f.get<std::string>(0));
    s.tables.emplace(name, std::move(t));
  }
  return s;
}

// Parents before children; ties in name order so every run copies alike.
std::vector<std::string> foreign_key_order(const std::map<std::string, Table>& tables) {
  std::vector<std::string> order;
  std::set<std::string> done;
  while (order.size() < tables.size()) {
    bool progressed = false;
    for (const auto& entry : tables) {
      const std::string& name = entry.first;
      const Table& t = entry.second;
      if (done.count(name)) continue;
      const bool ready = std::all_of(t.refs.begin(), t.refs.end(), [&](const std::string& r) {
        return r == name || done.count(r) || !tables.count(r);
      });
      if (!ready) continue;
      order.push_back(name);
      done.insert(name);
      progressed = true;
      break;
    }
    if (!progressed)
      throw Failure("the tables' foreign keys form a cycle; cannot choose a copy order");
  }
  return order;
}

// The source's table with its columns in the target's order.
Table align(const Table& src, const Table& dst) {
  Table out = src;
  out.columns.clear();
  out.key.clear();
  std::set<std::string> seen;
  for (const auto& dc : dst.columns) {
    auto it = std::find_if(src.columns.begin(), src.columns.end(),
                           [&](const Column& c) { return c.name == dc.name; });
    if (it == src.columns.end())
      throw Failure("the source's table " + src.name + " has no column " + dc.name +
                    " although both schemas are at the same version");
    out.columns.push_back(*it);
    seen.insert(dc.name);
  }
  for (const auto& c : src.columns)
    if (!seen.count(c.name))
      throw Failure("the source's table " + src.name + " has a column " + c.name +
                    " that the target's schema lacks");
  for (std::size_t k : src.key) {
    const auto& name = src.columns[k].name;
    for (std::size_t i = 0; i < out.columns.size(); ++i)
      if (out.columns[i].name == name) out.key.push_back(i);
  }
  auto key_names = [](const Table& t) {
    std::vector<std::string> v;
    for (auto k : t.key) v.push_back(t.columns[k].name);
    return v;
  };
  if (key_names(out) != key_names(dst))
    throw Failure("the table " + src.name + " has a different primary key in source and target");
  return out;
}

// Streams a table in primary-key order, `batch` rows per query (keyset
// pagination: each query starts after the last key seen).
void scan(Connection& c, const Table& t, std::size_t batch,
          const std::function<void(const Result&)>& fn) {
  if (t.key.empty())
    throw Failure("table " + t.name + " has no primary key; it cannot be copied in key order");
  const bool pg = c.dialect() == Dialect::postgres;
  std::string cols, keys, marks;
  for (const auto& col : t.columns) cols += (cols.empty() ? "" : ", ") + quote_ident(col.name);
  for (std::size_t i = 0; i < t.key.size(); ++i) {
    const auto& col = t.columns[t.key[i]];
    keys += (i ? ", " : "") + quote_ident(col.name) + (pg && col.text ? " COLLATE \"C\"" : "");
    marks += (i ? ", $" : "$") + std::to_string(i + 1);
  }
  const std::string head = "SELECT " + cols + " FROM " + quote_ident(t.name);
  const std::string order = " ORDER BY " + keys + " LIMIT $";
  const std::string after = t.key.size() == 1 ? " WHERE " + keys + " > " + marks
                                              : " WHERE (" + keys + ") > (" + marks + ")";
  const std::string first_sql = head + order + "1";
  const std::string next_sql = head + after + order + std::to_string(t.key.size() + 1);
  Params params{static_cast<std::int64_t>(batch)};
  bool first = true;
  for (;;) {
    const Result r = c.query(first ? first_sql : next_sql, params);
    if (r.empty()) return;
    fn(r);
    if (r.size() < batch) return;
    first = false;
    params.clear();
    for (std::size_t k : t.key) params.push_back(r.rows().back().at(k));
    params.push_back(static_cast<std::int64_t>(batch));
  }
}

// SHA-256 over the canonical form of rows, fed in key order.
class RowHasher {
 public:
  RowHasher() { crypto_hash_sha256_init(&state_); }

  void add(const Row& row) {
    buf_.clear();
    for (std::size_t i = 0; i < row.size(); ++i) {
      const auto& v = row.at(i).variant();
      if (std::holds_alternative<std::nullptr_t>(v)) {
        buf_ += "n;";
      } else if (auto* n = std::get_if<std::int64_t>(&v)) {
        buf_ += 'i' + std::to_string(*n) + ';';
      } else if (auto* b = std::get_if<bool>(&v)) {
        buf_ += *b ? "i1;" : "i0;";
      } else if (auto* d = std::get_if<double>(&v)) {
        char text[64];
        const auto res = std::to_chars(text, text + sizeof text, *d);
        buf_ += 'f';
        buf_.append(text, res.ptr);
        buf_ += ';';
      } else {
        const auto& s = std::get<std::string>(v);
        buf_ += 's' + std::to_string(s.size()) + ':';
        buf_ += s;
      }
    }
    buf_ += '\n';
    crypto_hash_sha256_update(&state_, reinterpret_cast<const unsigned char*>(buf_.data()),
                              buf_.size());
    ++rows_;
  }

  std::int64_t rows() const { return rows_; }

  std::string hex() {
    unsigned char out[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&state_, out);
    return ts::core::hex_encode({reinterpret_cast<const char*>(out), sizeof out});
  }

 private:
  crypto_hash_sha256_state state_;
  std::string buf_;
  std::int64_t rows_ = 0;
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

struct TableCopy {
  Table src, dst;
  std::int64_t rows = 0;
  std::string checksum;
};

int copy(const Options& o, const fs::path& bin_dir) {
  const Dialect from_dialect = check_url("--from", o.from, true);
  const Dialect to_dialect = check_url("--to", o.to, false);
  if (o.from == o.to) throw Failure("--from and --to name the same database", 2);
  if (from_dialect == Dialect::sqlite && to_dialect == Dialect::sqlite) {
    std::error_code ec;
    if (fs::equivalent(ts::db::detail::sqlite_path_from_url(o.from),
                       ts::db::detail::sqlite_path_from_url(o.to), ec))
      throw Failure("--from and --to name the same database file", 2);
  }
  const auto started = std::chrono::steady_clock::now();
  std::printf("tierstack db copy: %s -> %s\n", ts::db::redact_url(o.from).c_str(),
              ts::db::redact_url(o.to).c_str());

  // What the source holds: the apps with a recorded schema version.
  auto src_pool = open_pool("source", o.from);
  std::vector<AppSpec> apps;
  std::map<std::string, int> src_version;
  std::vector<std::string> prefixes;
  for (const auto& app : known_apps()) {
    const int v = ts::db::current_version(*src_pool, app.name);
    if (v == 0) continue;
    apps.push_back(app);
    src_version[app.name] = v;
    prefixes.push_back(app.prefix);
  }
  if (apps.empty())
    throw Failure(
        "the source database holds no shop or microblog schema (no migrations "
        "recorded in ts_schema_migrations); nothing to copy");

  // Refuse a target that already holds data of these apps, before touching it.
  {
    auto pool = open_pool("target", o.to);
    auto lease = pool->acquire();
    std::string held;
    for (const auto& [name, t] : read_schema(*lease, prefixes).tables) {
      const auto n =
          lease->query("SELECT count(*) FROM " + quote_ident(name)).scalar<std::int64_t>();
      if (n > 0) held += (held.empty() ? "" : ", ") + name + " " + thousands(n);
    }
    if (!held.empty()) {
      if (!o.replace)
        throw Failure(
            "the target already holds data (" + held + " rows); pass --replace to replace it", 3);
      std::printf("  the target's rows (%s) will be replaced\n", held.c_str());
    }
  }

  for (const auto& app : apps) migrate_target(app, bin_dir, o.to);
  auto dst_pool = open_pool("target", o.to);
  for (const auto& app : apps) {
    const int s = src_version[app.name];
    const int t = ts::db::current_version(*dst_pool, app.name);
    if (s > t)
      throw Failure("the source's " + app.name + " schema is at version " + std::to_string(s) +
                    ", newer than the " + app.name + " binary in " + bin_dir.string() + " knows (" +
                    std::to_string(t) +
                    "); upgrade the binaries (or pass --bin-dir) and copy again");
    if (s < t)
      throw Failure("the source's " + app.name + " schema is at version " + std::to_string(s) +
                    ", older than the target's (" + std::to_string(t) + "); migrate the source " +
                    "first: " + app.env + "_DATABASE_URL=... " + app.name + " migrate");
    std::printf("  %s: schema version %d on both sides\n", app.name.c_str(), s);
  }

  auto src = src_pool->acquire();
  auto dst = dst_pool->acquire();
  const Schema src_schema = read_schema(*src, prefixes);
  const Schema dst_schema = read_schema(*dst, prefixes);
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
  for (auto& tc : plan) {
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
        1, std::min<std::size_t>(o.batch, max_params / std::max<std::size_t>(1, ncols)));
    std::string cols;
    for (const auto& c : tc.dst.columns) cols += (cols.empty() ? "" : ", ") + quote_ident(c.name);
    const std::string insert_head =
        "INSERT INTO " + quote_ident(tc.dst.name) + " (" + cols + ") VALUES ";
    auto insert_sql = [&](std::size_t rows) {
      std::string sql = insert_head;
      std::size_t p = 0;
      for (std::size_t r = 0; r < rows; ++r) {
        sql += r ? ", (" : "(";
        for (std::size_t c = 0; c < ncols; ++c) sql += (c ? ", $" : "$") + std::to_string(++p);
        sql += ")";
      }
      return sql;
    };
    const std::string full_batch_sql = insert_sql(batch);
    const auto total =
        src->query("SELECT count(*) FROM " + quote_ident(tc.src.name)).scalar<std::int64_t>();
    progress.begin(tc.dst.name, total);
    RowHasher hasher;
    Params params;
    scan(*src, tc.src, batch, [&](const Result& r) {
      params.clear();
      params.reserve(r.size() * ncols);
      for (const Row& row : r) {
        hasher.add(row);
        for (std::size_t c = 0; c < ncols; ++c) params.push_back(row.at(c));
      }
      try {
        dst_tx.query(r.size() == batch ? full_batch_sql : insert_sql(r.size()), params);
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

  // Read everything back from the target, inside the same transaction.
  std::printf("\n  %-26s %10s  %-16s  %s\n", "table", "rows", "sha-256", "target");
  bool all_match = true;
  std::int64_t total_rows = 0;
  for (const auto& tc : plan) {
    RowHasher hasher;
    scan(*dst, tc.dst, static_cast<std::size_t>(o.batch), [&](const Result& r) {
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

  // Move identity sequences past the copied ids. setval is not undone by a
  // rollback, so it only ever moves a sequence forward.
  if (dst->dialect() == Dialect::postgres) {
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

}  // namespace tierstack
