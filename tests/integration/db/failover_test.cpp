// A pool on a multi-host URL (target_session_attrs=read-write) follows the
// primary: after the primary stops and its streaming standby is promoted, the
// same pool, never recreated, writes to the new primary; and a connection to
// a server that turned read-only is discarded instead of kept (issue 13).
// Both clusters are real: a private primary (tests/support/pg-cluster) and a
// standby made from it with pg_basebackup -R, promoted with pg_ctl promote.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "platform/db/pool.hpp"
#include "support/pg.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ts::db::ConnectionLost;
using ts::db::Pool;

std::string pg_bindir() {
  std::string best;
  for (auto& e : fs::directory_iterator("/usr/lib/postgresql"))
    if (fs::exists(e.path() / "bin/pg_ctl") && e.path().string() > best) best = e.path().string();
  return best + "/bin";
}

// PostgreSQL refuses to run as root: as root, run its tools as postgres.
std::string as_owner(const std::string& cmd) {
  return geteuid() == 0 ? "runuser -u postgres -- " + cmd : cmd;
}

int sh(const std::string& cmd) {
  return std::system(cmd.c_str());
}

unsigned short free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

std::string port_of(const std::string& url) {
  const auto colon = url.rfind(':');
  return url.substr(colon + 1, url.find('/', colon) - colon - 1);
}

// One statement on its own connection (the operator's psql).
std::string admin(const std::string& conninfo, const std::string& sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  std::string out;
  if (PQstatus(c) == CONNECTION_OK) {
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) out = PQgetvalue(r, 0, 0);
    if (PQresultStatus(r) == PGRES_FATAL_ERROR) out = "ERROR " + std::string(PQerrorMessage(c));
    PQclear(r);
  } else {
    out = "ERROR " + std::string(PQerrorMessage(c));
  }
  PQfinish(c);
  return out;
}

// A hot standby of `primary_port` in its own directory, streaming.
class Standby {
 public:
  // max_connections as the primary's (tests/support/pg-cluster): a hot standby
  // refuses to start with less.
  explicit Standby(const std::string& primary_port) : dir_("ts-pg-standby-") {
    if (geteuid() == 0) sh("chown postgres: " + dir_.path().string());
    port_ = std::to_string(free_port());
    const auto data = (dir_.path() / "data").string();
    const auto bin = pg_bindir();
    EXPECT_EQ(sh(as_owner(bin + "/pg_basebackup -h 127.0.0.1 -p " + primary_port +
                          " -U tierstack -D " + data + " -R -X stream -c fast")),
              0);
    EXPECT_EQ(
        sh(as_owner(bin + "/pg_ctl -D " + data + " -l " + dir_.path().string() +
                    "/server.log -w -t 30 -o \"-p " + port_ + " -k " + dir_.path().string() +
                    " -c listen_addresses=127.0.0.1 -c max_connections=300\" start >/dev/null")),
        0);
  }
  ~Standby() {
    sh(as_owner(pg_bindir() + "/pg_ctl -D " + (dir_.path() / "data").string() +
                " -m immediate -w stop >/dev/null 2>&1"));
  }
  const std::string& port() const { return port_; }
  void promote() {
    ASSERT_EQ(sh(as_owner(pg_bindir() + "/pg_ctl -D " + (dir_.path() / "data").string() +
                          " -w promote >/dev/null")),
              0);
  }
  std::string conninfo() const {
    return "host=127.0.0.1 port=" + port_ + " user=tierstack dbname=postgres";
  }

 private:
  ts::test::TempDir dir_;
  std::string port_;
};

std::shared_ptr<Pool> open_pool(const std::string& url) {
  ts::db::PoolOptions o;
  o.max_size = 3;
  o.acquire_timeout = 3s;
  o.connect_timeout = 3s;
  return Pool::open(url, o);
}

// Retries a write until it succeeds or the deadline passes; returns the
// number of ConnectionLost answers seen on the way.
int write_until_ok(Pool& pool, int id, std::chrono::seconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  int lost = 0;
  for (;;) {
    try {
      pool.query("INSERT INTO t VALUES ($1)", {id});
      return lost;
    } catch (const ConnectionLost&) {
      ++lost;
      if (std::chrono::steady_clock::now() > deadline) throw;
      std::this_thread::sleep_for(50ms);
    }
  }
}

