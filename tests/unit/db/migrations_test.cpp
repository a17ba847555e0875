// Migration file selection, ordering, application and schema checks.
#include <fstream>

#include "db_fixture.hpp"
#include "platform/db/migrations.hpp"

namespace ts::db {
namespace {

using testing::EngineTest;

std::vector<int> versions(const std::vector<Migration>& ms) {
  std::vector<int> out;
  for (const auto& m : ms) out.push_back(m.version);
  return out;
}

TEST(SelectMigrationsTest, OrdersByVersionNotByListOrder) {
  const MigrationFiles files = {{"0010_ten.sql", "ten"},
                                {"0002_two.sql", "two"},
                                {"0001_one.sql", "one"},
                                {"README.md", "ignored"}};
  const auto ms = select_migrations(files, Dialect::sqlite);
  EXPECT_EQ(versions(ms), (std::vector<int>{1, 2, 10}));
  EXPECT_EQ(ms[0].name, "one");
  EXPECT_EQ(ms[2].sql, "ten");
  EXPECT_EQ(ms[2].file, "0010_ten.sql");
}

TEST(SelectMigrationsTest, PicksTheDialectSpecificFile) {
  const MigrationFiles files = {{"0001_users.sql", "shared"},
                                {"0002_index.sqlite.sql", "lite"},
                                {"0002_index.postgres.sql", "pg"},
                                {"sub/0003_more.sql", "more"}};
  const auto lite = select_migrations(files, Dialect::sqlite);
  const auto pg = select_migrations(files, Dialect::postgres);
  ASSERT_EQ(versions(lite), (std::vector<int>{1, 2, 3}));
  ASSERT_EQ(versions(pg), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(lite[0].sql, "shared");
  EXPECT_EQ(pg[0].sql, "shared");
  EXPECT_EQ(lite[1].sql, "lite");
  EXPECT_EQ(pg[1].sql, "pg");
  EXPECT_EQ(pg[1].name, "index");
}

TEST(SelectMigrationsTest, RejectsInconsistentSets) {
  const auto bad = [](MigrationFiles files) {
    EXPECT_THROW(select_migrations(files, Dialect::sqlite), SchemaError);
    EXPECT_THROW(select_migrations(files, Dialect::postgres), SchemaError);
  };
  bad({{"0001_a.sql", ""}, {"0001_b.sql", ""}});           // duplicate
  bad({{"0001_a.sql", ""}, {"0001_a.postgres.sql", ""}});  // shared + specific
  bad({{"01_a.sqlite.sql", ""}, {"0001_b.sqlite.sql", ""}, {"1_c.postgres.sql", ""}});
  bad({{"create_users.sql", ""}});   // no number
  bad({{"0000_zero.sql", ""}});      // versions start at 1
  bad({{"0001_.sql", ""}});          // no name
  bad({{"0001_bad name.sql", ""}});  // odd characters
  // A version that exists for one dialect only.
  const MigrationFiles pg_only = {{"0001_a.sql", ""}, {"0002_ext.postgres.sql", ""}};
  EXPECT_EQ(select_migrations(pg_only, Dialect::postgres).size(), 2u);
  EXPECT_THROW(select_migrations(pg_only, Dialect::sqlite), SchemaError);
}

TEST(SelectMigrationsTest, LoadsADirectory) {
  ts::test::TempDir dir;
  std::ofstream(dir.path() / "0002_b.sql") << "B";
  std::ofstream(dir.path() / "0001_a.sql") << "A";
  std::ofstream(dir.path() / "notes.txt") << "x";
  const auto files = load_migration_files(dir.path());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0], (std::pair<std::string, std::string>{"0001_a.sql", "A"}));
  EXPECT_EQ(files[1].second, "B");
  EXPECT_THROW(load_migration_files(dir.path() / "missing"), SchemaError);
}

class MigrateTest : public EngineTest {
 protected:
  // Applying any of these twice fails: no IF NOT EXISTS, a unique seed row.
  MigrationFiles files_ = {
      {"0001_create_users.sql",
       "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);"},
      {"0002_seed.sql", "INSERT INTO users (id, email) VALUES (1, 'admin@example.com');"},
      {"0003_flags.sqlite.sql", "ALTER TABLE users ADD COLUMN flag INTEGER NOT NULL DEFAULT 1;"},
      {"0003_flags.postgres.sql", "ALTER TABLE users ADD COLUMN flag BIGINT NOT NULL DEFAULT 2;"},
  };
};

TEST_P(MigrateTest, AppliesInOrderOnceAndRecordsVersions) {
  EXPECT_EQ(current_version(*pool_, "shop"), 0);
  EXPECT_EQ(migrate(*pool_, "shop", files_), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(current_version(*pool_, "shop"), 3);
  // The dialect-specific file was the one applied.
  EXPECT_EQ(pool_->query("SELECT flag FROM users").scalar<int>(), pg() ? 2 : 1);
  // Running again applies nothing and fails nothing.
  EXPECT_TRUE(migrate(*pool_, "shop", files_).empty());
  auto rows = pool_->query(
      "SELECT version, name, applied_at FROM ts_schema_migrations WHERE app = $1 ORDER BY "
      "version",
      {"shop"});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].get<int>("version"), 1);
  EXPECT_EQ(rows[0].get<std::string>("name"), "create_users");
  EXPECT_EQ(rows[2].get<std::string>("name"), "flags");
  EXPECT_EQ(rows[0].get<std::string>("applied_at").size(), 20u);  // 2026-01-01T00:00:00Z
}

