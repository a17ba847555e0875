// Both engines must give the same answers for the same SQL.
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "db_fixture.hpp"
#include "platform/db/connection.hpp"

namespace ts::db {
namespace {

using testing::EngineTest;

class ConnectionTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    // Portable DDL: SQLite maps these type names to INTEGER/REAL/TEXT/NUMERIC affinity.
    pool_->execute_script(
        "CREATE TABLE vals (id INTEGER PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, s TEXT, "
        "b BOOLEAN);"
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);"
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES "
        "users(id), body TEXT);");
  }
  Result row(int id) { return pool_->query("SELECT i, d, s, b FROM vals WHERE id = $1", {id}); }
};

TEST_P(ConnectionTest, TypedValuesRoundTrip) {
  pool_->query("INSERT INTO vals (id, i, d, s, b) VALUES ($1, $2, $3, $4, $5)",
               {1, std::int64_t{42}, 2.5, "hello", true});
  auto r = row(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.columns(), (std::vector<std::string>{"i", "d", "s", "b"}));
  EXPECT_EQ(r[0].get<std::int64_t>(0), 42);
  EXPECT_EQ(r[0].get<int>("i"), 42);
  EXPECT_DOUBLE_EQ(r[0].get<double>("d"), 2.5);
  EXPECT_EQ(r[0].get<std::string>("s"), "hello");
  EXPECT_TRUE(r[0].get<bool>("b"));
  EXPECT_THROW(r[0].get<int>("missing"), Error);
  EXPECT_THROW(r[0].get<int>(9), Error);
}

TEST_P(ConnectionTest, Int64ExtremesAndDoublesAreExact) {
  const auto lo = std::numeric_limits<std::int64_t>::min();
  const auto hi = std::numeric_limits<std::int64_t>::max();
  pool_->query("INSERT INTO vals (id, i, d) VALUES ($1, $2, $3)", {1, lo, 0.1});
  pool_->query("INSERT INTO vals (id, i, d) VALUES ($1, $2, $3)", {2, hi, -1e300});
  EXPECT_EQ(row(1)[0].get<std::int64_t>("i"), lo);
  EXPECT_EQ(row(2)[0].get<std::int64_t>("i"), hi);
  EXPECT_EQ(row(1)[0].get<double>("d"), 0.1);
  EXPECT_EQ(row(2)[0].get<double>("d"), -1e300);
  EXPECT_THROW(row(2)[0].get<int>("i"), Error);  // does not fit in int
  EXPECT_EQ(pool_->query("SELECT i FROM vals WHERE i = $1", {hi}).size(), 1u);
}

TEST_P(ConnectionTest, NullsFromEveryNullSpelling) {
  pool_->query("INSERT INTO vals (id, i, d, s, b) VALUES ($1, $2, $3, $4, $5)",
               {1, nullptr, std::nullopt, std::optional<std::string>{}, Value{}});
  auto r = row(1);
  for (std::size_t c = 0; c < 4; ++c) EXPECT_TRUE(r[0].is_null(c)) << c;
  EXPECT_TRUE(r[0].is_null("s"));
  EXPECT_EQ(r[0].get<std::optional<std::int64_t>>("i"), std::nullopt);
  EXPECT_EQ(r[0].get<std::optional<std::string>>("s"), std::nullopt);
  EXPECT_EQ(r[0].get<std::optional<bool>>("b"), std::nullopt);
  EXPECT_THROW(r[0].get<std::int64_t>("i"), Error);
  EXPECT_THROW(r[0].get<std::string>("s"), Error);

  pool_->query("INSERT INTO vals (id, i, s) VALUES ($1, $2, $3)",
               {2, std::optional<int>{7}, std::optional<std::string>{"x"}});
  EXPECT_EQ(row(2)[0].get<std::optional<std::int64_t>>("i"), 7);
  EXPECT_EQ(row(2)[0].get<std::optional<std::string>>("s"), "x");
  // NULL compares as unknown in both dialects.
  EXPECT_TRUE(pool_->query("SELECT id FROM vals WHERE i = $1", {nullptr}).empty());
  EXPECT_EQ(pool_->query("SELECT count(*) FROM vals WHERE i IS NULL").scalar<int>(), 1);
}

