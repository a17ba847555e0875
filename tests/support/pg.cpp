#include "support/pg.hpp"

#include <libpq-fe.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace ts::test {
namespace {

std::string read_first_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line)) return {};
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

// Runs one SQL command on a fresh connection; throws with libpq's message.
void admin_exec(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("cannot connect to the test cluster: " + msg);
  }
  PGresult* res = PQexec(conn, sql.c_str());
  const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
  std::string msg = ok ? "" : PQresultErrorMessage(res);
  PQclear(res);
  PQfinish(conn);
  if (!ok) throw std::runtime_error("test cluster: '" + sql + "' failed: " + msg);
}

std::string random_suffix() {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device rd;
  std::mt19937_64 rng((static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^
                      static_cast<std::uint64_t>(::getpid()));
  std::uniform_int_distribution<std::size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string out;
  for (int i = 0; i < 12; ++i) out += kAlphabet[pick(rng)];
  return out;
}

// Replaces the database name (the path) of a postgresql:// URL.
std::string with_database(const std::string& url, const std::string& db) {
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  const auto query = url.find('?');
  std::string base = slash == std::string::npos ? url.substr(0, query) : url.substr(0, slash);
  std::string tail = query == std::string::npos ? "" : url.substr(query);
  return base + "/" + db + tail;
}

// Runs a program (argv[0] is a path), waits, and returns its exit status.
int run_program(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      throw std::runtime_error("waitpid failed: " + std::string(std::strerror(errno)));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::string postgres_url() {
  const std::filesystem::path file = std::filesystem::path(TS_TEST_PG_DIR) / "url";
  std::string url = read_first_line(file);
  if (url.empty())
    throw std::runtime_error(
        "no test PostgreSQL cluster: " + file.string() +
        " is missing. Run the tests through ctest (fixture postgres.start), or start one with "
        "tests/support/pg-cluster start " TS_TEST_PG_DIR);
  return url;
}

TempDir::TempDir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "XXXXXX";
  if (!::mkdtemp(pattern.data()))
    throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

TempPgDatabase::TempPgDatabase() : admin_url_(postgres_url()), name_("ts_test_" + random_suffix()) {
  admin_exec(admin_url_, "CREATE DATABASE " + name_);
  url_ = with_database(admin_url_, name_);
}

TempPgDatabase::~TempPgDatabase() {
  try {
    admin_exec(admin_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // The fixture's cleanup removes the whole cluster anyway.
  }
}

OwnPgCluster::OwnPgCluster() : dir_("ts-pg-") {
  start();
  url_ = read_first_line(dir_.path() / "url");
  if (url_.empty()) throw std::runtime_error("pg-cluster wrote no URL");
}

OwnPgCluster::~OwnPgCluster() {
  try {
    run("stop");
  } catch (const std::exception&) {
  }
}

void OwnPgCluster::start() {
  run("start");
}
void OwnPgCluster::restart() {
  run("restart");
}
void OwnPgCluster::halt() {
  run("halt");
}

void OwnPgCluster::run(const char* command) {
  const std::string script = std::string(TS_SOURCE_DIR) + "/tests/support/pg-cluster";
  const int rc = run_program({script, command, dir_.path().string()});
  if (rc != 0)
    throw std::runtime_error("pg-cluster " + std::string(command) + " " + dir_.path().string() +
                             " exited with " + std::to_string(rc));
}

}  // namespace ts::test
