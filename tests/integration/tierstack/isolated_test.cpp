// `tierstack up --isolated`: the topology in network namespaces behind the
// router's nftables filter. From the internet namespace only the load
// balancer answers; the web tier, the app tier and the database refuse; each
// tier reaches the next; and `down` (also after the supervisor was killed)
// leaves no namespace, link, rule or process behind. Traffic stays inside
// the namespaces the run creates (and its operator link).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "stack_fixture.hpp"
#include "support/harness.hpp"

namespace {

namespace fs = std::filesystem;
using namespace ts::test;
using tierstack_test::slurp;
using namespace std::chrono_literals;

// Runs fn on a thread inside the named network namespace ("" = this one).
void in_ns(const std::string& ns, const std::function<void()>& fn) {
  if (ns.empty()) return fn();
  const int fd = open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("no network namespace " + ns);
  std::exception_ptr err;
  std::thread t([&] {
    if (setns(fd, CLONE_NEWNET) != 0) {
      err = std::make_exception_ptr(std::runtime_error("setns " + ns + " failed"));
      return;
    }
    try {
      fn();
    } catch (...) {
      err = std::current_exception();
    }
  });
  t.join();
  close(fd);
  if (err) std::rethrow_exception(err);
}

// A TCP connection to host:port within timeout; -1 on failure.
int connect_fd(const std::string& host, unsigned short port, std::chrono::milliseconds timeout) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  int err = 0;
  socklen_t len = sizeof err;
  if (poll(&p, 1, static_cast<int>(timeout.count())) != 1 ||
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool connects(const std::string& ns, const std::string& host, unsigned short port) {
  bool ok = false;
  in_ns(ns, [&] {
    const int fd = connect_fd(host, port, 1500ms);
    ok = fd >= 0;
    if (fd >= 0) close(fd);
  });
  return ok;
}

struct Reply {
  int status = 0;
  std::string body;
};

// GET http://host:port<target> from namespace ns, body read to the end and de-chunked.
Reply get(const std::string& ns, const std::string& host, unsigned short port,
          const std::string& target) {
  std::string raw;
  in_ns(ns, [&] {
    const int fd = connect_fd(host, port, 3000ms);
    if (fd < 0) return;
    const std::string req =
        "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
    (void)!send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    char buf[8192];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 1000) != 1) continue;
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      raw.append(buf, static_cast<size_t>(n));
    }
    close(fd);
  });
  Reply r;
  if (raw.rfind("HTTP/1.", 0) != 0 || raw.size() < 12) return r;
  r.status = std::atoi(raw.c_str() + 9);
  const auto he = raw.find("\r\n\r\n");
  if (he == std::string::npos) return r;
  std::string head = raw.substr(0, he), body = raw.substr(he + 4);
  for (auto& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (head.find("transfer-encoding: chunked") == std::string::npos) {
    r.body = body;
    return r;
  }
  std::size_t pos = 0;
  while (pos < body.size()) {
    const auto eol = body.find("\r\n", pos);
    if (eol == std::string::npos) break;
    const auto size = std::stoul(body.substr(pos, eol - pos), nullptr, 16);
    if (size == 0) break;
    r.body.append(body, eol + 2, size);
    pos = eol + 2 + size + 2;
  }
  return r;
}