TEST_P(ConnectionTest, BooleansReadTheSameOnBothEngines) {
  pool_->query("INSERT INTO vals (id, b) VALUES ($1, $2)", {1, true});
  pool_->query("INSERT INTO vals (id, b) VALUES ($1, $2)", {2, false});
  EXPECT_TRUE(row(1)[0].get<bool>("b"));
  EXPECT_FALSE(row(2)[0].get<bool>("b"));
  EXPECT_EQ(pool_->query("SELECT id FROM vals WHERE b = $1", {true}).scalar<int>(), 1);
  EXPECT_EQ(pool_->query("SELECT id FROM vals WHERE b = $1", {false}).scalar<int>(), 2);
  // A comparison yields 0/1 in SQLite and t/f in PostgreSQL.
  EXPECT_TRUE(pool_->query("SELECT 1 = 1 AS yes").scalar<bool>());
  EXPECT_FALSE(pool_->query("SELECT 1 = 2 AS no").scalar<bool>());
}

TEST_P(ConnectionTest, Utf8AndHostileTextStayIntact) {
  const std::string texts[] = {"Grüße, 世界 🎉", "O'Brien\"; DROP TABLE vals; --", "",
                               std::string(100000, 'x'), "line\nbreak\ttab \\ backslash $1"};
  int id = 0;
  for (const auto& t : texts) {
    pool_->query("INSERT INTO vals (id, s) VALUES ($1, $2)", {++id, t});
    EXPECT_EQ(row(id)[0].get<std::string>("s"), t);
    EXPECT_FALSE(row(id)[0].is_null("s"));  // empty string is not NULL
  }
  EXPECT_EQ(pool_->query("SELECT count(*) FROM vals").scalar<int>(), 5);
  EXPECT_EQ(pool_->query("SELECT id FROM vals WHERE s = $1", {texts[0]}).scalar<int>(), 1);
}

TEST_P(ConnectionTest, ParametersMayAppearOutOfOrderAndRepeat) {
  pool_->query("INSERT INTO vals (s, i, id) VALUES ($3, $2, $1)", {5, 50, "five"});
  auto r = row(5);
  EXPECT_EQ(r[0].get<std::int64_t>("i"), 50);
  EXPECT_EQ(r[0].get<std::string>("s"), "five");
  EXPECT_EQ(pool_
                ->query("SELECT id FROM vals WHERE s = $2 AND i = $1 AND id = $3 AND $1 = i",
                        {50, "five", 5})
                .scalar<int>(),
            5);
  // Too few or too many parameters are errors, not silent NULLs.
  EXPECT_THROW(pool_->query("SELECT id FROM vals WHERE i = $1 AND s = $2", {50}), Error);
  EXPECT_THROW(pool_->query("SELECT id FROM vals WHERE i = $1", {50, 60}), Error);
}

TEST_P(ConnectionTest, ManyParametersBindToTheirNumbers) {
  // A multi-row INSERT of 150 rows × 2 values: $1..$300 in order, each bound
  // to its own number.
  std::string sql = "INSERT INTO vals (id, i) VALUES ";
  ts::db::Params p;
  for (int r = 0; r < 150; ++r) {
    sql +=
        (r ? ", ($" : "($") + std::to_string(2 * r + 1) + ", $" + std::to_string(2 * r + 2) + ")";
    p.push_back(r + 1);
    p.push_back(1000 + r);
  }
  EXPECT_EQ(pool_->query(sql, p).affected_rows(), 150);
  EXPECT_EQ(pool_->query("SELECT i FROM vals WHERE id = $1", {150}).scalar<int>(), 1149);
  EXPECT_EQ(pool_->query("SELECT sum(i) FROM vals").scalar<std::int64_t>(),
            150 * 1000 + 149 * 150 / 2);
  // A placeholder beyond the parameters given is an error.
  EXPECT_THROW(pool_->query("SELECT id FROM vals WHERE i = $1 OR i = $3", {1, 2}), Error);
}

