// Alerts through the local topology: Alertmanager under `tierstack up`, the
// URLs `up` prints answering, InstanceDown firing and resolving around
// `tierstack drill kill-instance --down-for` and a hung instance, as
// Alertmanager's API and `tierstack status` show it; and the microblog's
// translator settings from the topology file reaching its instances.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <regex>
#include <thread>

#include "stack_fixture.hpp"
#include "support/harness.hpp"

namespace {

using namespace ts::test;
using tierstack_test::slurp;
using namespace std::chrono_literals;

class AlertStack : public tierstack_test::StackBase {
 public:
  AlertStack() : StackBase({.scrape_interval = "1s", .alert_for = {{"InstanceDown", "3s"}}}) {}
  unsigned short port(const std::string& name) const {
    return static_cast<unsigned short>(component(name).at("port").to_number<int>());
  }
  // Whether Alertmanager's API lists InstanceDown for this instance.
  bool instance_down(const std::string& instance) {
    const auto r = http(port("alertmanager"), "GET", "/api/v2/alerts");
    if (r.status != 200) return false;
    const auto alerts = boost::json::parse(r.body);
    for (const auto& a : alerts.as_array()) {
      const auto& l = a.at("labels").as_object();
      if (l.contains("instance") && l.at("alertname").as_string() == "InstanceDown" &&
          l.at("instance").as_string() == instance)
        return true;
    }
    return false;
  }
  // `tierstack status` until its output contains `text` (at most `limit`).
  std::string status_until(const std::string& text, std::chrono::seconds limit) {
    std::string out;
    for (const auto end = std::chrono::steady_clock::now() + limit;
         std::chrono::steady_clock::now() < end; std::this_thread::sleep_for(500ms)) {
      out = cmd({"status"}).output;
      if (out.find(text) != std::string::npos) break;
    }
    return out;
  }
};

// The URL `up` printed after `label` (e.g. "targets").
std::string printed_url(const std::string& up_output, const std::string& label) {
  std::smatch m;
  const std::regex re(" " + label + " +(http://[0-9.]+:[0-9]+/[^ \n]*)");
  return std::regex_search(up_output, m, re) ? m[1].str() : "";
}

unsigned short port_of(const std::string& url) {
  const auto colon = url.find(':', 7);
  return static_cast<unsigned short>(std::stoi(url.substr(colon + 1)));
}

std::string path_of(const std::string& url) {
  return url.substr(url.find('/', 7));
}

}  // namespace

