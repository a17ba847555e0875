// SQLite engine: one sqlite3 handle per Connection, WAL journal, persistent
// prepared statements cached by SQL text, $N parameters bound by name.
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>
#include <unordered_map>

#include "platform/db/engines.hpp"
#include "platform/db/statement_cache.hpp"

namespace ts::db::detail {
namespace {

bool only_separators(const char* p, const char* end) {
  // Whitespace, semicolons and comments may follow the one statement.
  while (p < end) {
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ';') {
      ++p;
    } else if (p + 1 < end && p[0] == '-' && p[1] == '-') {
      while (p < end && *p != '\n') ++p;
    } else if (p + 1 < end && p[0] == '/' && p[1] == '*') {
      p += 2;
      while (p + 1 < end && !(p[0] == '*' && p[1] == '/')) ++p;
      p += 2;
    } else {
      return false;
    }
  }
  return true;
}

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(sqlite3* db, const ConnectOptions& options)
      : db_(db), cache_cap_(options.statement_cache_size ? options.statement_cache_size : 1) {}

  ~SqliteConnection() override {
    for (auto& [sql, entry] : cache_) sqlite3_finalize(entry.stmt);
    sqlite3_close_v2(db_);
  }

  Dialect dialect() const noexcept override { return Dialect::sqlite; }