TEST_P(ConnectionTest, AffectedRowsCountsChanges) {
  for (int i = 1; i <= 3; ++i) pool_->query("INSERT INTO vals (id, i) VALUES ($1, $2)", {i, i});
  EXPECT_EQ(pool_->query("UPDATE vals SET s = $1 WHERE i >= $2", {"x", 2}).affected_rows(), 2);
  EXPECT_EQ(pool_->query("DELETE FROM vals WHERE i = $1", {99}).affected_rows(), 0);
  EXPECT_EQ(pool_->query("SELECT * FROM vals").affected_rows(), 0);
  EXPECT_EQ(pool_->query("DELETE FROM vals").affected_rows(), 3);
}

TEST_P(ConnectionTest, UniqueViolationIsTypedAndHidesValues) {
  const std::string secret = "secret-password-hunter2@example.com";
  pool_->query("INSERT INTO users (id, email) VALUES ($1, $2)", {1, secret});
  try {
    pool_->query("INSERT INTO users (id, email) VALUES ($1, $2)", {2, secret});
    FAIL() << "expected UniqueViolation";
  } catch (const UniqueViolation& e) {
    EXPECT_EQ(std::string(e.what()).find(secret), std::string::npos) << e.what();
    EXPECT_FALSE(e.sqlstate().empty());
    if (pg()) {
      EXPECT_EQ(e.sqlstate(), "23505");
    }
  }
  // Primary keys count as unique too.
  EXPECT_THROW(pool_->query("INSERT INTO users (id, email) VALUES ($1, $2)", {1, "other"}),
               UniqueViolation);
}

TEST_P(ConnectionTest, ForeignKeyViolationIsTyped) {
  pool_->query("INSERT INTO users (id, email) VALUES ($1, $2)", {1, "a@example.com"});
  pool_->query("INSERT INTO posts (id, user_id, body) VALUES ($1, $2, $3)", {1, 1, "ok"});
  EXPECT_THROW(
      pool_->query("INSERT INTO posts (id, user_id, body) VALUES ($1, $2, $3)", {2, 999, "orphan"}),
      ForeignKeyViolation);
  EXPECT_THROW(pool_->query("DELETE FROM users WHERE id = $1", {1}), ForeignKeyViolation);
}

TEST_P(ConnectionTest, ErrorsNameTheProblemButNoValues) {
  try {
    pool_->query("SELEKT nonsense");
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("syntax error"), std::string::npos) << e.what();
    if (pg()) {
      EXPECT_EQ(e.sqlstate(), "42601");
    }
  }
  EXPECT_THROW(pool_->query("SELECT * FROM no_such_table"), Error);
  if (pg()) {
    // PostgreSQL echoes bad input in its message; it must be scrubbed.
    try {
      pool_->query("INSERT INTO vals (id, i) VALUES ($1, $2)", {1, "not-a-number-topsecret"});
      FAIL() << "expected Error";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).find("topsecret"), std::string::npos) << e.what();
      EXPECT_EQ(e.sqlstate(), "22P02");
    }
  }
}

TEST_P(ConnectionTest, ScriptsRunSeveralStatementsQueryOnlyOne) {
  pool_->execute_script(
      "INSERT INTO vals (id, s) VALUES (1, 'a'); -- comment\n"
      "INSERT INTO vals (id, s) VALUES (2, 'b');\n");
  EXPECT_EQ(pool_->query("SELECT count(*) FROM vals").scalar<int>(), 2);
  EXPECT_THROW(pool_->query("DELETE FROM vals WHERE id = 1; DELETE FROM vals WHERE id = 2"), Error);
  EXPECT_EQ(pool_->query("SELECT count(*) FROM vals").scalar<int>(), 2);
  // A trailing semicolon and comment are fine.
  EXPECT_EQ(pool_->query("SELECT count(*) FROM vals; -- done").scalar<int>(), 2);
  EXPECT_THROW(pool_->execute_script("INSERT INTO vals (id) VALUES (3); SELEKT;"), Error);
}