TEST(TierstackAlerts, PrintedUrlsAnswerAndInstanceDownFiresAndResolves) {
  AlertStack s;
  auto up = s.start();
  ASSERT_EQ(up.status, 0) << up.output << "\n" << slurp(s.state() / "tierstack.log");

  // Debian's Prometheus serves the classic UI; its Alertmanager the API.
  for (const char* label : {"prometheus", "targets", "alerts", "alertmanager"}) {
    const auto url = printed_url(up.output, label);
    ASSERT_FALSE(url.empty()) << label << " in:\n" << up.output;
    const auto r = http(port_of(url), "GET", path_of(url));
    EXPECT_EQ(r.status, 200) << url;
  }
  EXPECT_NE(slurp(s.state() / "prometheus/rules/tierstack.rules.yml").find("for: 3s"),
            std::string::npos);
  EXPECT_NE(s.status_until("alerts: none firing", 10s).find("alerts: none firing"),
            std::string::npos);

  // The drill keeps shop-a down for 15 s: Alertmanager lists the alert while
  // it is down; the drill waits until it is gone again.
  auto drill = std::async(std::launch::async, [&] {
    return s.cmd({"drill", "kill-instance", "shop-a", "--down-for", "15"});
  });
  bool seen = false;
  for (int i = 0; i < 60 && !seen; ++i) {
    seen = s.instance_down("shop-a");
    if (!seen) std::this_thread::sleep_for(250ms);
  }
  EXPECT_TRUE(seen) << "InstanceDown for shop-a never appeared in Alertmanager";
  const auto r = drill.get();
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(
      std::regex_search(r.output, std::regex("InstanceDown for shop-a fired after [0-9.]+ s; "
                                             "resolved after [0-9.]+ s")))
      << r.output;
  EXPECT_FALSE(s.instance_down("shop-a"));
  EXPECT_NE(r.output.find("drill passed"), std::string::npos) << r.output;

  // An instance that answers its readiness probe late for a moment (here:
  // stopped for 1 s, two or three probes without an answer) stays in the web
  // tier's pool: taking it out and back would reload the nginx in front
  // twice, and each reload costs POSTs sent on keep-alive connections.
  const int shop_b = s.pid("shop-b");
  ASSERT_GT(shop_b, 0);
  const auto pools = s.state() / "nginx" / "app-upstreams.conf";
  const auto pools_before = slurp(pools);
  const auto log_size = slurp(s.state() / "tierstack.log").size();
  kill(shop_b, SIGSTOP);
  std::this_thread::sleep_for(1s);
  kill(shop_b, SIGCONT);
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(slurp(pools), pools_before);
  EXPECT_EQ(slurp(s.state() / "tierstack.log").substr(log_size).find("shop-b is not ready"),
            std::string::npos);

  // A hung instance (stopped, not exited): it leaves the pool after a few
  // probes without an answer; status lists the alert with its labels and
  // since when, then none once it runs again.
  kill(shop_b, SIGSTOP);
  const auto firing = s.status_until("instance=shop-b", 30s);
  const auto pools_while_hung = slurp(pools);
  kill(shop_b, SIGCONT);
  EXPECT_NE(pools_while_hung, pools_before);
  EXPECT_NE(slurp(s.state() / "tierstack.log")
                .find("shop-b is not ready (no answer to its readiness probe in time)"),
            std::string::npos);
  EXPECT_TRUE(std::regex_search(
      firing, std::regex("InstanceDown \\(critical\\) since [0-9-]+ [0-9:]+ UTC \\([0-9]+s ago\\): "
                         "app=shop instance=shop-b job=shop tier=app zone=b")))
      << firing;
  EXPECT_NE(firing.find("shop target shop-b is down"), std::string::npos) << firing;
  EXPECT_NE(s.status_until("alerts: none firing", 30s).find("alerts: none firing"),
            std::string::npos);
  EXPECT_EQ(s.stop().status, 0);
}

TEST(TierstackTranslator, TheTopologysTranslatorAndTheKeyFromTheEnvironmentReachTheMicroblog) {
  tierstack_test::StackBase s(
      {.microblog = true,
       .microblog_translator = {{"service", "libretranslate"}, {"url", "http://127.0.0.1:5999"}},
       .env = {{"MICROBLOG_TRANSLATOR_KEY", "key-from-the-environment"}}});
  auto up = s.start();
  ASSERT_EQ(up.status, 0) << up.output << "\n" << slurp(s.state() / "tierstack.log");
  for (const char* name : {"microblog-a", "microblog-b"}) {
    const int pid = s.pid(name);
    ASSERT_GT(pid, 0) << name;
    std::string environ = slurp("/proc/" + std::to_string(pid) + "/environ");
    for (auto& c : environ)
      if (c == '\0') c = '\n';
    EXPECT_NE(environ.find("\nMICROBLOG_TRANSLATOR=libretranslate\n"), std::string::npos) << name;
    EXPECT_NE(environ.find("\nMICROBLOG_TRANSLATOR_URL=http://127.0.0.1:5999\n"), std::string::npos)
        << name;
    EXPECT_NE(environ.find("\nMICROBLOG_TRANSLATOR_KEY=key-from-the-environment\n"),
              std::string::npos)
        << name;
    const auto log = slurp(s.state() / "logs" / (std::string(name) + ".log"));
    EXPECT_EQ(log.find("translation is off"), std::string::npos) << log;
  }
  // The shop has no translator.
  std::string shop_env = slurp("/proc/" + std::to_string(s.pid("shop-a")) + "/environ");
  EXPECT_EQ(shop_env.find("SHOP_TRANSLATOR"), std::string::npos);
  EXPECT_EQ(s.stop().status, 0);
}