  Result query(std::string_view sql, const Params& params) override {
    Entry& entry = prepare(sql);
    sqlite3_stmt* st = entry.stmt;
    const Reset reset{st};
    bind(entry, params);
    const auto changes_before = sqlite3_total_changes64(db_);
    const int ncol = sqlite3_column_count(st);
    std::vector<Row> rows;
    for (;;) {
      const int rc = sqlite3_step(st);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) fail(rc, params);
      std::vector<Value> cells;
      cells.reserve(ncol);
      for (int c = 0; c < ncol; ++c) cells.push_back(column_value(st, c));
      rows.emplace_back(columns_of(entry), std::move(cells));
    }
    const std::int64_t affected =
        sqlite3_total_changes64(db_) != changes_before ? sqlite3_changes64(db_) : 0;
    return Result(columns_of(entry), std::move(rows), affected);
  }

  std::size_t query_each(std::string_view sql, const Params& params, RowSink sink) override {
    Entry& entry = prepare(sql);
    sqlite3_stmt* st = entry.stmt;
    const Reset reset{st};
    bind(entry, params);
    const auto& columns = *columns_of(entry);
    std::vector<CellView> cells(columns.size());
    const RowView view(columns, cells);
    std::size_t n = 0;
    for (;; ++n) {
      const int rc = sqlite3_step(st);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) fail(rc, params);
      for (std::size_t c = 0; c < cells.size(); ++c)
        cells[c] = column_view(st, static_cast<int>(c));
      sink(view);
    }
    return n;
  }

  void execute_script(std::string_view sql) override {
    const std::string text(sql);
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK) fail(rc, {});
  }

  bool in_transaction() const noexcept override { return sqlite3_get_autocommit(db_) == 0; }
  bool transaction_failed() const noexcept override { return false; }
  bool healthy() noexcept override { return !broken_; }

  // Runs a statement that returns nothing interesting during setup, retrying
  // while another process holds the lock needed (e.g. switching to WAL).
  void setup(const char* sql, std::chrono::milliseconds patience) {
    const auto deadline = std::chrono::steady_clock::now() + patience;
    for (;;) {
      const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) return;
      if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) fail(rc, {});
      if (std::chrono::steady_clock::now() >= deadline) fail(rc, {});
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

 private:
  // Resets a statement and clears its bindings when a query returns or throws.
  struct Reset {
    sqlite3_stmt* st;
    ~Reset() {
      sqlite3_reset(st);
      sqlite3_clear_bindings(st);
    }
  };

  struct Entry {
    sqlite3_stmt* stmt;
    std::uint64_t last_use;
    // The result's column names, shared by every Row of every execution.
    std::shared_ptr<const std::vector<std::string>> columns;
    // For each parameter position, the n of its name "$n" (0 when the name is
    // not of that form): read once here, because sqlite3_bind_parameter_name
    // walks a list, and asking it for every position of every execution was
    // quadratic in the parameters of a multi-row INSERT.
    std::vector<std::size_t> numbers;
  };

  static std::vector<std::size_t> parameter_numbers(sqlite3_stmt* st) {
    std::vector<std::size_t> numbers(static_cast<std::size_t>(sqlite3_bind_parameter_count(st)));
    for (std::size_t i = 0; i < numbers.size(); ++i) {
      const char* name = sqlite3_bind_parameter_name(st, static_cast<int>(i + 1));
      std::size_t n = 0;
      bool ok = name && name[0] == '$' && name[1] >= '1' && name[1] <= '9';
      for (const char* c = ok ? name + 1 : ""; ok && *c; ++c) {
        ok = *c >= '0' && *c <= '9' && n < 100'000'000;
        n = n * 10 + static_cast<std::size_t>(*c - '0');
      }
      numbers[i] = ok ? n : 0;
    }
    return numbers;
  }

  // The column names of the statement's result, read once per statement (and
  // again should a schema change have given it another number of columns).
  static const std::shared_ptr<const std::vector<std::string>>& columns_of(Entry& entry) {
    const int ncol = sqlite3_column_count(entry.stmt);
    if (!entry.columns || entry.columns->size() != static_cast<std::size_t>(ncol)) {
      auto columns = std::make_shared<std::vector<std::string>>();
      columns->reserve(static_cast<std::size_t>(ncol));
      for (int c = 0; c < ncol; ++c) {
        const char* name = sqlite3_column_name(entry.stmt, c);
        columns->emplace_back(name ? name : "");
      }
      entry.columns = std::move(columns);
    }
    return entry.columns;
  }

  Entry& prepare(std::string_view sql) {
    if (auto it = cache_.find(sql); it != cache_.end()) {
      it->second.last_use = ++tick_;
      return it->second;
    }
    const std::string key(sql);
    sqlite3_stmt* st = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                      SQLITE_PREPARE_PERSISTENT, &st, &tail);
    if (rc != SQLITE_OK) fail(rc, {});
    if (st == nullptr) throw Error("sqlite: empty statement");
    if (!only_separators(tail, key.data() + key.size())) {
      sqlite3_finalize(st);
      throw Error("sqlite: query() takes a single statement; use execute_script() for several");
    }
    if (cache_.size() >= cache_cap_) evict_oldest();
    return cache_.emplace(key, Entry{st, ++tick_, nullptr, parameter_numbers(st)}).first->second;
  }

  void evict_oldest() {
    const auto oldest = least_recently_used(cache_);
    if (oldest == cache_.end()) return;
    sqlite3_finalize(oldest->second.stmt);
    cache_.erase(oldest);
  }

  void bind(const Entry& entry, const Params& params) {
    sqlite3_stmt* st = entry.stmt;
    const int expected = static_cast<int>(entry.numbers.size());
    if (expected != static_cast<int>(params.size()))
      throw Error("sqlite: statement takes " + std::to_string(expected) + " parameters, " +
                  std::to_string(params.size()) + " given");
    // Each of the statement's parameters by position, from its name "$n"
    // (read at prepare time): linear in the number of parameters. SQLite
    // numbers distinct names, so `expected` distinct names that are all in
    // 1..size() cover every parameter once.
    for (int idx = 1; idx <= expected; ++idx) {
      const std::size_t n = entry.numbers[static_cast<std::size_t>(idx - 1)];
      if (n < 1 || n > params.size()) {
        const char* name = sqlite3_bind_parameter_name(st, idx);
        throw Error(std::string("sqlite: statement uses parameter ") + (name ? name : "?") +
                    " (placeholders must be $1, $2, ... up to the number of parameters given)");
      }
      const auto& v = params[n - 1].variant();
      int rc = SQLITE_OK;
      if (std::holds_alternative<std::nullptr_t>(v)) {
        rc = sqlite3_bind_null(st, idx);
      } else if (auto* n = std::get_if<std::int64_t>(&v)) {
        rc = sqlite3_bind_int64(st, idx, *n);
      } else if (auto* d = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(st, idx, *d);
      } else if (auto* s = std::get_if<std::string>(&v)) {
        // The string outlives the statement's use: bindings are cleared on return.
        rc = sqlite3_bind_text64(st, idx, s->data(), s->size(), SQLITE_STATIC, SQLITE_UTF8);
      } else if (auto* b = std::get_if<bool>(&v)) {
        rc = sqlite3_bind_int(st, idx, *b ? 1 : 0);
      }
      if (rc != SQLITE_OK) fail(rc, params);
    }
  }

  // A cell pointing into SQLite's buffer (valid until the next step or reset).
  static CellView column_view(sqlite3_stmt* st, int c) {
    switch (sqlite3_column_type(st, c)) {
      case SQLITE_INTEGER:
        return static_cast<std::int64_t>(sqlite3_column_int64(st, c));
      case SQLITE_FLOAT:
        return sqlite3_column_double(st, c);
      case SQLITE_TEXT: {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
        return std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(st, c)));
      }
      case SQLITE_BLOB: {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(st, c));
        const auto n = static_cast<std::size_t>(sqlite3_column_bytes(st, c));
        return p ? std::string_view(p, n) : std::string_view();
      }
      default:
        return nullptr;
    }
  }

  static Value column_value(sqlite3_stmt* st, int c) {
    switch (sqlite3_column_type(st, c)) {
      case SQLITE_INTEGER:
        return Value(static_cast<std::int64_t>(sqlite3_column_int64(st, c)));
      case SQLITE_FLOAT:
        return Value(sqlite3_column_double(st, c));
      case SQLITE_TEXT: {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
        return Value(std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st, c))));
      }
      case SQLITE_BLOB: {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(st, c));
        const auto n = static_cast<std::size_t>(sqlite3_column_bytes(st, c));
        return Value(p ? std::string(p, n) : std::string());
      }
      default:
        return Value(nullptr);
    }
  }

  [[noreturn]] void fail(int rc, const Params& params) {
    const int ext = sqlite3_extended_errcode(db_);
    const int code = ext != 0 ? ext : rc;
    const std::string msg = "sqlite: " + scrub_params(sqlite3_errmsg(db_), params) + " (code " +
                            std::to_string(code) + ")";
    const std::string state = std::to_string(code);
    switch (code) {
      case SQLITE_CONSTRAINT_UNIQUE:
      case SQLITE_CONSTRAINT_PRIMARYKEY:
        throw UniqueViolation(msg, state);
      case SQLITE_CONSTRAINT_FOREIGNKEY:
        throw ForeignKeyViolation(msg, state);
      default:
        break;
    }
    switch (code & 0xff) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        throw Busy(msg, state);
      case SQLITE_IOERR:
      case SQLITE_CORRUPT:
      case SQLITE_NOTADB:
        // Reopen rather than keep using a handle in an unknown state.
        broken_ = true;
        break;
      default:
        break;
    }
    throw Error(msg, state);
  }

  sqlite3* db_;
  std::size_t cache_cap_;
  // Looked up by string_view (no key string built per query).
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> cache_;
  std::uint64_t tick_ = 0;
  bool broken_ = false;
};

}  // namespace