TEST_P(ConnectionTest, CachedStatementsAreReusedSafely) {
  auto lease = pool_->acquire();
  for (int i = 0; i < 200; ++i)
    lease->query("INSERT INTO vals (id, i, s) VALUES ($1, $2, $3)", {i, i * 2, std::to_string(i)});
  for (int i = 0; i < 200; i += 37) {
    auto r = lease->query("SELECT i, s FROM vals WHERE id = $1", {i});
    EXPECT_EQ(r.scalar<int>(), i * 2);
    EXPECT_EQ(r[0].get<std::string>("s"), std::to_string(i));
  }
  // A failed execution leaves the cached statement usable.
  EXPECT_THROW(lease->query("INSERT INTO vals (id, i, s) VALUES ($1, $2, $3)", {1, 0, "dup"}),
               UniqueViolation);
  lease->query("INSERT INTO vals (id, i, s) VALUES ($1, $2, $3)", {1000, 1, "fresh"});
  EXPECT_EQ(lease->query("SELECT count(*) FROM vals").scalar<int>(), 201);
}

TEST_P(ConnectionTest, TransactionRollsBackOnDestruction) {
  auto lease = pool_->acquire();
  {
    Transaction tx(*lease);
    tx.query("INSERT INTO vals (id, s) VALUES ($1, $2)", {1, "gone"});
    EXPECT_TRUE(lease->in_transaction());
  }
  EXPECT_FALSE(lease->in_transaction());
  EXPECT_EQ(lease->query("SELECT count(*) FROM vals").scalar<int>(), 0);
}

TEST_P(ConnectionTest, TransactionCommitPersists) {
  {
    auto lease = pool_->acquire();
    Transaction tx(*lease);
    tx.query("INSERT INTO vals (id, s) VALUES ($1, $2)", {1, "kept"});
    tx.query("INSERT INTO vals (id, s) VALUES ($1, $2)", {2, "kept"});
    tx.commit();
    EXPECT_FALSE(tx.active());
    EXPECT_THROW(tx.commit(), Error);
  }
  EXPECT_EQ(pool_->query("SELECT count(*) FROM vals WHERE s = $1", {"kept"}).scalar<int>(), 2);
}

TEST_P(ConnectionTest, ExplicitRollbackAndReadTransaction) {
  pool_->query("INSERT INTO vals (id, s) VALUES ($1, $2)", {1, "x"});
  auto lease = pool_->acquire();
  {
    Transaction tx(*lease);
    tx.query("DELETE FROM vals");
    tx.rollback();
    EXPECT_FALSE(tx.active());
  }
  Transaction ro(*lease, TxMode::read);
  EXPECT_EQ(ro.query("SELECT count(*) FROM vals").scalar<int>(), 1);
  ro.commit();
}

TEST_P(ConnectionTest, CommitAfterFailedStatementNeverPretends) {
  auto lease = pool_->acquire();
  lease->query("INSERT INTO users (id, email) VALUES ($1, $2)", {1, "a"});
  Transaction tx(*lease);
  tx.query("INSERT INTO vals (id) VALUES ($1)", {10});
  EXPECT_THROW(tx.query("INSERT INTO users (id, email) VALUES ($1, $2)", {2, "a"}),
               UniqueViolation);
  if (pg()) {
    // PostgreSQL aborted the transaction: commit must not report success.
    EXPECT_THROW(tx.commit(), Error);
    EXPECT_EQ(lease->query("SELECT count(*) FROM vals").scalar<int>(), 0);
  } else {
    // SQLite rolled back only the failed statement.
    tx.commit();
    EXPECT_EQ(lease->query("SELECT count(*) FROM vals").scalar<int>(), 1);
  }
  EXPECT_FALSE(lease->in_transaction());
}

