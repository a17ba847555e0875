#include "platform/db/pool.hpp"

#include "platform/core/log.hpp"
#include "platform/db/engines.hpp"
#include "platform/db/fiber.hpp"

#include <algorithm>

namespace ts::db {

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::move(other.pool_);
    conn_ = std::move(other.conn_);
  }
  return *this;
}

Lease::~Lease() {
  release();
}

void Lease::release() noexcept {
  if (pool_ && conn_) pool_->give_back(std::move(conn_));
  conn_.reset();
  pool_.reset();
}

std::shared_ptr<Pool> Pool::open(std::string_view url, PoolOptions options) {
  const Dialect dialect = dialect_of(url);
  if (dialect == Dialect::sqlite) {
    // Each connection to ":memory:" would be a separate, empty database.
    if (detail::sqlite_path_from_url(url) == ":memory:") options.max_size = 1;
  }
  options.max_size = std::max<std::size_t>(options.max_size, 1);
  auto pool = std::make_shared<Pool>(Private{}, std::string(url), dialect, options);
  if (options.connect_on_open) pool->acquire();
  ts::log::info("database pool opened", {{"url", pool->display_url()},
                                         {"dialect", std::string(to_string(dialect))},
                                         {"max_size", options.max_size}});
  return pool;
}

Pool::Pool(Private, std::string url, Dialect dialect, const PoolOptions& options)
    : url_(std::move(url)), display_url_(redact_url(url_)), dialect_(dialect), options_(options) {}

Pool::~Pool() = default;

std::unique_ptr<Connection> Pool::open_connection() {
  ConnectOptions co;
  co.connect_timeout = options_.connect_timeout;
  co.busy_timeout = options_.busy_timeout;
  co.sqlite_cache_kib = options_.sqlite_cache_kib;
  return connect(url_, co);
}

Lease Pool::acquire() {
  return acquire(options_.acquire_timeout);
}

Lease Pool::acquire(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mutex_);
  for (;;) {
    if (closed_) throw Error("database pool is closed");
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      ++in_use_;
      lock.unlock();
      if (conn->healthy()) return Lease(shared_from_this(), std::move(conn));
      ts::log::warn("discarding dead database connection", {{"url", display_url_}});
      conn.reset();
      lock.lock();
      --in_use_;
      --open_;
      continue;
    }
    if (open_ < options_.max_size) {
      ++open_;
      ++in_use_;
      lock.unlock();
      try {
        return Lease(shared_from_this(), open_connection());
      } catch (...) {
        lock.lock();
        --open_;
        --in_use_;
        available_.notify_one();
        throw;
      }
    }
    if (fiber::active()) {
      // A fiber must not block its network thread (the connection it waits
      // for may belong to another fiber of the same thread): it lets the
      // thread run, then looks again.
      if (std::chrono::steady_clock::now() >= deadline) throw timeout_error(timeout);
      ++waiting_;
      lock.unlock();
      fiber::yield();
      lock.lock();
      --waiting_;
      continue;
    }
    ++waiting_;
    const bool ready = available_.wait_until(
        lock, deadline, [&] { return closed_ || !idle_.empty() || open_ < options_.max_size; });
    --waiting_;
    if (!ready) throw timeout_error(timeout);
  }
}

PoolTimeout Pool::timeout_error(std::chrono::milliseconds timeout) const {
  return PoolTimeout("no database connection became free within " +
                     std::to_string(timeout.count()) + " ms (all " +
                     std::to_string(options_.max_size) + " in use)");
}

void Pool::give_back(std::unique_ptr<Connection> conn) noexcept {
  bool keep = conn->healthy();
  if (keep && conn->in_transaction()) {
    // A lease dropped mid-transaction (an exception unwound past it).
    try {
      conn->query("ROLLBACK");
      keep = conn->healthy() && !conn->in_transaction();
    } catch (...) {
      keep = false;
    }
  }
  std::unique_ptr<Connection> doomed;
  {
    std::lock_guard lock(mutex_);
    --in_use_;
    if (keep && !closed_) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
      doomed = std::move(conn);
    }
  }
  available_.notify_one();
  // doomed closes here, outside the lock.
}

Result Pool::query(std::string_view sql, const Params& params) {
  auto lease = acquire();
  return lease->query(sql, params);
}

std::size_t Pool::query_each(std::string_view sql, const Params& params, RowSink sink) {
  auto lease = acquire();
  return lease->query_each(sql, params, sink);
}

void Pool::execute_script(std::string_view sql) {
  auto lease = acquire();
  lease->execute_script(sql);
}

bool Pool::ping() noexcept {
  try {
    auto lease = acquire(
        std::min<std::chrono::milliseconds>(options_.acquire_timeout, std::chrono::seconds(2)));
    lease->query("SELECT 1");
    return true;
  } catch (...) {
    return false;
  }
}

PoolStats Pool::stats() const {
  std::lock_guard lock(mutex_);
  return PoolStats{options_.max_size, open_, in_use_, waiting_};
}

void Pool::close() {
  std::vector<std::unique_ptr<Connection>> doomed;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    open_ -= idle_.size();
    doomed.swap(idle_);
  }
  available_.notify_all();
}

}  // namespace ts::db
