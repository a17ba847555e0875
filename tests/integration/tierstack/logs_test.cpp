// Logs that help, on the real topology: the apps' logs hold the requests but
// not the probes and scrapes (which the metrics still count); `tierstack logs
// --all`, `--grep` and `--follow` (through a rotation under load); the logs
// rotated by size and the releases pruned after deploys.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "stack_fixture.hpp"
#include "support/harness.hpp"

namespace {

namespace fs = std::filesystem;
using namespace ts::test;
using tierstack_test::Load;
using tierstack_test::slurp;
using namespace std::chrono_literals;

class LogsStack : public tierstack_test::StackBase {
 public:
  LogsStack()
      : StackBase({.scrape_interval = "1s",
                   .extra_toml = "[logs]\nmax_kib = 16\nkeep = 2\n[releases]\nkeep = 2\n"}) {}
  unsigned short port(const std::string& name) const {
    return static_cast<unsigned short>(component(name).at("port").to_number<int>());
  }
  unsigned short monitor_port(const std::string& name) const {
    return static_cast<unsigned short>(component(name).at("monitor_port").to_number<int>());
  }
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Two requests with `id` in them: one straight to shop-a with it as the
// request id (shop-a logs it), one through the load balancer with it in the
// query (its access log has it; nginx sets its own request id).
void marked_requests(const LogsStack& s, const std::string& id) {
  ASSERT_EQ(http(s.port("shop-a"), "GET", "/api/products/", "", {{"X-Request-Id", id}}).status,
            200);
  ASSERT_EQ(http(s.lb_port(), "GET", "/api/products/?mark=" + id).status, 200);
}

// Both marked lines, each after the name of its log.
bool followed_both(const fs::path& file, const std::string& id) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  const std::regex shop("(^|\n)shop-a +\\| \\{[^\n]*" + id),
      lb("(^|\n)lb\\.access +\\| [^\n]*" + id);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto text = slurp(file);
    if (std::regex_search(text, shop) && std::regex_search(text, lb)) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

void expect_probes_counted_not_logged(const LogsStack& s) {
  for (const char* name : {"shop-a", "shop-b"}) {
    ASSERT_EQ(http(s.port(name), "GET", "/api/products/").status, 200);
    ASSERT_EQ(http(s.monitor_port(name), "GET", "/metrics").status, 200);  // a scrape
  }
  std::this_thread::sleep_for(
      2500ms);  // the supervisor's readiness polls (2/s), Prometheus's scrapes
  for (const char* name : {"shop-a", "shop-b"}) {
    const auto log = slurp(s.state() / "logs" / (std::string(name) + ".log"));
    EXPECT_NE(log.find(R"("level":"info","msg":"request")"), std::string::npos) << name << log;
    for (const char* route : {"/readyz", "/healthz", "/metrics"})
      EXPECT_EQ(log.find(std::string(R"("route":")") + route + "\""), std::string::npos)
          << name << " logged " << route << " at info:\n"
          << log;
    const auto m = http(s.monitor_port(name), "GET", "/metrics").body;
    for (const char* counted :
         {R"(http_requests_total{route="/readyz",method="GET",status="200"})",
          R"(http_requests_total{route="/metrics",method="GET",status="200"})"})
      EXPECT_NE(m.find(counted), std::string::npos) << name << " does not count " << counted;
  }
}

void expect_all_merged_and_grep(LogsStack& s) {
  auto all = s.cmd({"logs", "--all", "-n", "5000"});
  ASSERT_EQ(all.status, 0) << all.output;
  std::set<std::string> labels;
  std::string last_time;
  static const std::regex json_time(R"re(\| \{"time":"([^"]+)")re");
  for (const auto& l : lines_of(all.output)) {
    const auto bar = l.find(" | ");
    ASSERT_NE(bar, std::string::npos) << l;
    labels.insert(l.substr(0, l.find(' ')));
    if (std::smatch m; std::regex_search(l, m, json_time)) {  // the apps' lines, in time order
      EXPECT_GE(m[1].str(), last_time) << l;
      last_time = m[1].str();
    }
  }
  for (const char* want : {"shop-a", "shop-b", "lb.access", "prometheus", "migrate-shop"})
    EXPECT_TRUE(labels.count(want)) << want << " missing in\n" << all.output;

  auto grep = s.cmd({"logs", "shop-a", "--grep", R"(route":"/api/products/)", "-n", "3"});
  EXPECT_EQ(grep.status, 0) << grep.output;
  const auto found = lines_of(grep.output);
  EXPECT_FALSE(found.empty());
  EXPECT_LE(found.size(), 3u);
  for (const auto& l : found) EXPECT_EQ(l.rfind(R"({"time")", 0), 0u) << l;  // no prefix
  for (const auto& l : found) EXPECT_NE(l.find("/api/products/"), std::string::npos) << l;

  auto bad = s.cmd({"logs", "--all", "--grep", "(unclosed"});
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("is not a regular expression"), std::string::npos) << bad.output;
  EXPECT_EQ(s.cmd({"logs", "shop-a", "--all"}).status, 2);
  // Without flags: as always (tail of one instance's log).
  auto plain = s.cmd({"logs", "shop-a", "-n", "2"});
  EXPECT_EQ(plain.status, 0) << plain.output;
  EXPECT_EQ(lines_of(plain.output).size(), 2u) << plain.output;
}

TEST(TierstackLogs, ProbesAreNotLoggedAndLogsAllGrepFollowRotateAndReleasesArePruned) {
  LogsStack s;
  auto up = s.start();
  ASSERT_EQ(up.status, 0) << up.output << "\n" << slurp(s.state() / "tierstack.log");

  // Follows every log, only the lines with our marker, from now on.
  const auto followed = s.dir() / "follow.out";
  Process follow(bin_path("tierstack"),
                 {"--topology", s.topology().string(), "logs", "--all", "--follow", "--grep",
                  "follow-mark-[0-9]", "-n", "0"},
                 {}, followed.string());
  std::this_thread::sleep_for(1s);
  marked_requests(s, "follow-mark-1");
  EXPECT_TRUE(followed_both(followed, "follow-mark-1")) << slurp(followed);

  expect_probes_counted_not_logged(s);
  expect_all_merged_and_grep(s);

  // Under load the shop's logs pass 16 KiB and are rotated (keep = 2); the
  // follower goes on through the rotation.
  {
    Load load(s.lb_port(), "/api/products/");
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while ((!fs::exists(s.state() / "logs/shop-a.log.2") ||
            !fs::exists(s.state() / "logs/lb.access.log.2")) &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(200ms);
    load.stop();
    EXPECT_EQ(load.failed(), 0) << load.first_error();
  }
  EXPECT_TRUE(fs::exists(s.state() / "logs/shop-a.log.1"));
  EXPECT_TRUE(fs::exists(s.state() / "logs/shop-a.log.2"));
  EXPECT_FALSE(fs::exists(s.state() / "logs/shop-a.log.3"));
  EXPECT_TRUE(fs::exists(s.state() / "logs/lb.access.log.2"));
  marked_requests(s, "follow-mark-2");
  EXPECT_TRUE(followed_both(followed, "follow-mark-2")) << slurp(followed);
  follow.signal(SIGTERM);
  follow.wait(5s);

  // Two deploys make three releases of the shop; releases.keep = 2 leaves
  // the newest two, and the one each instance runs is among them.
  for (int i = 0; i < 2; ++i) {
    auto d = s.cmd({"deploy", "--app", "shop"});
    ASSERT_EQ(d.status, 0) << d.output;
    if (i == 1) EXPECT_NE(d.output.find("1 old release removed"), std::string::npos) << d.output;
  }
  std::vector<fs::path> releases;
  for (const auto& e : fs::directory_iterator(s.state() / "releases/shop")) releases.push_back(e);
  EXPECT_EQ(releases.size(), 2u);
  for (const char* name : {"shop-a", "shop-b"}) {
    const auto exe = fs::read_symlink("/proc/" + std::to_string(s.pid(name)) + "/exe").string();
    EXPECT_EQ(exe.find("(deleted)"), std::string::npos) << exe;
    EXPECT_EQ(exe.rfind((s.state() / "releases/shop").string(), 0), 0u) << exe;
  }
  EXPECT_EQ(http(s.lb_port(), "GET", "/api/products/").status, 200);
}

}  // namespace