std::string run_tool(const std::string& cmdline) {
  std::string out;
  if (FILE* f = popen((cmdline + " 2>&1").c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    pclose(f);
  }
  return out;
}

// `tierstack up --isolated --detach` on a temporary state directory.
class IsolatedStack : public tierstack_test::StackBase {
 public:
  explicit IsolatedStack(const std::string& db)
      : StackBase({.db = db,
                   .prometheus_rules = false,
                   // Our own page, so the test does not depend on a front-end build
                   // (web/shop/dist is built by the e2e suite).
                   .static_root = "",
                   .command_timeout = std::chrono::seconds(150)}) {
    fs::create_directories(dir() / "static");
    std::ofstream(dir() / "static" / "index.html") << "<p>" << kStaticMarker << "</p>\n";
  }
  static constexpr const char* kStaticMarker = "isolated-static-page";

  void up() {
    auto r = start({"--isolated"});
    ASSERT_EQ(r.status, 0) << r.output << "\n" << slurp(state() / "tierstack.log");
  }
  void down() {
    auto r = stop();
    EXPECT_EQ(r.status, 0) << r.output;
  }

  std::string host(const std::string& name) const {
    return std::string(component(name).at("host").as_string());
  }
  std::string ns_of(const std::string& name) const {
    return std::string(component(name).at("netns").as_string());
  }
  unsigned short port(const std::string& name, const char* field = "port") const {
    return static_cast<unsigned short>(component(name).at(field).to_number<int>());
  }
  unsigned short app_port(const std::string& name, const std::string& app) const {
    return static_cast<unsigned short>(component(name).at("app_ports").at(app).to_number<int>());
  }
  std::string subnet_ns(const std::string& key) const {
    return std::string(state_at_up().at("isolated").at("subnets").at(key).at("netns").as_string());
  }
  std::string isolated(const char* field) const {
    return std::string(state_at_up().at("isolated").at(field).as_string());
  }
  int supervisor_pid() const { return state_at_up().at("supervisor_pid").to_number<int>(); }
};

std::vector<std::string> our_namespaces(const std::string& router_ns) {
  const std::string prefix = router_ns.substr(0, router_ns.size() - 2);  // "ts-<id>-"
  std::vector<std::string> found;
  if (fs::exists("/run/netns"))
    for (auto& e : fs::directory_iterator("/run/netns"))
      if (e.path().filename().string().rfind(prefix, 0) == 0)
        found.push_back(e.path().filename().string());
  return found;
}

// Running and not a zombie (after a supervisor crash its children's parent
// is whatever reaps orphans here).
bool running(int pid) {
  if (pid <= 0 || kill(pid, 0) != 0) return false;
  const auto st = slurp("/proc/" + std::to_string(pid) + "/stat");
  const auto rp = st.rfind(')');
  return rp == std::string::npos || rp + 2 >= st.size() || st[rp + 2] != 'Z';
}

void expect_nothing_left(const IsolatedStack& s, const std::string& router_ns,
                         const std::string& link) {
  for (int pid : s.pids()) EXPECT_FALSE(running(pid)) << "pid " << pid << " still running";
  for (auto& e : fs::directory_iterator("/proc"))
    EXPECT_EQ(slurp(e.path() / "cmdline").find(s.state().string()), std::string::npos)
        << "left behind: " << e.path();
  EXPECT_TRUE(our_namespaces(router_ns).empty()) << run_tool("ip netns list");
  EXPECT_FALSE(fs::exists("/sys/class/net/" + link)) << run_tool("ip -br link");
  EXPECT_EQ(run_tool("ip -br link").find(link), std::string::npos);
  EXPECT_EQ(run_tool("nft list tables").find("tierstack"), std::string::npos);
  EXPECT_FALSE(fs::exists(s.state() / "control.sock"));
  EXPECT_FALSE(fs::exists(s.state() / "tierstack.pid"));
  EXPECT_FALSE(fs::exists(s.state() / "run" / "isolated.nft"));
}

// The security groups from the internet side, and each tier to the next.
void check_reachability(const IsolatedStack& s, bool postgres) {
  const auto inet = s.subnet_ns("inet");
  const auto lb = s.host("lb");
  const auto lb_port = s.app_port("lb", "shop");

  // The internet reaches the load balancer, and through it the whole chain.
  auto home = get(inet, lb, lb_port, "/");
  EXPECT_EQ(home.status, 200) << home.body.substr(0, 300);
  EXPECT_NE(home.body.find(IsolatedStack::kStaticMarker), std::string::npos)
      << home.body.substr(0, 300);
  auto products = get(inet, lb, lb_port, "/api/products/");
  EXPECT_EQ(products.status, 200) << products.body.substr(0, 300);
  EXPECT_NE(products.body.find("\"name\""), std::string::npos) << products.body.substr(0, 300);
  // This host (the operator link) too.
  EXPECT_EQ(get("", lb, lb_port, "/api/products/").status, 200);

  // ... and nothing behind it.
  for (const char* web : {"web-a", "web-b"})
    EXPECT_FALSE(connects(inet, s.host(web), s.app_port(web, "shop"))) << web;
  for (const char* app : {"shop-a", "shop-b"}) {
    EXPECT_FALSE(connects(inet, s.host(app), s.port(app))) << app;
    EXPECT_FALSE(connects(inet, s.host(app), s.port(app, "monitor_port"))) << app;
    EXPECT_FALSE(connects("", s.host(app), s.port(app))) << app << " from the operator link";
  }
  EXPECT_FALSE(connects(inet, s.host("prometheus"), s.port("prometheus")));
  EXPECT_FALSE(connects(inet, s.host("node-exporter"), s.port("node-exporter")));

  // The web tier only from the load balancer: not from the app tier.
  EXPECT_TRUE(connects(s.ns_of("lb"), s.host("web-b"), s.app_port("web-b", "shop")));
  EXPECT_FALSE(connects(s.ns_of("shop-a"), s.host("web-a"), s.app_port("web-a", "shop")));
  // The app tier from the web tier of either zone, main port only; not from the balancer.
  for (const char* web : {"web-a", "web-b"})
    for (const char* app : {"shop-a", "shop-b"}) {
      auto r = get(s.ns_of(web), s.host(app), s.port(app), "/api/products/");
      EXPECT_EQ(r.status, 200) << web << " -> " << app << ": " << r.body.substr(0, 200);
      EXPECT_FALSE(connects(s.ns_of(web), s.host(app), s.port(app, "monitor_port")))
          << web << " -> " << app << " metrics";
    }
  EXPECT_FALSE(connects(s.ns_of("lb"), s.host("shop-a"), s.port("shop-a")));
  // Zone b's app does not reach zone a's app.
  EXPECT_FALSE(connects(s.ns_of("shop-b"), s.host("shop-a"), s.port("shop-a")));

  if (postgres) {
    const auto db = s.host("postgres");
    const auto db_port = s.port("postgres");
    EXPECT_TRUE(connects(s.ns_of("shop-a"), db, db_port));
    EXPECT_TRUE(connects(s.ns_of("shop-b"), db, db_port));
    EXPECT_FALSE(connects(inet, db, db_port));
    EXPECT_FALSE(connects(s.ns_of("web-a"), db, db_port));
    EXPECT_FALSE(connects(s.ns_of("lb"), db, db_port));
    EXPECT_FALSE(connects("", db, db_port)) << "from the operator link";
  }

  // Prometheus (in the monitoring subnet) scrapes every app's metrics port;
  // the operator link reaches its UI.
  std::string body;
  bool all_up = false;
  for (int i = 0; i < 40 && !all_up; ++i) {
    body = get("", s.host("prometheus"), s.port("prometheus"), "/api/v1/targets").body;
    try {
      auto v = boost::json::parse(body);
      auto& targets = v.at("data").at("activeTargets").as_array();
      all_up = targets.size() >= 4;  // shop a+b, node, prometheus
      for (auto& t : targets) all_up = all_up && t.at("health").as_string() == "up";
    } catch (const std::exception&) {
      all_up = false;
    }
    if (!all_up) std::this_thread::sleep_for(500ms);
  }
  EXPECT_TRUE(all_up) << body;
}

TEST(TierstackIsolated, OnlyTheLoadBalancerFacesTheInternetAndDownRemovesEverything) {
  ASSERT_EQ(geteuid(), 0u) << "--isolated creates network namespaces: the test runs as root";
  IsolatedStack s("sqlite");
  s.up();
  EXPECT_NE(s.up_output().find("isolated"), std::string::npos) << s.up_output();
  const auto router = s.isolated("router_netns");
  const auto link = s.isolated("operator_link");
  // Router, internet, lb, public a/b, private a/b, data, monitoring.
  EXPECT_EQ(our_namespaces(router).size(), 9u) << run_tool("ip netns list");
  EXPECT_TRUE(fs::exists("/sys/class/net/" + link));
  EXPECT_EQ(s.ns_of("shop-a"), s.subnet_ns("priv-a"));
  EXPECT_EQ(s.ns_of("web-b"), s.subnet_ns("pub-b"));
  // The filter is in the router's namespace, not in this host's.
  const auto rules = run_tool("ip netns exec " + router + " nft list table inet tierstack");
  EXPECT_NE(rules.find("policy drop"), std::string::npos) << rules;
  EXPECT_NE(rules.find("web tier -> app tier"), std::string::npos) << rules;

  check_reachability(s, false);

  // Status reads the apps' metrics from inside their namespaces.
  auto [rc, status] = s.cmd({"status"});
  EXPECT_EQ(rc, 0) << status;
  EXPECT_EQ(status.find(" no "), std::string::npos) << status;

  s.down();
  expect_nothing_left(s, router, link);
}

TEST(TierstackIsolated, DatabaseOnlyFromTheAppTierAndWhatACrashedSupervisorLeftIsRemoved) {
  ASSERT_EQ(geteuid(), 0u) << "--isolated creates network namespaces: the test runs as root";
  IsolatedStack s("postgres");
  s.up();
  const auto router = s.isolated("router_netns");
  const auto link = s.isolated("operator_link");
  check_reachability(s, true);

  // The supervisor dies without tearing anything down; the next `up` on the
  // same state directory removes what it left (processes, namespaces, links)
  // before building its own.
  auto kill_supervisor = [&] {
    const int sup = s.supervisor_pid();
    ASSERT_GT(sup, 0);
    ASSERT_EQ(kill(sup, SIGKILL), 0);
    for (int i = 0; i < 100 && running(sup); ++i) std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(our_namespaces(router).empty());
  };
  kill_supervisor();
  const auto first_pids = s.pids();
  s.up();
  EXPECT_NE(slurp(s.state() / "tierstack.log").find("removed what a previous run left"),
            std::string::npos);
  for (int pid : first_pids) EXPECT_FALSE(running(pid)) << "pid " << pid << " of the first run";
  EXPECT_EQ(s.isolated("router_netns"), router);  // same state directory, same names
  auto r = get(s.subnet_ns("inet"), s.host("lb"), s.app_port("lb", "shop"), "/api/products/");
  EXPECT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_TRUE(connects(s.ns_of("shop-b"), s.host("postgres"), s.port("postgres")));

  // Killed again: `down` stops what state.json lists and removes the rest
  // by the namespace names.
  kill_supervisor();
  auto [rc, out] = s.cmd({"down"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("removed namespace"), std::string::npos) << out;
  s.down();  // nothing left to do: says so and succeeds
  expect_nothing_left(s, router, link);
}

}  // namespace