TEST(PostgresFailover, PoolOnMultiHostUrlFollowsThePromotedStandby) {
  ts::test::OwnPgCluster primary;
  const auto p1 = port_of(primary.url());
  Standby standby(p1);
  if (HasFailure()) return;
  const std::string url = "postgresql://tierstack@127.0.0.1:" + p1 +
                          ",127.0.0.1:" + standby.port() +
                          "/postgres?target_session_attrs=read-write";
  auto pool = open_pool(url);
  pool->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  for (int i = 1; i <= 5; ++i) pool->query("INSERT INTO t VALUES ($1)", {i});
  {
    // Every connection open, on the primary.
    auto a = pool->acquire(), b = pool->acquire(), c = pool->acquire();
    for (auto* l : {&a, &b, &c})
      EXPECT_EQ((*l)->query("SELECT current_setting('port')").scalar<std::string>(), p1);
  }
  // The standby has replayed the rows (asynchronous here: wait for it).
  for (int i = 0; i < 100 && admin(standby.conninfo(), "SELECT count(*) FROM t") != "5"; ++i)
    std::this_thread::sleep_for(50ms);
  ASSERT_EQ(admin(standby.conninfo(), "SELECT count(*) FROM t"), "5");
  // A standby is not a primary: a read-write URL naming only it is refused.
  EXPECT_THROW(open_pool("postgresql://tierstack@127.0.0.1:" + standby.port() +
                         "/postgres?target_session_attrs=read-write"),
               ConnectionLost);

  primary.halt();
  // Until the promotion there is no primary: writes fail as ConnectionLost
  // (a 503 for the apps), never as something else.
  EXPECT_THROW(pool->query("INSERT INTO t VALUES ($1)", {6}), ConnectionLost);
  EXPECT_FALSE(pool->ping());
  standby.promote();

  // The same pool writes again, now on the promoted standby.
  write_until_ok(*pool, 6, 10s);
  EXPECT_EQ(pool->query("SELECT current_setting('port')").scalar<std::string>(), standby.port());
  EXPECT_EQ(pool->query("SELECT count(*) FROM t").scalar<int>(), 6);
  EXPECT_TRUE(pool->ping());
  EXPECT_LE(pool->stats().open, 3u);
  EXPECT_EQ(pool->stats().in_use, 0u);
}

TEST(PostgresFailover, ConnectionToAServerThatTurnedReadOnlyIsNotKept) {
  ts::test::OwnPgCluster primary;
  const auto p1 = port_of(primary.url());
  const std::string url =
      "postgresql://tierstack@127.0.0.1:" + p1 + "/postgres?target_session_attrs=read-write";
  const std::string conninfo = "host=127.0.0.1 port=" + p1 + " user=tierstack dbname=postgres";
  auto pool = open_pool(url);
  pool->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  pool->query("INSERT INTO t VALUES ($1)", {1});
  ASSERT_EQ(pool->stats().open, 1u);

  // The server stops accepting writes (as a demoted primary would).
  ASSERT_EQ(admin(conninfo, "ALTER SYSTEM SET default_transaction_read_only = on"), "");
  ASSERT_EQ(admin(conninfo, "SELECT pg_reload_conf()"), "t");
  std::this_thread::sleep_for(300ms);
  // The pooled connection says "read-only" on its next write: that is a
  // connection to drop (ConnectionLost), not an application error.
  EXPECT_THROW(pool->query("INSERT INTO t VALUES ($1)", {2}), ConnectionLost);
  EXPECT_EQ(pool->stats().open, 0u) << "the read-only connection was kept";
  // New connections are refused by libpq (not a read-write session).
  EXPECT_THROW(pool->query("INSERT INTO t VALUES ($1)", {2}), ConnectionLost);

  // Writable again: the pool recovers by itself.
  ASSERT_EQ(admin(conninfo + " options='-c default_transaction_read_only=off'",
                  "ALTER SYSTEM RESET default_transaction_read_only"),
            "");
  ASSERT_EQ(admin(conninfo, "SELECT pg_reload_conf()"), "t");
  write_until_ok(*pool, 2, 5s);
  EXPECT_EQ(pool->query("SELECT count(*) FROM t").scalar<int>(), 2);
}

}  // namespace