TEST_P(ConnectionTest, NestedTransactionIsRefused) {
  auto lease = pool_->acquire();
  Transaction tx(*lease);
  EXPECT_THROW(Transaction inner(*lease), Error);
}

// query_each hands every row over as it is read, converting cells exactly as
// Result does (both engines; SQLite steps the statement, PostgreSQL walks a result).
TEST_P(ConnectionTest, QueryEachStreamsRowsLikeQuery) {
  pool_->query("INSERT INTO vals (id, i, d, s, b) VALUES ($1, $2, $3, $4, $5)",
               {1, std::int64_t{42}, 2.5, "hello", true});
  pool_->query("INSERT INTO vals (id, i, d, s, b) VALUES ($1, $2, $3, $4, $5)",
               {2, nullptr, nullptr, nullptr, false});
  pool_->query("INSERT INTO vals (id, i, s) VALUES ($1, $2, $3)", {3, 7, "12"});
  std::vector<std::string> seen;
  std::string scratch;
  auto line_of = [&](const RowView& r) {
    std::string line = std::to_string(r.get<int>(0));
    line += "|" + std::to_string(r.get<std::optional<std::int64_t>>(1).value_or(-1));
    line += "|" + std::to_string(r.get<std::optional<double>>(2).value_or(-1));
    const auto s = r.text(3, scratch);
    line += "|" + (s ? std::string(*s) : std::string("NULL"));
    line += r.get<std::optional<bool>>(4).value_or(false) ? "|t" : "|f";
    return line;
  };
  const auto n = pool_->query_each("SELECT id, i, d, s, b FROM vals WHERE id >= $1 ORDER BY id",
                                   {1}, [&](const RowView& r) {
                                     ASSERT_EQ(r.size(), 5u);
                                     seen.push_back(line_of(r));
                                   });
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(seen, (std::vector<std::string>{"1|42|2.500000|hello|t", "2|-1|-1.000000|NULL|f",
                                            "3|7|-1.000000|12|f"}));
  // The same conversions and errors as Row::get.
  pool_->query_each("SELECT s, i FROM vals WHERE id = 3", {}, [&](const RowView& r) {
    EXPECT_EQ(r.get<std::int64_t>(0), 12);  // text "12" reads as an integer
    EXPECT_EQ(r.text(1, scratch), std::optional<std::string_view>("7"));  // an integer as text
    EXPECT_EQ(r.column_name(1), "i");
    EXPECT_THROW(r.get<int>(9), Error);
  });
  pool_->query_each("SELECT s FROM vals WHERE id = 2", {}, [&](const RowView& r) {
    EXPECT_THROW(r.get<std::string>(0), Error);  // NULL into a non-optional
  });
  EXPECT_EQ(pool_->query_each("SELECT id FROM vals WHERE id > 100", {}, [](const RowView&) {}), 0u);
}

// A callback's exception stops the statement and leaves the connection usable;
// a row written just before is seen by the next streamed read.
TEST_P(ConnectionTest, QueryEachStopsOnExceptionAndSeesNewRows) {
  for (int id = 1; id <= 5; ++id)
    pool_->query("INSERT INTO vals (id, i) VALUES ($1, $2)", {id, id});
  auto lease = pool_->acquire();
  int calls = 0;
  EXPECT_THROW(lease->query_each("SELECT i FROM vals ORDER BY id", {},
                                 [&](const RowView&) {
                                   if (++calls == 2) throw std::runtime_error("stop");
                                 }),
               std::runtime_error);
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(lease->in_transaction());
  lease->query("INSERT INTO vals (id, i) VALUES ($1, $2)", {6, 6});
  std::int64_t sum = 0;
  EXPECT_EQ(lease->query_each("SELECT i FROM vals ORDER BY id", {},
                              [&](const RowView& r) { sum += r.get<std::int64_t>(0); }),
            6u);
  EXPECT_EQ(sum, 21);
}

