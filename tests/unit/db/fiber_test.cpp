// PostgreSQL queries from fibers on one network thread (platform/db/fiber):
// a waiting query gives the thread to the other fibers, each fiber sees its
// own results and its transaction's writes, a connection killed mid-query is
// ConnectionLost, and the pool recovers after a server restart.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <functional>
#include <string>
#include <vector>

#include "db_fixture.hpp"
#include "platform/db/fiber.hpp"

namespace ts::db {
namespace {

namespace asio = boost::asio;

// Runs every body in a fiber on one io_context (this thread) until all ended.
// A body's exception is recorded as its failure message.
std::vector<std::string> run_fibers(std::vector<std::function<void()>> bodies) {
  asio::io_context ioc{1};
  std::vector<std::string> failures(bodies.size());
  int done = 0;
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    asio::post(ioc, [&, i] {
      fiber::start(
          ioc,
          [&, i] {
            try {
              bodies[i]();
            } catch (const std::exception& e) {
              failures[i] = e.what();
            }
          },
          [&] { ++done; });
    });
  }
  ioc.run();
  EXPECT_EQ(done, static_cast<int>(bodies.size()));
  return failures;
}

class FiberTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = Pool::open(db_.url(), {.max_size = 8});
    pool_->execute_script("CREATE TABLE items (id bigint PRIMARY KEY, owner int NOT NULL)");
  }
  void TearDown() override { pool_->close(); }
  ts::test::TempPgDatabase db_;
  std::shared_ptr<Pool> pool_;
};

TEST_F(FiberTest, OutsideAFiberNothingIsActive) {
  EXPECT_FALSE(fiber::active());
  EXPECT_FALSE(fiber::wait(0, false));
  EXPECT_FALSE(fiber::yield());
}

// The first fiber's query waits on a lock only the second fiber can release:
// this finishes only if a waiting query leaves the thread to the other fiber.
TEST_F(FiberTest, AWaitingQueryLetsTheThreadRunOtherFibers) {
  auto holder = pool_->acquire();
  holder->query("SELECT pg_advisory_lock(7)");
  bool got_lock = false;
  auto failures = run_fibers({
      [&] {
        auto lease = pool_->acquire();
        lease->query("SET statement_timeout = 20000");  // a failure, not a hang, if broken
        EXPECT_TRUE(fiber::active());
        lease->query("SELECT pg_advisory_lock(7)");
        got_lock = true;
        lease->query("SELECT pg_advisory_unlock(7)");
      },
      [&] {
        EXPECT_FALSE(got_lock);
        // Started while the first fiber waits; the holder's connection is used here.
        EXPECT_TRUE(holder->query("SELECT pg_advisory_unlock(7)").scalar<bool>());
      },
  });
  EXPECT_EQ(failures, std::vector<std::string>(2));
  EXPECT_TRUE(got_lock);
}

TEST_F(FiberTest, ConcurrentFibersEachGetTheirOwnResultsAndWrites) {
  fiber::set_limit(4);
  std::vector<std::function<void()>> bodies;
  for (int f = 0; f < 12; ++f) {
    bodies.push_back([this, f] {
      for (int i = 0; i < 5; ++i) {
        // Another fiber's query runs while this one waits; results never mix.
        auto r = pool_->query("SELECT $1::int AS f, $2::int AS i, pg_sleep(0.001)", {f, i});
        EXPECT_EQ(r.scalar<int>(), f);
        EXPECT_EQ(r[0].get<int>("i"), i);
      }
      auto lease = pool_->acquire();
      Transaction tx(*lease);
      tx.query("INSERT INTO items (id, owner) VALUES ($1, $2)", {f * 100, f});
      tx.query("INSERT INTO items (id, owner) VALUES ($1, $2)", {f * 100 + 1, f});
      // The transaction sees its own uncommitted writes, and only its own.
      EXPECT_EQ(tx.query("SELECT count(*) FROM items WHERE owner = $1", {f}).scalar<int>(), 2);
      tx.commit();
    });
  }
  auto failures = run_fibers(std::move(bodies));
  EXPECT_EQ(failures, std::vector<std::string>(12));
  EXPECT_EQ(pool_->query("SELECT count(*) FROM items").scalar<int>(), 24);
  EXPECT_LE(pool_->stats().open, 8u);
}

// More fibers than connections: the extra ones wait for a lease without
// blocking the thread that runs the fibers holding the leases.
TEST_F(FiberTest, FibersWaitForAFreeConnectionWithoutBlockingTheThread) {
  auto small = Pool::open(db_.url(), {.max_size = 1});
  fiber::set_limit(3);
  std::vector<std::function<void()>> bodies;
  for (int f = 0; f < 3; ++f)
    bodies.push_back([&small, f] {
      EXPECT_EQ(small->query("SELECT $1::int, pg_sleep(0.01)", {f}).scalar<int>(), f);
    });
  auto failures = run_fibers(std::move(bodies));
  EXPECT_EQ(failures, std::vector<std::string>(3));
  fiber::set_limit(4);
}

TEST_F(FiberTest, AConnectionKilledMidQueryIsConnectionLost) {
  std::int64_t victim = 0;
  bool lost = false;
  auto failures = run_fibers({
      [&] {
        auto lease = pool_->acquire();
        victim = lease->query("SELECT pg_backend_pid()").scalar<std::int64_t>();
        try {
          lease->query("SELECT pg_sleep(30)");
        } catch (const ConnectionLost&) {
          lost = true;
        }
        EXPECT_FALSE(lease->healthy());
      },
      [&] {
        while (victim == 0) fiber::yield();
        EXPECT_TRUE(pool_->query("SELECT pg_terminate_backend($1)", {victim}).scalar<bool>());
      },
  });
  EXPECT_EQ(failures, std::vector<std::string>(2));
  EXPECT_TRUE(lost);
  // The dead connection was dropped; the pool serves fibers on.
  failures = run_fibers({[&] { EXPECT_EQ(pool_->query("SELECT 1").scalar<int>(), 1); }});
  EXPECT_EQ(failures, std::vector<std::string>(1));
}

TEST(FiberRestartTest, APoolRecoversAfterTheServerRestarts) {
  ts::test::OwnPgCluster cluster;
  auto pool = Pool::open(cluster.url(), {.max_size = 2});
  auto one = [&] { return pool->query("SELECT 41 + 1").scalar<int>(); };
  auto failures = run_fibers({[&] { EXPECT_EQ(one(), 42); }});
  EXPECT_EQ(failures, std::vector<std::string>(1));
  cluster.restart();
  // The idle connection is noticed dead when handed out (or fails once with
  // ConnectionLost, the 503 case); the next query gets a fresh connection.
  int answered = 0;
  failures = run_fibers({[&] {
    for (int attempt = 0; attempt < 3 && answered == 0; ++attempt) {
      try {
        answered = one();
      } catch (const ConnectionLost&) {
      }
    }
  }});
  EXPECT_EQ(failures, std::vector<std::string>(1));
  EXPECT_EQ(answered, 42);
  pool->close();
}

}  // namespace
}  // namespace ts::db
