// The PostgreSQL pool survives server restarts and outages without being
// recreated: dead connections surface as ConnectionLost (or are weeded out on
// acquire) and are replaced by fresh ones.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "platform/db/pool.hpp"
#include "support/pg.hpp"

namespace {

using namespace std::chrono_literals;
using ts::db::ConnectionLost;
using ts::db::Pool;
using ts::db::Transaction;

std::shared_ptr<Pool> open_pool(const std::string& url) {
  ts::db::PoolOptions o;
  o.max_size = 3;
  o.acquire_timeout = 3s;
  o.connect_timeout = 3s;
  return Pool::open(url, o);
}

int rows(Pool& pool) {
  return pool.query("SELECT count(*) FROM t").scalar<int>();
}

TEST(PostgresRecovery, PoolRecoversAfterServerRestart) {
  ts::test::OwnPgCluster cluster;
  auto pool = open_pool(cluster.url());
  pool->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  pool->query("INSERT INTO t VALUES ($1)", {1});
  {
    // Warm every connection, each with cached prepared statements.
    auto a = pool->acquire(), b = pool->acquire(), c = pool->acquire();
    for (auto* l : {&a, &b, &c}) EXPECT_EQ((*l)->query("SELECT count(*) FROM t").scalar<int>(), 1);
  }
  ASSERT_EQ(pool->stats().open, 3u);

  auto held = pool->acquire();
  auto in_tx = pool->acquire();
  auto tx = std::make_unique<Transaction>(*in_tx);
  tx->query("INSERT INTO t VALUES ($1)", {2});

  cluster.restart();

  // Connections in use across the restart fail with ConnectionLost ...
  EXPECT_THROW(held->query("SELECT count(*) FROM t"), ConnectionLost);
  EXPECT_THROW(tx->query("INSERT INTO t VALUES ($1)", {3}), ConnectionLost);
  tx.reset();  // rolling back a dead transaction is quiet
  held.release();
  in_tx.release();

  // ... while the pool hands out working connections right away: the stale
  // idle one is noticed on acquire and replaced.
  for (int i = 0; i < 10; ++i) EXPECT_EQ(rows(*pool), 1) << "attempt " << i;
  EXPECT_TRUE(pool->ping());
  const auto s = pool->stats();
  EXPECT_LE(s.open, 3u);
  EXPECT_EQ(s.in_use, 0u);
  // Prepared statements were re-created on the new connections.
  pool->query("INSERT INTO t VALUES ($1)", {4});
  EXPECT_EQ(rows(*pool), 2);
}

TEST(PostgresRecovery, PoolReportsOutageAndRecoversWhenServerReturns) {
  ts::test::OwnPgCluster cluster;
  auto pool = open_pool(cluster.url());
  pool->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  pool->query("INSERT INTO t VALUES ($1)", {1});
  EXPECT_TRUE(pool->ping());

  // A long query is running when the server goes down.
  std::atomic<int> outcome{0};  // 1 = ConnectionLost, 2 = something else
  std::thread slow([&] {
    try {
      pool->query("SELECT pg_sleep(30)");
      outcome = 2;
    } catch (const ConnectionLost&) {
      outcome = 1;
    } catch (...) {
      outcome = 2;
    }
  });
  for (int i = 0; i < 200 && pool->stats().in_use == 0; ++i) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(200ms);  // let the query reach the server
  cluster.halt();
  slow.join();
  EXPECT_EQ(outcome, 1);

  // Down: not ready, and queries fail with ConnectionLost (503 material).
  EXPECT_FALSE(pool->ping());
  EXPECT_THROW(pool->query("SELECT 1"), ConnectionLost);
  auto s = pool->stats();
  EXPECT_EQ(s.in_use, 0u);
  EXPECT_EQ(s.open, 0u);  // dead connections were closed, failed opens not counted

  cluster.start();
  EXPECT_TRUE(pool->ping());
  EXPECT_EQ(rows(*pool), 1);
  s = pool->stats();
  EXPECT_GE(s.open, 1u);
  EXPECT_EQ(s.in_use, 0u);
}

}  // namespace
