#pragma once
// A thread-safe, fixed-maximum pool of database connections.
//
//   auto pool = ts::db::Pool::open(url, {.max_size = 8});
//   auto r = pool->query("SELECT name FROM users WHERE id = $1", {id});
//   {
//     auto lease = pool->acquire();               // waits up to acquire_timeout
//     ts::db::Transaction tx(*lease);
//     tx.query(...);
//     tx.commit();
//   }                                              // connection goes back here
//
// Connections are opened lazily up to max_size. A connection that died (the
// PostgreSQL server restarted) is noticed when it is handed out or when a
// query on it fails with ConnectionLost, and is replaced by a fresh one on a
// later acquire; the pool itself never needs to be recreated. A connection
// returned inside an open transaction is rolled back first. On a fiber
// (fiber.hpp) acquire() never blocks the thread: while no connection is free
// the fiber yields to the thread's other work and looks again.
#include "platform/db/connection.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ts::db {

struct PoolOptions {
  std::size_t max_size = 8;  // an in-memory SQLite database always uses 1
  std::chrono::milliseconds acquire_timeout{5000};
  std::chrono::seconds connect_timeout{5};       // PostgreSQL
  std::chrono::milliseconds busy_timeout{5000};  // SQLite
  std::size_t sqlite_cache_kib = 512;            // SQLite: page cache per connection
  bool connect_on_open = true;  // open one connection in open(): fail fast on bad URLs
};

struct PoolStats {
  std::size_t max = 0;
  std::size_t open = 0;     // connections that exist (idle + in use + being opened)
  std::size_t in_use = 0;   // leased out
  std::size_t waiting = 0;  // callers blocked in acquire()
};

class Pool;

// Exclusive use of one connection; gives it back to the pool on destruction.
class Lease {
 public:
  Lease() = default;
  Lease(Lease&&) noexcept = default;
  Lease& operator=(Lease&& other) noexcept;
  ~Lease();

  Connection& operator*() const noexcept { return *conn_; }
  Connection* operator->() const noexcept { return conn_.get(); }
  explicit operator bool() const noexcept { return conn_ != nullptr; }
  // Gives the connection back now.
  void release() noexcept;

 private:
  friend class Pool;
  Lease(std::shared_ptr<Pool> pool, std::unique_ptr<Connection> conn)
      : pool_(std::move(pool)), conn_(std::move(conn)) {}
  std::shared_ptr<Pool> pool_;
  std::unique_ptr<Connection> conn_;
};

class Pool : public std::enable_shared_from_this<Pool> {
 public:
  // Throws Error for a bad URL; with connect_on_open, also what connect() throws.
  static std::shared_ptr<Pool> open(std::string_view url, PoolOptions options = {});
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  Dialect dialect() const noexcept { return dialect_; }
  // The URL with the password masked, for logs.
  const std::string& display_url() const noexcept { return display_url_; }

  // Throws PoolTimeout when no connection frees up in time, ConnectionLost
  // when a new connection cannot be opened, Error after close().
  Lease acquire();
  Lease acquire(std::chrono::milliseconds timeout);

  // One statement on a leased connection (autocommit).
  Result query(std::string_view sql, const Params& params = {});
  // Connection::query_each on a leased connection.
  std::size_t query_each(std::string_view sql, const Params& params, RowSink sink);
  void execute_script(std::string_view sql);

  // True when the database answers SELECT 1 within a short wait (for /readyz).
  bool ping() noexcept;
  PoolStats stats() const;
  // Closes idle connections and fails current and future acquires; leased
  // connections are closed when they come back.
  void close();

 private:
  friend class Lease;
  struct Private {};

 public:
  Pool(Private, std::string url, Dialect dialect, const PoolOptions& options);

 private:
  void give_back(std::unique_ptr<Connection> conn) noexcept;
  std::unique_ptr<Connection> open_connection();
  PoolTimeout timeout_error(std::chrono::milliseconds timeout) const;

  const std::string url_;
  const std::string display_url_;
  const Dialect dialect_;
  const PoolOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;
  std::size_t in_use_ = 0;
  std::size_t waiting_ = 0;
  bool closed_ = false;
};

}  // namespace ts::db