std::unique_ptr<Connection> connect_sqlite(const std::string& path, const ConnectOptions& options) {
  if (path != ":memory:") {
    const auto dir = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
      throw Error("sqlite: directory of the database file does not exist: " + dir.string());
  }
  // Once, before the library initialises (the first open does that): no global
  // memory statistics, which take a process-wide mutex on every allocation.
  static const int configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)configured;  // SQLITE_MISUSE when something initialised SQLite earlier: harmless
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    throw Error("sqlite: cannot open " + path + ": " + msg);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  auto conn = std::make_unique<SqliteConnection>(db, options);
  conn->setup("PRAGMA journal_mode=WAL", options.busy_timeout);
  conn->setup("PRAGMA synchronous=NORMAL", options.busy_timeout);
  conn->setup("PRAGMA foreign_keys=ON", options.busy_timeout);
  // A negative cache_size is a size in KiB rather than a number of pages.
  const std::string cache_size =
      "PRAGMA cache_size=-" + std::to_string(std::max<std::size_t>(options.sqlite_cache_kib, 1));
  conn->setup(cache_size.c_str(), options.busy_timeout);
  return conn;
}

}  // namespace ts::db::detail

namespace ts::db {

std::int64_t sqlite_memory_used() noexcept {
  return sqlite3_memory_used();
}

}  // namespace ts::db
