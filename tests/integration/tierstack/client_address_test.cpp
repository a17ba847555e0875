// Through the local load balancer the apps tell clients apart by address.
// The chain is load balancer nginx -> web tier nginx -> app, and each nginx
// appends the address it received the request from to X-Forwarded-For; the
// topology's <APP>_TRUST_PROXY_HOPS must equal that count, or every client
// shares one login bucket (too few) or picks its own address (too many).
// Clients here bind their sockets to 127.0.0.2 and 127.0.0.3.
//
// The shop's per-address login bucket (60 attempts burst, refilled slowly)
// is the one exhausted: every attempt names a new account, so no
// per-account or per-(account, address) bucket is ever the one that
// refuses, under the current limiter and under LoginThrottle alike.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <map>
#include <regex>
#include <string>

#include "stack_fixture.hpp"
#include "support/harness.hpp"

namespace {

namespace fs = std::filesystem;
using tierstack_test::slurp;

// POST /account/login/ with a wrong password for `user`, from a socket bound
// to `source`, on a fresh connection; returns the status (0: no response).
int login_from(const std::string& source, const std::string& host, unsigned short port,
               const std::string& user, const std::string& forwarded_for = "") {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  inet_pton(AF_INET, source.c_str(), &local.sin_addr);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  inet_pton(AF_INET, host.c_str(), &remote.sin_addr);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    close(fd);
    return 0;
  }
  const std::string body = boost::json::serialize(
      boost::json::object{{"username", user}, {"password", "not-the-password-1"}});
  std::string req = "POST /account/login/ HTTP/1.1\r\nHost: " + host +
                    "\r\nContent-Type: application/json\r\nConnection: close\r\n";
  if (!forwarded_for.empty()) req += "X-Forwarded-For: " + forwarded_for + "\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::size_t sent = 0;
  while (sent < req.size()) {
    const auto n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string resp;
  char buf[4096];
  while (true) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    resp.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  std::smatch m;
  if (!std::regex_search(resp, m, std::regex("^HTTP/1\\.[01] (\\d{3})"))) return 0;
  return std::stoi(m[1]);
}

std::map<std::string, std::string> environment_of(int pid) {
  std::map<std::string, std::string> env;
  const auto raw = slurp("/proc/" + std::to_string(pid) + "/environ");
  std::size_t pos = 0;
  while (pos < raw.size()) {
    auto end = raw.find('\0', pos);
    if (end == std::string::npos) end = raw.size();
    const auto entry = raw.substr(pos, end - pos);
    if (const auto eq = entry.find('='); eq != std::string::npos)
      env[entry.substr(0, eq)] = entry.substr(eq + 1);
    pos = end + 1;
  }
  return env;
}

// How many X-Forwarded-For entries one nginx of the topology appends, read
// from its rendered configuration: 1 when every proxied location includes
// the shared proxy settings and they append ($proxy_add_x_forwarded_for).
int appended_by(const fs::path& nginx_conf) {
  const auto conf = slurp(nginx_conf);
  const std::regex include_re("include ([^;\\s]*proxy\\.conf);");
  const std::regex pass_re("\\bproxy_pass\\b");
  int passes = 0, includes = 0;
  std::string proxy_conf;
  for (auto it = std::sregex_iterator(conf.begin(), conf.end(), pass_re);
       it != std::sregex_iterator(); ++it)
    ++passes;
  for (auto it = std::sregex_iterator(conf.begin(), conf.end(), include_re);
       it != std::sregex_iterator(); ++it) {
    ++includes;
    proxy_conf = (*it)[1];
  }
  if (passes == 0 || passes != includes) return -1;
  const auto settings = slurp(proxy_conf);
  if (settings.find("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;") ==
      std::string::npos)
    return -1;
  if (conf.find("X-Forwarded-For") != std::string::npos) return -1;  // overridden somewhere
  return 1;
}

class Stack : public tierstack_test::StackBase {
 public:
  Stack() : StackBase({.scrape_interval = "5s", .microblog = true}) {}
};

TEST(TierstackClientAddress, TwoClientsHaveSeparateLoginBucketsAndASpoofedForwardedForMakesNone) {
  Stack s;
  auto up = s.start();
  ASSERT_EQ(up.status, 0) << up.output << "\n" << slurp(s.state() / "tierstack.log");
  const auto& lb = s.component("lb");
  const std::string host =
      lb.contains("host") ? std::string(lb.at("host").as_string()) : "127.0.0.1";
  const unsigned short port = s.lb_port();

  // What tierstack hands each app instance, against the chain as rendered.
  const int hops = appended_by(s.state() / "nginx/lb/nginx.conf") +
                   appended_by(s.state() / "nginx/web-a/nginx.conf");
  EXPECT_EQ(hops, 2) << "each nginx must append exactly one X-Forwarded-For entry";
  for (const auto& c : s.state_at_up().at("components").as_array()) {
    if (c.at("tier").as_string() != "app") continue;
    const std::string name(c.at("name").as_string());
    const std::string app(c.at("app").as_string());
    const std::string p = app == "shop" ? "SHOP" : "MICROBLOG";
    const auto env = environment_of(s.pid(name));
    EXPECT_EQ(env.count(p + "_TRUST_PROXY_HOPS") ? env.at(p + "_TRUST_PROXY_HOPS") : "unset",
              std::to_string(hops))
        << name;
    const auto app_port = lb.at("app_ports").at(app).to_number<int>();
    EXPECT_EQ(env.count(p + "_PUBLIC_URL") ? env.at(p + "_PUBLIC_URL") : "unset",
              "http://" + host + ":" + std::to_string(app_port))
        << name;
    if (app == "shop") {
      EXPECT_EQ(env.count("SHOP_PAYMENT_GATEWAY") ? env.at("SHOP_PAYMENT_GATEWAY") : "", "sandbox");
      EXPECT_EQ(env.count("SHOP_ALLOW_SANDBOX") ? env.at("SHOP_ALLOW_SANDBOX") : "", "true");
    } else {
      EXPECT_EQ(env.count(p + "_ALLOW_SANDBOX"), 0u) << name;
    }
  }

  // Client A exhausts its per-address bucket on every shop instance: keep
  // going until eight answers in a row are 429 (the pool spreads requests
  // over both instances, each with its own buckets).
  int n = 0, in_a_row = 0;
  while (in_a_row < 8 && n < 400) {
    const int status = login_from("127.0.0.2", host, port, "a-" + std::to_string(n++));
    ASSERT_TRUE(status == 401 || status == 429) << "attempt " << n << ": " << status;
    in_a_row = status == 429 ? in_a_row + 1 : 0;
  }
  ASSERT_EQ(in_a_row, 8) << "client 127.0.0.2 was never limited in " << n << " attempts";

  // Client B, another address through the same load balancer and web tier,
  // has buckets of its own on every instance.
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(login_from("127.0.0.3", host, port, "b-" + std::to_string(i)), 401)
        << "client 127.0.0.3 shares client 127.0.0.2's bucket";

  // Client A naming other addresses in X-Forwarded-For stays limited: were
  // its entries trusted, each of these would open a fresh bucket and be
  // answered 401. A refill may let one through per instance meanwhile.
  int allowed = 0;
  for (int i = 0; i < 10; ++i) {
    const std::string spoof =
        i % 2 ? "203.0.113." + std::to_string(i + 1)
              : "198.51.100." + std::to_string(i + 1) + ", 203.0.113." + std::to_string(i + 1);
    const int status = login_from("127.0.0.2", host, port, "spoof-" + std::to_string(i), spoof);
    ASSERT_TRUE(status == 401 || status == 429) << status;
    if (status != 429) ++allowed;
  }
  EXPECT_LE(allowed, 3) << "a client's own X-Forwarded-For entries were taken as its address";
  EXPECT_EQ(login_from("127.0.0.3", host, port, "b-after"), 401);

  auto down = s.stop();
  EXPECT_EQ(down.status, 0) << down.output;
}

}  // namespace
