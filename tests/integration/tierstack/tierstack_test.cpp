// The whole local topology under `tierstack`: bring-up and teardown, the
// store through the load balancer, Prometheus targets, failure drills and a
// rolling deploy under a bounded load, and a PostgreSQL restart.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "stack_fixture.hpp"
#include "support/harness.hpp"

namespace {

namespace fs = std::filesystem;
using namespace ts::test;
using tierstack_test::Load;
using tierstack_test::slurp;
using namespace std::chrono_literals;

// GET with Connection: close, body read to the end and de-chunked (the
// harness client reads sized bodies only; Prometheus answers chunked).
std::string get_body(unsigned short port, const std::string& target) {
  HttpClient c(port);
  c.send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  const std::string raw = c.read_raw(5s);
  const auto he = raw.find("\r\n\r\n");
  if (he == std::string::npos) return "";
  std::string head = raw.substr(0, he), body = raw.substr(he + 4);
  for (auto& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (head.find("transfer-encoding: chunked") == std::string::npos) return body;
  std::string out;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const auto eol = body.find("\r\n", pos);
    if (eol == std::string::npos) break;
    const auto size = std::stoul(body.substr(pos, eol - pos), nullptr, 16);
    if (size == 0) break;
    out.append(body, eol + 2, size);
    pos = eol + 2 + size + 2;
  }
  return out;
}

// The default local topology (with the microblog when it is built).
class Stack : public tierstack_test::StackBase {
 public:
  explicit Stack(const std::string& db = "sqlite")
      : StackBase({.db = db, .scrape_interval = "1s", .microblog = true}) {}

  void up(const std::vector<std::string>& extra = {}) {
    auto r = start(extra);
    ASSERT_EQ(r.status, 0) << r.output << "\n" << slurp(state() / "tierstack.log");
  }
  void down() {
    auto r = stop();
    EXPECT_EQ(r.status, 0) << r.output;
  }
  unsigned short port(const std::string& name) const {
    return static_cast<unsigned short>(component(name).at("port").to_number<int>());
  }
};

bool pid_alive(int pid) {
  return pid > 0 && kill(pid, 0) == 0;
}

void expect_nothing_left(const std::vector<int>& pids, const fs::path& state) {
  for (int pid : pids) EXPECT_FALSE(pid_alive(pid)) << "pid " << pid << " still running";
  // Nothing that mentions the state directory on its command line.
  for (auto& e : fs::directory_iterator("/proc")) {
    const auto cmdline = slurp(e.path() / "cmdline");
    EXPECT_EQ(cmdline.find(state.string()), std::string::npos) << "left behind: " << e.path();
  }
  EXPECT_FALSE(fs::exists(state / "control.sock"));
  EXPECT_FALSE(fs::exists(state / "tierstack.pid"));
}

TEST(Tierstack, UpServesTheStoreThroughTheChainAndDownLeavesNothing) {
  Stack s;
  s.up();
  EXPECT_NE(s.up_output().find("store"), std::string::npos) << s.up_output();
  EXPECT_NE(s.up_output().find("prometheus"), std::string::npos) << s.up_output();

  auto r = http(s.lb_port(), "GET", "/api/products/");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"name\""), std::string::npos) << r.body;  // the demo catalogue
  // The web tier of both zones and the app of both zones answer through the chain.
  EXPECT_EQ(http(s.port("web-a"), "GET", "/api/products/").status, 200);
  EXPECT_EQ(http(s.port("web-b"), "GET", "/api/products/").status, 200);

  // Prometheus: every target up (one scrape interval is 1 s).
  const auto prom = s.port("prometheus");
  std::string body;
  bool all_up = false;
  for (int i = 0; i < 40 && !all_up; ++i) {
    body = get_body(prom, "/api/v1/targets");
    auto v = boost::json::parse(body);
    auto& targets = v.at("data").at("activeTargets").as_array();
    all_up = targets.size() >= 4;  // shop a+b, node, prometheus
    for (auto& t : targets) all_up = all_up && t.at("health").as_string() == "up";
    if (!all_up) std::this_thread::sleep_for(500ms);
  }
  EXPECT_TRUE(all_up) << body;

  auto st = s.cmd({"status"});
  EXPECT_EQ(st.status, 0) << st.output;
  for (const char* name :
       {"shop-a", "shop-b", "web-a", "web-b", "lb", "prometheus", "node-exporter"})
    EXPECT_NE(st.output.find(name), std::string::npos) << st.output;
  // Each running app instance's REQ/S (the last column) is a rate: status
  // reads its /metrics twice, a second apart, when it has no earlier reading.
  {
    std::istringstream lines(st.output);
    int apps = 0;
    for (std::string line; std::getline(lines, line);) {
      std::istringstream words(line);
      std::vector<std::string> row;
      for (std::string w; words >> w;) row.push_back(w);
      if (row.empty() || (row[0] != "shop-a" && row[0] != "shop-b")) continue;
      ++apps;
      ASSERT_EQ(row.size(), 9u) << line;
      char* end = nullptr;
      const double rate = std::strtod(row[8].c_str(), &end);
      EXPECT_TRUE(end != row[8].c_str() && *end == '\0' && rate >= 0) << line;
    }
    EXPECT_EQ(apps, 2) << st.output;
  }
  auto logs = s.cmd({"logs", "shop-a", "-n", "5"});
  EXPECT_EQ(logs.status, 0) << logs.output;
  EXPECT_NE(logs.output.find("\"level\""), std::string::npos) << logs.output;

  // Secret key generated with owner-only permissions.
  struct stat sb {};
  ASSERT_EQ(stat((s.state() / "secrets/shop.key").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);

  const auto pids = s.pids();
  s.down();
  expect_nothing_left(pids, s.state());
  // Ports are free again.
  EXPECT_FALSE(can_connect(s.lb_port()));
  EXPECT_FALSE(can_connect(s.port("shop-a")));
}

