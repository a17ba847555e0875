// Pool behaviour on both engines: leases, limits, timeouts, stats, threads.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "db_fixture.hpp"

namespace ts::db {
namespace {

using namespace std::chrono_literals;
using testing::EngineTest;

class PoolTest : public EngineTest {
 protected:
  PoolOptions pool_options() const override {
    PoolOptions o;
    o.max_size = 2;
    o.acquire_timeout = 2s;
    return o;
  }
  // Polls until pred holds or a second passes.
  template <class F>
  static bool eventually(F pred) {
    for (int i = 0; i < 200; ++i) {
      if (pred()) return true;
      std::this_thread::sleep_for(5ms);
    }
    return pred();
  }
};

TEST_P(PoolTest, LeaseReturnsConnectionOnDestruction) {
  EXPECT_EQ(pool_->dialect(), GetParam());
  auto s = pool_->stats();
  EXPECT_EQ(s.max, 2u);
  EXPECT_EQ(s.open, 1u);  // opened eagerly by Pool::open
  EXPECT_EQ(s.in_use, 0u);
  {
    auto a = pool_->acquire();
    EXPECT_EQ(pool_->stats().in_use, 1u);
    auto b = pool_->acquire();
    s = pool_->stats();
    EXPECT_EQ(s.in_use, 2u);
    EXPECT_EQ(s.open, 2u);
    b.release();
    EXPECT_FALSE(b);
    EXPECT_EQ(pool_->stats().in_use, 1u);
  }
  s = pool_->stats();
  EXPECT_EQ(s.in_use, 0u);
  EXPECT_EQ(s.open, 2u);  // kept for reuse
  EXPECT_EQ(s.waiting, 0u);
}

TEST_P(PoolTest, MovedLeaseReturnsOnce) {
  auto a = pool_->acquire();
  Lease b = std::move(a);
  EXPECT_FALSE(a);
  EXPECT_TRUE(b);
  EXPECT_EQ(pool_->stats().in_use, 1u);
  Lease c = pool_->acquire();
  c = std::move(b);  // c's own connection goes back first
  EXPECT_EQ(pool_->stats().in_use, 1u);
  c.release();
  EXPECT_EQ(pool_->stats().in_use, 0u);
}

TEST_P(PoolTest, AcquireTimesOutWhenExhausted) {
  auto a = pool_->acquire();
  auto b = pool_->acquire();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(pool_->acquire(100ms), PoolTimeout);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 100ms);
  EXPECT_LT(waited, 1500ms);
  EXPECT_EQ(pool_->stats().waiting, 0u);
  EXPECT_EQ(pool_->stats().open, 2u);
}

TEST_P(PoolTest, WaiterIsCountedAndWokenByRelease) {
  auto a = pool_->acquire();
  auto b = pool_->acquire();
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    auto c = pool_->acquire(5s);
    got = c->query("SELECT 1").scalar<int>() == 1;
  });
  EXPECT_TRUE(eventually([&] { return pool_->stats().waiting == 1; }));
  EXPECT_FALSE(got);
  a.release();
  waiter.join();
  EXPECT_TRUE(got);
  EXPECT_EQ(pool_->stats().waiting, 0u);
}

TEST_P(PoolTest, LeaseDroppedInsideTransactionIsRolledBack) {
  pool_->execute_script("CREATE TABLE t (x INTEGER)");
  {
    auto lease = pool_->acquire();
    lease->query("BEGIN");
    lease->query("INSERT INTO t VALUES ($1)", {1});
  }  // no commit: the pool must not hand out a connection mid-transaction
  for (int i = 0; i < 4; ++i) {
    auto lease = pool_->acquire();
    EXPECT_FALSE(lease->in_transaction());
  }
  EXPECT_EQ(pool_->query("SELECT count(*) FROM t").scalar<int>(), 0);
}

TEST_P(PoolTest, ManyThreadsShareFewConnections) {
  pool_->execute_script("CREATE TABLE hits (thread INTEGER, n INTEGER)");
  constexpr int kThreads = 6, kEach = 40;
  std::atomic<int> failures{0};
  std::atomic<std::size_t> max_open{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < kEach; ++n) {
        try {
          if (n % 2) {
            auto lease = pool_->acquire();
            Transaction tx(*lease);
            tx.query("INSERT INTO hits VALUES ($1, $2)", {t, n});
            tx.commit();
          } else {
            pool_->query("INSERT INTO hits VALUES ($1, $2)", {t, n});
          }
          const auto open = pool_->stats().open;
          auto seen = max_open.load();
          while (open > seen && !max_open.compare_exchange_weak(seen, open)) {
          }
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  EXPECT_LE(max_open.load(), 2u);
  EXPECT_EQ(pool_->query("SELECT count(*) FROM hits").scalar<int>(), kThreads * kEach);
  const auto s = pool_->stats();
  EXPECT_EQ(s.in_use, 0u);
  EXPECT_EQ(s.waiting, 0u);
}

TEST_P(PoolTest, PingAndClose) {
  EXPECT_TRUE(pool_->ping());
  auto held = pool_->acquire();
  pool_->close();
  EXPECT_FALSE(pool_->ping());
  EXPECT_THROW(pool_->acquire(), Error);
  EXPECT_EQ(pool_->stats().open, 1u);  // only the leased one remains
  held.release();
  EXPECT_EQ(pool_->stats().open, 0u);
}

TEST_P(PoolTest, CloseWakesWaiters) {
  auto a = pool_->acquire();
  auto b = pool_->acquire();
  std::atomic<bool> threw{false};
  std::thread waiter([&] {
    try {
      pool_->acquire(10s);
    } catch (const PoolTimeout&) {
    } catch (const Error&) {
      threw = true;
    }
  });
  EXPECT_TRUE(eventually([&] { return pool_->stats().waiting == 1; }));
  const auto start = std::chrono::steady_clock::now();
  pool_->close();
  waiter.join();
  EXPECT_TRUE(threw);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TS_DB_INSTANTIATE_ENGINES(PoolTest);

TEST(SqlitePoolTest, WritersInTwoPoolsSerialiseWithoutBusyErrors) {
  // Two pools on one file stand in for two processes: BEGIN IMMEDIATE plus the
  // busy timeout make concurrent write transactions wait instead of failing.
  ts::test::TempDir dir;
  const std::string url = "sqlite://" + (dir.path() / "shared.db").string();
  auto p1 = Pool::open(url, {.max_size = 2});
  auto p2 = Pool::open(url, {.max_size = 2});
  p1->execute_script("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
  p1->query("INSERT INTO counter VALUES (1, 0)");
  std::atomic<int> failures{0};
  auto work = [&](Pool& p) {
    for (int i = 0; i < 50; ++i) {
      try {
        auto lease = p.acquire();
        Transaction tx(*lease);
        const int n = tx.query("SELECT n FROM counter WHERE id = 1").scalar<int>();
        tx.query("UPDATE counter SET n = $1 WHERE id = 1", {n + 1});
        tx.commit();
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ++failures;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back(work, std::ref(*p1));
    threads.emplace_back(work, std::ref(*p2));
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  // No lost updates: every read-modify-write ran under the writer lock.
  EXPECT_EQ(p2->query("SELECT n FROM counter").scalar<int>(), 200);
}

}  // namespace
}  // namespace ts::db
