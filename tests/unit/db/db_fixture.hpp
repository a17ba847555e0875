#pragma once
// Shared fixture of the db unit tests: every engine test runs once against a
// fresh SQLite file and once against a fresh database in the test cluster.
#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>

#include "platform/db/pool.hpp"
#include "support/pg.hpp"

namespace ts::db {
// Readable test names in ctest ("... GetParam() = postgres").
inline void PrintTo(Dialect d, std::ostream* os) {
  *os << to_string(d);
}
}  // namespace ts::db

namespace ts::db::testing {

// A fresh, empty database of one dialect, removed on destruction.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(Dialect d) {
    if (d == Dialect::sqlite) {
      dir_ = std::make_unique<ts::test::TempDir>("ts-db-unit-");
      url_ = "sqlite://" + (dir_->path() / "test.db").string();
    } else {
      pg_ = std::make_unique<ts::test::TempPgDatabase>();
      url_ = pg_->url();
    }
  }
  const std::string& url() const { return url_; }

 private:
  std::unique_ptr<ts::test::TempDir> dir_;
  std::unique_ptr<ts::test::TempPgDatabase> pg_;
  std::string url_;
};

class EngineTest : public ::testing::TestWithParam<Dialect> {
 protected:
  virtual PoolOptions pool_options() const { return PoolOptions{}; }
  void SetUp() override {
    db_ = std::make_unique<ScratchDatabase>(GetParam());
    pool_ = Pool::open(db_->url(), pool_options());
  }
  void TearDown() override {
    if (pool_) pool_->close();
    pool_.reset();
    db_.reset();
  }
  bool pg() const { return GetParam() == Dialect::postgres; }

  std::unique_ptr<ScratchDatabase> db_;
  std::shared_ptr<Pool> pool_;
};

inline std::string dialect_name(const ::testing::TestParamInfo<Dialect>& info) {
  return std::string(to_string(info.param));
}

}  // namespace ts::db::testing

#define TS_DB_INSTANTIATE_ENGINES(Suite)                                                         \
  INSTANTIATE_TEST_SUITE_P(                                                                      \
      Engines, Suite, ::testing::Values(::ts::db::Dialect::sqlite, ::ts::db::Dialect::postgres), \
      ::ts::db::testing::dialect_name)
