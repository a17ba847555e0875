// Several processes migrating the same database at the same instant apply
// every migration exactly once (SQLite file and PostgreSQL database).
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "platform/db/pool.hpp"
#include "support/pg.hpp"

extern char** environ;

namespace {

using ts::db::Dialect;
using ts::db::Pool;

struct Probe {
  pid_t pid = 0;
  std::string app;
  std::filesystem::path out;
};

Probe spawn_probe(const std::string& url, const std::filesystem::path& dir, const std::string& app,
                  long long start_at_ms, const std::filesystem::path& out) {
  const std::string exe = std::string(TS_BIN_DIR) + "/ts-migrate-probe";
  std::vector<std::string> argv = {exe, url, dir.string(), app, std::to_string(start_at_ms)};
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  Probe p{0, app, out};
  const int rc = posix_spawn(&p.pid, exe.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + exe + ": " + std::strerror(rc));
  return p;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Versions a probe reported as applied by itself.
std::vector<int> applied_by(const Probe& p) {
  std::ifstream in(p.out);
  std::string line;
  std::getline(in, line);
  std::istringstream words(line);
  std::string tag;
  words >> tag;
  std::vector<int> out;
  for (int v; words >> v;) out.push_back(v);
  return out;
}

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

// Two apps; every migration fails when applied a second time (CREATE TABLE
// without IF NOT EXISTS, INSERT of a unique key). 0003 of alpha is slow, so
// the other process really has to wait for it.
void write_migrations(const std::filesystem::path& alpha, const std::filesystem::path& beta) {
  std::filesystem::create_directories(alpha);
  std::filesystem::create_directories(beta);
  write_file(alpha / "0001_create_items.sql",
             "CREATE TABLE alpha_items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);\n");
  write_file(alpha / "0002_seed.sql", "INSERT INTO alpha_items (id, name) VALUES (1, 'first');\n");
  write_file(alpha / "0003_log.postgres.sql",
             "CREATE TABLE alpha_log (id BIGSERIAL PRIMARY KEY, note TEXT);\n"
             "SELECT pg_sleep(0.3);\n"
             "INSERT INTO alpha_items (id, name) VALUES (2, 'second');\n");
  write_file(alpha / "0003_log.sqlite.sql",
             "CREATE TABLE alpha_log (id INTEGER PRIMARY KEY AUTOINCREMENT, note TEXT);\n"
             "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000)\n"
             "  SELECT count(*) FROM c;\n"
             "INSERT INTO alpha_items (id, name) VALUES (2, 'second');\n");
  write_file(beta / "0001_create_notes.sql",
             "CREATE TABLE beta_notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE);\n"
             "INSERT INTO beta_notes (id, body) VALUES (1, 'hello');\n");
  write_file(beta / "0002_more.sql", "INSERT INTO beta_notes (id, body) VALUES (2, 'again');\n");
}

void race(const std::string& url, int rounds_label) {
  ts::test::TempDir work("ts-migrate-race-");
  const auto alpha = work.path() / "alpha";
  const auto beta = work.path() / "beta";
  write_migrations(alpha, beta);

  // Three processes per app, all released at the same instant.
  const auto start_at = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count() +
                        700;
  std::vector<Probe> probes;
  for (int i = 0; i < 3; ++i) {
    probes.push_back(
        spawn_probe(url, alpha, "alpha", start_at, work.path() / ("a" + std::to_string(i))));
    probes.push_back(
        spawn_probe(url, beta, "beta", start_at, work.path() / ("b" + std::to_string(i))));
  }
  std::map<std::string, std::vector<int>> applied;
  for (const auto& p : probes) {
    EXPECT_EQ(wait_exit(p.pid), 0)
        << "probe for " << p.app << " failed (round " << rounds_label << "); see its stderr above";
    for (int v : applied_by(p)) applied[p.app].push_back(v);
  }
  // Each version was applied by exactly one process.
  std::sort(applied["alpha"].begin(), applied["alpha"].end());
  std::sort(applied["beta"].begin(), applied["beta"].end());
  EXPECT_EQ(applied["alpha"], (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(applied["beta"], (std::vector<int>{1, 2}));

  auto pool = Pool::open(url, {.max_size = 1});
  auto rows = pool->query(
      "SELECT app, version, count(*) AS n FROM ts_schema_migrations GROUP BY app, version "
      "ORDER BY app, version");
  std::vector<std::string> seen;
  for (const auto& r : rows) {
    EXPECT_EQ(r.get<int>("n"), 1);
    seen.push_back(r.get<std::string>("app") + std::to_string(r.get<int>("version")));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"alpha1", "alpha2", "alpha3", "beta1", "beta2"}));
  EXPECT_EQ(pool->query("SELECT count(*) FROM alpha_items").scalar<int>(), 2);
  EXPECT_EQ(pool->query("SELECT count(*) FROM beta_notes").scalar<int>(), 2);
}

TEST(MigrateConcurrently, SqliteFileAppliesEachMigrationExactlyOnce) {
  for (int round = 0; round < 2; ++round) {
    ts::test::TempDir dir("ts-migrate-sqlite-");
    race("sqlite://" + (dir.path() / "shared.db").string(), round);
  }
}

TEST(MigrateConcurrently, PostgresDatabaseAppliesEachMigrationExactlyOnce) {
  for (int round = 0; round < 2; ++round) {
    ts::test::TempPgDatabase db;
    race(db.url(), round);
  }
}

}  // namespace
