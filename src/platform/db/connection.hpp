#pragma once
// One database connection, SQLite or PostgreSQL behind the same interface,
// and the RAII Transaction. Most code gets connections from ts::db::Pool.
//
// URLs:  sqlite:///absolute/path.db   sqlite://:memory:
//        postgresql://user:pass@host:port/db?sslmode=...   (postgres:// too; handed to libpq)
//        postgresql://user@h1:p1,h2:p2/db?target_session_attrs=read-write   (a primary and its
//          standby: libpq connects to whichever is the primary now; a pooled connection whose
//          server turned read-only is reported as ConnectionLost and replaced)
// SQL uses $1, $2, ... placeholders in both dialects; values are always bound,
// never formatted into the text. Statements are prepared once per connection
// and cached by their SQL text.
//
// A Connection is used by one thread at a time (the pool guarantees that).
#include "platform/db/error.hpp"
#include "platform/db/value.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ts::db {

enum class Dialect { sqlite, postgres };
std::string_view to_string(Dialect d) noexcept;

struct ConnectOptions {
  std::chrono::seconds connect_timeout{5};       // PostgreSQL, unless the URL sets one
  std::chrono::milliseconds busy_timeout{5000};  // SQLite: wait this long for a writer lock
  std::size_t statement_cache_size = 256;        // prepared statements kept per connection
  // SQLite: the page cache of one connection, in KiB (PRAGMA cache_size).
  // Every pooled connection keeps its own, filled as the database is read,
  // so the pool's share of the process's memory is up to
  // max_size * sqlite_cache_kib; the kernel's page cache holds the file
  // anyway, and a miss costs one pread from it.
  std::size_t sqlite_cache_kib = 512;
};

class Connection {
 public:
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  virtual Dialect dialect() const noexcept = 0;
  // Runs one statement with bound parameters ($1 is params[0]).
  virtual Result query(std::string_view sql, const Params& params = {}) = 0;
  // Runs one statement and hands each row to `sink` as it is read, without
  // building a Result: for large answers written straight into a response.
  // A RowView (and the text it points to) is valid only during its call; an
  // exception from `sink` stops the statement and propagates. Returns the
  // number of rows. SQLite steps the statement row by row; an engine without
  // its own streaming (the base implementation) runs query() and walks it.
  virtual std::size_t query_each(std::string_view sql, const Params& params, RowSink sink);
  // Runs several ;-separated statements without parameters (migration files).
  virtual void execute_script(std::string_view sql) = 0;
  // True inside BEGIN ... COMMIT (also after a failed statement in one).
  virtual bool in_transaction() const noexcept = 0;
  // True when a statement failed inside the current transaction and the engine
  // will only roll back (PostgreSQL); commit() then throws instead of pretending.
  virtual bool transaction_failed() const noexcept = 0;
  // False once the connection is known to be dead. For PostgreSQL this also
  // notices, without a round trip, a server that closed the socket meanwhile.
  virtual bool healthy() noexcept = 0;

 protected:
  Connection() = default;
};

// Opens a connection for the URL. Throws ConnectionLost when the server cannot
// be reached, Error for a malformed URL or an unusable SQLite path.
std::unique_ptr<Connection> connect(std::string_view url, const ConnectOptions& options = {});
// The dialect a URL names (throws Error for unknown schemes).
Dialect dialect_of(std::string_view url);
// Bytes SQLite holds in this process right now, over every connection: page
// caches, prepared statements, schemas (sqlite3_memory_used; thread-safe).
// A gauge, so that a memory trend can be told apart from caches filling.
std::int64_t sqlite_memory_used() noexcept;
// The URL with any password replaced by "***", for logs.
std::string redact_url(std::string_view url);

enum class TxMode {
  read,   // PostgreSQL: BEGIN READ ONLY; SQLite: BEGIN DEFERRED
  write,  // PostgreSQL: BEGIN; SQLite: BEGIN IMMEDIATE (takes the writer lock up front,
          // so two writers never deadlock upgrading a read lock)
};

// Begins in the constructor; rolls back in the destructor unless committed.
//   Transaction tx(*lease);
//   tx.query("UPDATE ...", {...});
//   tx.commit();
class Transaction {
 public:
  explicit Transaction(Connection& conn, TxMode mode = TxMode::write);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Result query(std::string_view sql, const Params& params = {}) { return conn_.query(sql, params); }
  std::size_t query_each(std::string_view sql, const Params& params, RowSink sink) {
    return conn_.query_each(sql, params, sink);
  }
  void commit();
  void rollback();
  bool active() const noexcept { return active_; }
  Connection& connection() noexcept { return conn_; }

 private:
  Connection& conn_;
  bool active_ = false;
};

}  // namespace ts::db