TS_DB_INSTANTIATE_ENGINES(ConnectionTest);

// Engine-independent behaviour.

TEST(ConnectTest, RejectsUnknownSchemesAndRelativeSqlitePaths) {
  EXPECT_THROW(Pool::open("mysql://u:p@h/db"), Error);
  EXPECT_THROW(Pool::open("sqlite://relative.db"), Error);
  EXPECT_EQ(dialect_of("postgres://x/y"), Dialect::postgres);
  EXPECT_EQ(dialect_of("postgresql://x/y"), Dialect::postgres);
  EXPECT_EQ(dialect_of("sqlite:///tmp/x.db"), Dialect::sqlite);
}

TEST(ConnectTest, MissingSqliteDirectoryIsAClearError) {
  try {
    Pool::open("sqlite:///nonexistent-dir-ts/sub/app.db");
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir-ts/sub"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
}

TEST(ConnectTest, SqliteFileIsCreatedWithWalAndForeignKeys) {
  ts::test::TempDir dir;
  const auto file = dir.path() / "new.db";
  auto pool = Pool::open("sqlite://" + file.string());
  EXPECT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(pool->query("PRAGMA journal_mode").scalar<std::string>(), "wal");
  EXPECT_EQ(pool->query("PRAGMA foreign_keys").scalar<int>(), 1);
  EXPECT_EQ(pool->query("PRAGMA synchronous").scalar<int>(), 1);  // NORMAL
  EXPECT_EQ(pool->query("PRAGMA busy_timeout").scalar<int>(), 5000);
  EXPECT_EQ(pool->query("PRAGMA cache_size").scalar<int>(), -512);  // KiB, the default
}

TEST(ConnectTest, SqliteCacheSizeComesFromThePoolOptions) {
  ts::test::TempDir dir;
  auto pool = Pool::open("sqlite://" + (dir.path() / "c.db").string(), {.sqlite_cache_kib = 64});
  EXPECT_EQ(pool->query("PRAGMA cache_size").scalar<int>(), -64);
}

TEST(ConnectTest, InMemorySqliteUsesOneConnection) {
  auto pool = Pool::open("sqlite://:memory:", {.max_size = 4});
  EXPECT_EQ(pool->stats().max, 1u);
  pool->execute_script("CREATE TABLE t (x INTEGER)");
  pool->query("INSERT INTO t VALUES ($1)", {1});
  EXPECT_EQ(pool->query("SELECT count(*) FROM t").scalar<int>(), 1);
}

TEST(ConnectTest, PostgresConnectFailureIsConnectionLostWithoutPassword) {
  // Port 1 on loopback: refused immediately.
  try {
    Pool::open("postgresql://user:pw-topsecret@127.0.0.1:1/db");
    FAIL() << "expected ConnectionLost";
  } catch (const ConnectionLost& e) {
    EXPECT_EQ(std::string(e.what()).find("pw-topsecret"), std::string::npos) << e.what();
  }
  auto lazy = Pool::open("postgresql://user:pw@127.0.0.1:1/db", {.connect_on_open = false});
  EXPECT_FALSE(lazy->ping());
  EXPECT_EQ(lazy->stats().open, 0u);
}

TEST(ConnectTest, RedactUrlMasksPasswords) {
  EXPECT_EQ(redact_url("postgresql://app:s3cret@db:5432/shop"),
            "postgresql://app:***@db:5432/shop");
  EXPECT_EQ(redact_url("postgresql://app@db/shop"), "postgresql://app@db/shop");
  EXPECT_EQ(redact_url("postgresql://db/shop?user=a&password=s3cret&x=1"),
            "postgresql://db/shop?user=a&password=***&x=1");
  EXPECT_EQ(redact_url("sqlite:///var/lib/app.db"), "sqlite:///var/lib/app.db");
}

}  // namespace
}  // namespace ts::db