TEST_P(MigrateTest, NewFilesAreAppliedLater) {
  MigrationFiles first(files_.begin(), files_.begin() + 2);
  EXPECT_EQ(migrate(*pool_, "shop", first), (std::vector<int>{1, 2}));
  EXPECT_EQ(check_schema(*pool_, "shop", files_).pending, 1);
  EXPECT_EQ(migrate(*pool_, "shop", files_), (std::vector<int>{3}));
  const auto status = check_schema(*pool_, "shop", files_);
  EXPECT_EQ(status.current, 3);
  EXPECT_EQ(status.newest, 3);
  EXPECT_EQ(status.pending, 0);
}

TEST_P(MigrateTest, AppsShareOneDatabaseIndependently) {
  migrate(*pool_, "shop", files_);
  const MigrationFiles blog = {{"0001_posts.sql", "CREATE TABLE posts (id INTEGER PRIMARY KEY);"}};
  EXPECT_EQ(migrate(*pool_, "microblog", blog), (std::vector<int>{1}));
  EXPECT_EQ(current_version(*pool_, "microblog"), 1);
  EXPECT_EQ(current_version(*pool_, "shop"), 3);
}

TEST_P(MigrateTest, FailedMigrationRollsBackAndIsNotRecorded) {
  MigrationFiles broken = files_;
  broken.push_back(
      {"0004_broken.sql", "CREATE TABLE half (id INTEGER); INSERT INTO no_such_table VALUES (1);"});
  EXPECT_THROW(migrate(*pool_, "shop", broken), Error);
  EXPECT_EQ(current_version(*pool_, "shop"), 3);  // earlier ones stay applied
  // The failed one left nothing behind: creating its table again works.
  pool_->execute_script("CREATE TABLE half (id INTEGER)");
  auto lease = pool_->acquire();
  EXPECT_FALSE(lease->in_transaction());
}

TEST_P(MigrateTest, CheckSchemaRefusesANewerDatabase) {
  migrate(*pool_, "shop", files_);
  EXPECT_NO_THROW(check_schema(*pool_, "shop", files_));
  // A newer binary ran migration 7 against this database.
  pool_->query(
      "INSERT INTO ts_schema_migrations (app, version, name, applied_at) VALUES ($1, $2, $3, $4)",
      {"shop", 7, "future", "2030-01-01T00:00:00Z"});
  try {
    check_schema(*pool_, "shop", files_);
    FAIL() << "expected SchemaError";
  } catch (const SchemaError& e) {
    EXPECT_NE(std::string(e.what()).find("database schema version 7 of shop is newer than this "
                                         "build knows (3); upgrade the binary"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(migrate(*pool_, "shop", files_), SchemaError);
  // Other apps are unaffected.
  EXPECT_NO_THROW(check_schema(*pool_, "microblog", {}));
}

TEST_P(MigrateTest, CheckSchemaOnAnEmptyDatabase) {
  const auto status = check_schema(*pool_, "shop", files_);
  EXPECT_EQ(status.current, 0);
  EXPECT_EQ(status.newest, 3);
  EXPECT_EQ(status.pending, 3);
}

TS_DB_INSTANTIATE_ENGINES(MigrateTest);

}  // namespace
}  // namespace ts::db