TEST(Tierstack, KillingOneShopInstanceUnderLoadFailsNoGet) {
  Stack s;
  s.up();
  const int before = s.pid("shop-a");
  Load load(s.lb_port(), "/api/products/");
  std::this_thread::sleep_for(1s);
  auto r = s.cmd({"drill", "kill-instance", "shop-a"});
  std::this_thread::sleep_for(1s);
  load.stop();
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("back in the pool"), std::string::npos) << r.output;
  EXPECT_NE(s.pid("shop-a"), before);
  EXPECT_GT(load.ok(), 100);
  EXPECT_EQ(load.failed(), 0) << load.first_error() << "\n" << r.output;
}

TEST(Tierstack, RollingDeployUnderLoadFailsNoRequestAndRollsBackABadRelease) {
  Stack s;
  s.up();
  Load load(s.lb_port(), "/api/products/");
  std::this_thread::sleep_for(500ms);
  auto r = s.cmd({"deploy", "--app", "shop"});
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("release"), std::string::npos) << r.output;
  const int after_good = s.pid("shop-a");

  // A release that never gets ready (a setting it refuses): rolled back.
  auto bad =
      s.cmd({"deploy", "--app", "shop", "--env", "SHOP_DB_POOL_SIZE=0", "--ready-timeout", "5"});
  std::this_thread::sleep_for(500ms);
  load.stop();
  EXPECT_EQ(bad.status, 1) << bad.output;
  EXPECT_NE(bad.output.find("ROLLING BACK"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("rolled back"), std::string::npos) << bad.output;
  EXPECT_NE(s.pid("shop-a"), after_good);
  EXPECT_EQ(http(s.lb_port(), "GET", "/api/products/").status, 200);
  auto st = s.cmd({"status"});
  EXPECT_EQ(st.output.find(" no "), std::string::npos) << st.output;

  EXPECT_GT(load.ok(), 100);
  EXPECT_EQ(load.failed(), 0) << load.first_error() << "\n" << r.output << "\n" << bad.output;
}

TEST(Tierstack, KillingAZoneKeepsTheServiceAndTheZoneComesBack) {
  Stack s;
  s.up();
  Load load(s.lb_port(), "/api/products/");
  std::this_thread::sleep_for(1s);
  auto r = s.cmd({"drill", "kill-zone", "a"});
  std::this_thread::sleep_for(1s);
  load.stop();
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("drill passed"), std::string::npos) << r.output;
  EXPECT_GT(load.ok(), 100);
  EXPECT_EQ(load.failed(), 0) << load.first_error() << "\n" << r.output;
  EXPECT_EQ(http(s.port("web-a"), "GET", "/api/products/").status, 200);
}

TEST(Tierstack, PostgresRestartIsNoticedAndRecoveredWithoutRestartingTheApps) {
  Stack s("postgres");
  s.up();
  ASSERT_EQ(http(s.lb_port(), "GET", "/api/products/").status, 200);
  const int shop_a = s.pid("shop-a"), shop_b = s.pid("shop-b");
  Load load(s.lb_port(), "/api/products/", 1);
  auto r = s.cmd({"drill", "restart-db"});
  load.stop();
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("apps report not ready"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no app was restarted"), std::string::npos) << r.output;
  EXPECT_EQ(s.pid("shop-a"), shop_a);
  EXPECT_EQ(s.pid("shop-b"), shop_b);
  auto after = http(s.lb_port(), "GET", "/api/products/");
  EXPECT_EQ(after.status, 200) << after.body;
  const auto pids = s.pids();
  s.down();
  expect_nothing_left(pids, s.state());
}

}  // namespace
