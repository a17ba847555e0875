#pragma once
// Test helpers for databases: the fixture PostgreSQL cluster's URL, throwaway
// databases in it, temporary directories, and a private cluster a test may
// restart or stop (tests/support/pg-cluster).
#include <filesystem>
#include <string>

namespace ts::test {

// URL of the cluster started by the ctest fixture "postgres.start"
// (TS_TEST_PG_DIR/url). Throws, failing the test, when it is missing.
std::string postgres_url();

// A fresh directory under $TMPDIR (or /tmp), removed recursively on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "ts-test-");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

// CREATE DATABASE with a random name in the fixture cluster; DROP DATABASE ...
// WITH (FORCE) on destruction.
class TempPgDatabase {
 public:
  TempPgDatabase();
  ~TempPgDatabase();
  TempPgDatabase(const TempPgDatabase&) = delete;
  TempPgDatabase& operator=(const TempPgDatabase&) = delete;
  const std::string& url() const noexcept { return url_; }
  const std::string& name() const noexcept { return name_; }

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

// A private cluster in a temporary directory, started in the constructor and
// stopped and removed in the destructor. The port survives restart/halt+start.
class OwnPgCluster {
 public:
  OwnPgCluster();
  ~OwnPgCluster();
  OwnPgCluster(const OwnPgCluster&) = delete;
  OwnPgCluster& operator=(const OwnPgCluster&) = delete;

  const std::string& url() const noexcept { return url_; }
  void start();
  void restart();  // fast shutdown, then start
  void halt();     // fast shutdown; the data directory stays

 private:
  void run(const char* command);
  TempDir dir_;
  std::string url_;
};

}  // namespace ts::test
