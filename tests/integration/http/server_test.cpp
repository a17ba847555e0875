// The platform HTTP server, black-box: a real platform-testd process on free
// loopback ports, spoken to over TCP.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>

#include <fstream>
#include <future>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "support/harness.hpp"

using namespace ts::test;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<Service> start_testd(std::map<std::string, std::string> env = {}) {
  env.emplace("TESTD_ACCESS_LOG", "true");
  return std::make_unique<Service>(bin_path("platform-testd"), "TESTD", std::vector<std::string>{},
                                   env);
}

boost::json::value json(const HttpResponse& r) {
  return boost::json::parse(r.body);
}

// Parses the Prometheus text format into {"name{labels}" → value}; fails the
// test on any line that is not a comment, a blank or a sample.
std::map<std::string, double> scrape(unsigned short port) {
  auto r = http(port, "GET", "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.header("content-type").find("text/plain; version=0.0.4"), std::string::npos);
  std::map<std::string, double> out;
  static const std::regex sample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?) (-?[0-9.eE+-]+|\+Inf|NaN)$)");
  std::istringstream in(r.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::smatch m;
    EXPECT_TRUE(std::regex_match(line, m, sample)) << "unparseable metrics line: " << line;
    if (m.size() > 3) out[m[1]] = std::stod(m[3]);
  }
  return out;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { svc = start_testd(); }
  std::unique_ptr<Service> svc;
};

}  // namespace

TEST_F(ServerTest, AnswersJsonWithSecurityHeadersAndARequestId) {
  auto r = http(svc->port(), "GET", "/hello");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(json(r).at("message"), "hello");
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(r.header("x-frame-options"), "DENY");
  EXPECT_TRUE(std::regex_match(r.header("x-request-id"), std::regex("[0-9a-f]{20}")));
}

TEST_F(ServerTest, EchoesAValidRequestIdAndReplacesAnInvalidOne) {
  auto r = http(svc->port(), "GET", "/hello", "", {{"X-Request-Id", "trace-42.a_b"}});
  EXPECT_EQ(r.header("x-request-id"), "trace-42.a_b");
  auto bad = http(svc->port(), "GET", "/hello", "", {{"X-Request-Id", "evil\"id with spaces"}});
  EXPECT_TRUE(std::regex_match(bad.header("x-request-id"), std::regex("[0-9a-f]{20}")));
  auto missing = http(svc->port(), "GET", "/nowhere", "", {{"X-Request-Id", "nf-1"}});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("x-request-id"), "nf-1");
}

TEST_F(ServerTest, UnknownRouteIsJson404) {
  auto r = http(svc->port(), "GET", "/no/such/thing/");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(json(r).at("detail"), "Not found.");
}

TEST_F(ServerTest, WrongMethodIsJson405WithAllow) {
  auto r = http(svc->port(), "DELETE", "/hello");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(json(r).at("detail"), "Method \"DELETE\" not allowed.");
  EXPECT_EQ(r.header("allow"), "GET, HEAD, OPTIONS");
  auto items = http(svc->port(), "POST", "/items/3/", "{}");
  EXPECT_EQ(items.status, 405);
  EXPECT_EQ(items.header("allow"), "GET, HEAD, PUT, OPTIONS");
}

TEST_F(ServerTest, GetWithoutTrailingSlashRedirects) {
  auto r = http(svc->port(), "GET", "/items/7?x=1");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.header("location"), "/items/7/?x=1");
  // Other methods are not redirected (a redirect would drop the body).
  EXPECT_EQ(http(svc->port(), "PUT", "/items/7", "{}").status, 404);
  // The parameter constraint {id:int} makes a non-number a 404, not a 500.
  EXPECT_EQ(http(svc->port(), "GET", "/items/abc/").status, 404);
}

TEST_F(ServerTest, PathParametersAndQueryAreDecoded) {
  auto r = http(svc->port(), "GET", "/names/a%20b%2Fc/?q=x+y%21");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json(r).at("name"), "a b/c");
  EXPECT_EQ(json(r).at("q"), "x y!");
  EXPECT_EQ(http(svc->port(), "GET", "/names/bad%zz/").status, 400);
}

TEST_F(ServerTest, BodyAboveTheRouteLimitIs413) {
  auto small = http(svc->port(), "POST", "/small", std::string(17, 'x'));
  EXPECT_EQ(small.status, 413);
  EXPECT_EQ(json(small).at("detail"), "Request body too large (limit 16 bytes).");
  EXPECT_EQ(http(svc->port(), "POST", "/small", std::string(16, 'x')).status, 200);
  // The default limit is 1 MiB.
  EXPECT_EQ(http(svc->port(), "POST", "/echo", std::string((1 << 20) + 1, 'x')).status, 413);
  auto ok = http(svc->port(), "POST", "/echo", std::string(1 << 20, 'y'),
                 {{"Content-Type", "text/plain"}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body.size(), std::size_t{1} << 20);
}

TEST_F(ServerTest, ChunkedBodyAboveTheLimitIs413) {
  HttpClient c(svc->port());
  std::string chunk(20, 'z');
  auto r = c.raw("POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n14\r\n" +
                 chunk + "\r\n0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(ServerTest, MalformedRequestLineIs400) {
  HttpClient c(svc->port());
  auto r = c.raw("GARBAGE\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(boost::json::parse(r->body).at("detail").as_string().find("Malformed request"),
            std::string::npos);
  EXPECT_TRUE(c.is_closed_by_peer());
}

TEST_F(ServerTest, MalformedHeaderIs400) {
  HttpClient c(svc->port());
  auto r = c.raw("GET /hello HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  HttpClient c2(svc->port());
  auto r2 = c2.raw("GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 400);
}

TEST_F(ServerTest, OversizedHeaderIs431) {
  HttpClient c(svc->port());
  auto r =
      c.raw("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
}

TEST_F(ServerTest, UnexpectedExceptionIsA500WithRequestIdAndNoInternals) {
  auto r = http(svc->port(), "GET", "/boom", "", {{"X-Request-Id", "boom-1"}});
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"detail":"Internal server error.","request_id":"boom-1"})");
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  // The log keeps the detail for the operator, tied to the request id.
  const auto log = svc->process().log();
  EXPECT_NE(log.find(R"("request_id":"boom-1")"), std::string::npos);
  EXPECT_NE(log.find("secret internal detail"), std::string::npos);
  // And the server is still fine.
  EXPECT_EQ(http(svc->port(), "GET", "/hello").status, 200);
}

TEST_F(ServerTest, TypedErrorKeepsItsStatusAndBody) {
  auto r = http(svc->port(), "GET", "/teapot");
  EXPECT_EQ(r.status, 418);
  EXPECT_EQ(r.body, R"({"field":["bad value"]})");
}

// A handler's exception crosses from the worker pool to the connection's
// network thread, which turns it into the response. Many at once, from
// several clients: each keeps its status and body, and the exception is
// freed on the thread that read it (under scripts/test-sanitizers --tsan a
// worker dropping the last reference raced with that read and halted the
// server).
TEST_F(ServerTest, TypedErrorsFromManyWorkersAtOnceKeepTheirStatusAndBody) {
  std::vector<std::future<int>> clients;
  for (int c = 0; c < 4; ++c) {
    clients.push_back(std::async(std::launch::async, [port = svc->port()] {
      int ok = 0;
      for (int i = 0; i < 25; ++i) {
        auto r = http(port, "GET", "/teapot");
        if (r.status == 418 && r.body == R"({"field":["bad value"]})") ++ok;
      }
      return ok;
    }));
  }
  for (auto& c : clients) EXPECT_EQ(c.get(), 25);
  EXPECT_EQ(http(svc->port(), "GET", "/hello").status, 200);
}

TEST_F(ServerTest, MalformedJsonBodyIs400) {
  auto r = http(svc->port(), "PUT", "/items/1/", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(json(r).at("detail").as_string().find("JSON parse error"), std::string::npos);
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  HttpClient c(svc->port());
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(c.request("GET", "/items/" + std::to_string(i) + "/").status, 200);
  EXPECT_FALSE(c.is_closed_by_peer(100ms));
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  HttpClient c(svc->port());
  std::string batch;
  for (int i = 1; i <= 3; ++i)
    batch += "GET /items/" + std::to_string(i) + "/ HTTP/1.1\r\nHost: x\r\n\r\n";
  auto first = c.raw(batch);
  ASSERT_TRUE(first);
  EXPECT_EQ(boost::json::parse(first->body).at("id"), 1);
  for (int i = 2; i <= 3; ++i) {
    auto next = c.raw("");
    ASSERT_TRUE(next);
    EXPECT_EQ(boost::json::parse(next->body).at("id"), i);
  }
}

TEST_F(ServerTest, PipeliningBeyondTheCapClosesTheConnection) {
  HttpClient c(svc->port());
  std::string batch;
  for (int i = 0; i < 40; ++i) batch += "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
  int answered = 0;
  auto r = c.raw(batch);
  while (r) {
    ++answered;
    if (r->header("connection") == "close") break;
    r = c.raw("", 2s);
  }
  EXPECT_LT(answered, 40);
  EXPECT_GE(answered, 30);
  EXPECT_TRUE(c.is_closed_by_peer());
}

TEST_F(ServerTest, HeadAnswersHeadersOnly) {
  HttpClient c(svc->port());
  c.send("HEAD /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const auto raw = c.read_raw(3s);
  EXPECT_EQ(raw.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << raw;
  EXPECT_NE(raw.find("Content-Length: 19\r\n"), std::string::npos) << raw;
  // Nothing after the blank line that ends the header.
  EXPECT_EQ(raw.find("\r\n\r\n") + 4, raw.size()) << raw;
}

TEST_F(ServerTest, Expect100ContinueIsHonoured) {
  HttpClient c(svc->port());
  c.send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
      "Expect: 100-continue\r\n\r\n");
  const auto interim = c.read_raw(1s);
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  auto r = c.raw("hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
}

TEST_F(ServerTest, RateLimitAnswers429WithRetryAfter) {
  EXPECT_EQ(http(svc->port(), "GET", "/limited").status, 200);
  EXPECT_EQ(http(svc->port(), "GET", "/limited").status, 200);
  auto r = http(svc->port(), "GET", "/limited");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.header("retry-after"), "1");
  EXPECT_NE(json(r).at("detail").as_string().find("throttled"), std::string::npos);
}

TEST_F(ServerTest, AuthenticationHookRunsBeforeTheHandler) {
  auto anon = http(svc->port(), "GET", "/private");
  EXPECT_EQ(anon.status, 401);
  EXPECT_EQ(anon.header("www-authenticate"), "Bearer realm=\"api\"");
  auto ok = http(svc->port(), "GET", "/private", "", {{"Authorization", "Bearer letmein"}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(json(ok).at("user"), "alice");
}

TEST_F(ServerTest, MetricsCountersAndHistogramMove) {
  auto before = scrape(svc->monitor_port());
  const std::string key =
      R"(http_requests_total{route="/items/{id:int}/",method="GET",status="200"})";
  const double was = before.count(key) ? before[key] : 0;
  for (int i = 0; i < 7; ++i)
    ASSERT_EQ(http(svc->port(), "GET", "/items/" + std::to_string(i) + "/").status, 200);
  ASSERT_EQ(http(svc->port(), "GET", "/no-such").status, 404);
  auto after = scrape(svc->monitor_port());
  EXPECT_EQ(after[key], was + 7);
  EXPECT_GE((after[R"(http_requests_total{route="unmatched",method="GET",status="404"})"]), 1);
  const std::string base = R"(route="/items/{id:int}/",method="GET")";
  EXPECT_EQ(after["http_request_duration_seconds_count{" + base + "}"], was + 7);
  EXPECT_EQ(after["http_request_duration_seconds_bucket{" + base + ",le=\"+Inf\"}"], was + 7);
  // Buckets are cumulative: never decreasing with le.
  double previous = 0;
  for (const char* le : {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
                         "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"}) {
    const double v = after["http_request_duration_seconds_bucket{" + base + ",le=\"" + le + "\"}"];
    EXPECT_GE(v, previous) << le;
    previous = v;
  }
  EXPECT_GT(after["http_request_duration_seconds_sum{" + base + "}"], 0);
  EXPECT_GT(after["process_resident_memory_bytes"], 1e5);
  EXPECT_GT(after["process_open_fds"], 2);
  EXPECT_GT(after["process_start_time_seconds"], 1.7e9);
  EXPECT_TRUE(after.count("process_cpu_seconds_total"));
  EXPECT_TRUE(after.count("http_requests_in_flight"));
}

TEST_F(ServerTest, MetricsCatalogueNamesAreAllExported) {
  // deploy/metrics-catalogue.txt lists what dashboards and alerts may use;
  // every http_/process_ name in it must be present in a real scrape.
  ASSERT_EQ(http(svc->port(), "GET", "/hello").status, 200);
  auto r = http(svc->monitor_port(), "GET", "/metrics");
  std::ifstream in(std::string(TS_SOURCE_DIR) + "/deploy/metrics-catalogue.txt");
  if (!in) GTEST_FAIL() << "deploy/metrics-catalogue.txt missing";
  std::string name;
  int checked = 0;
  while (in >> name) {
    if (name.rfind("http_", 0) != 0 && name.rfind("process_", 0) != 0) continue;
    EXPECT_NE(r.body.find("\n" + name), std::string::npos) << name << " is not exported";
    ++checked;
  }
  EXPECT_GE(checked, 8);
}

TEST_F(ServerTest, HealthAndReadinessOnBothPorts) {
  EXPECT_EQ(http(svc->port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(http(svc->port(), "GET", "/readyz").status, 200);
  EXPECT_EQ(http(svc->monitor_port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(http(svc->monitor_port(), "GET", "/readyz").status, 200);
  // /metrics lives on the monitor port only, when one is configured.
  EXPECT_EQ(http(svc->port(), "GET", "/metrics").status, 404);
  EXPECT_EQ(http(svc->monitor_port(), "GET", "/hello").status, 404);
}

// Probes and scrapes are counted in the metrics but not logged at info
// (they would bury the requests); at debug they are logged as debug lines.
TEST(ServerAccessLog, ProbesAndScrapesAreCountedButNotLoggedAtInfo) {
  for (const char* level : {"info", "debug"}) {
    auto svc = start_testd({{"TESTD_LOG_LEVEL", level}});
    for (unsigned short port : {svc->port(), svc->monitor_port()}) {
      ASSERT_EQ(http(port, "GET", "/healthz").status, 200);
      ASSERT_EQ(http(port, "GET", "/readyz").status, 200);
    }
    ASSERT_EQ(http(svc->port(), "GET", "/hello", "", {{"X-Request-Id", "real-1"}}).status, 200);
    auto m = scrape(svc->monitor_port());  // itself a /metrics request
    EXPECT_EQ((m[R"(http_requests_total{route="/healthz",method="GET",status="200"})"]), 2);
    EXPECT_EQ((m[R"(http_requests_total{route="/readyz",method="GET",status="200"})"]), 2);
    scrape(svc->monitor_port());
    const double scrapes = scrape(
        svc->monitor_port())[R"(http_requests_total{route="/metrics",method="GET",status="200"})"];
    EXPECT_EQ(scrapes, 2);  // the two before this one
    // Each line is written just after its response: give the last one time.
    std::this_thread::sleep_for(200ms);
    const std::string log = svc->process().log();
    const bool debug = std::string(level) == "debug";
    EXPECT_NE(log.find(R"("level":"info","msg":"request","request_id":"real-1")"),
              std::string::npos)
        << log;
    int probe_lines = 0;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);) {
      const bool probe = line.find(R"("route":"/healthz")") != std::string::npos ||
                         line.find(R"("route":"/readyz")") != std::string::npos ||
                         line.find(R"("route":"/metrics")") != std::string::npos;
      if (!probe) continue;
      ++probe_lines;
      EXPECT_NE(line.find(R"("level":"debug")"), std::string::npos) << line;
    }
    EXPECT_EQ(probe_lines, debug ? 7 : 0) << level << "\n" << log;
  }
}

TEST(ServerReadiness, NotReadyWhenTheCheckFails) {
  auto svc = start_testd({{"TESTD_READY", "false"}});
  auto r = http(svc->monitor_port(), "GET", "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(http(svc->monitor_port(), "GET", "/healthz").status, 200);
}

TEST(ServerTimeouts, StalledHeaderIsCutOffAtTheDeadline) {
  auto svc = start_testd({{"TESTD_HEADER_TIMEOUT_MS", "300"}});
  HttpClient c(svc->port());
  const auto start = std::chrono::steady_clock::now();
  c.send("GET /hello HTTP/1.1\r\nHost: x\r\n");  // never finishes the header
  EXPECT_TRUE(c.is_closed_by_peer(5s));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 3s);
  // Others are unaffected.
  EXPECT_EQ(http(svc->port(), "GET", "/hello").status, 200);
}

TEST(ServerTimeouts, StalledBodyIsCutOffAtTheDeadline) {
  auto svc = start_testd({{"TESTD_BODY_TIMEOUT_MS", "300"}});
  HttpClient c(svc->port());
  const auto start = std::chrono::steady_clock::now();
  c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-a-little");
  EXPECT_TRUE(c.is_closed_by_peer(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(ServerTimeouts, IdleKeepAliveConnectionIsClosed) {
  auto svc = start_testd({{"TESTD_IDLE_TIMEOUT_MS", "300"}});
  HttpClient c(svc->port());
  EXPECT_EQ(c.request("GET", "/hello").status, 200);
  EXPECT_TRUE(c.is_closed_by_peer(3s));
}

TEST(ServerCors, AllowListIsApplied) {
  auto svc = start_testd({{"TESTD_CORS_ORIGINS", "https://shop.example"}});
  auto pre = http(svc->port(), "OPTIONS", "/items/1/", "",
                  {{"Origin", "https://shop.example"}, {"Access-Control-Request-Method", "PUT"}});
  EXPECT_EQ(pre.status, 200);
  EXPECT_EQ(pre.header("access-control-allow-origin"), "https://shop.example");
  EXPECT_NE(pre.header("access-control-allow-methods").find("PUT"), std::string::npos);
  EXPECT_EQ(pre.header("access-control-max-age"), "86400");
  auto ok = http(svc->port(), "GET", "/hello", "", {{"Origin", "https://shop.example"}});
  EXPECT_EQ(ok.header("access-control-allow-origin"), "https://shop.example");
  auto other = http(svc->port(), "GET", "/hello", "", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(other.header("access-control-allow-origin"), "");
}

TEST(ServerProxy, ClientAddressComesFromTrustedHopsOnly) {
  auto direct = start_testd();
  auto r = http(direct->port(), "GET", "/client-ip", "", {{"X-Forwarded-For", "6.6.6.6"}});
  EXPECT_EQ(boost::json::parse(r.body).at("ip"), "127.0.0.1");
  auto proxied = start_testd({{"TESTD_TRUST_PROXY_HOPS", "1"}});
  auto p =
      http(proxied->port(), "GET", "/client-ip", "", {{"X-Forwarded-For", "6.6.6.6, 10.1.2.3"}});
  EXPECT_EQ(boost::json::parse(p.body).at("ip"), "10.1.2.3");
}

TEST(ServerConfig, BadSettingStopsWithAMessageNamingTheVariable) {
  const auto dir = make_temp_dir();
  Process p(bin_path("platform-testd"), {},
            {{"TESTD_LISTEN", "not-an-endpoint"}, {"TESTD_IO_THREADS", "x"}}, dir + "/log");
  auto status = p.wait(10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 2);
  EXPECT_NE(p.log().find("TESTD_LISTEN: expected host:port, got 'not-an-endpoint'"),
            std::string::npos);
  EXPECT_NE(p.log().find("TESTD_IO_THREADS: expected an integer"), std::string::npos);
  remove_tree(dir);
}

TEST(ServerWorkers, InlineWhenRunsOnTheNetworkThreadWhileTheWorkerPoolIsBusy) {
  auto svc = start_testd({{"TESTD_WORKER_THREADS", "1"}});
  const auto port = svc->port();
  // The pool's only worker sleeps.
  auto slow =
      std::async(std::launch::async, [port] { return http(port, "GET", "/sleep?ms=3000"); });
  // Requests the route runs inline are answered while the worker sleeps (a
  // scrape of /metrics would wait: it runs on the pool too).
  HttpResponse fast;
  for (int i = 0; i < 200; ++i) {
    fast = http(port, "GET", "/maybe-inline?inline=1");
    if (fast.status != 200 || json(fast).at("sleeps_started") == 1) break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(fast.status, 200);
  EXPECT_EQ(json(fast).at("inline"), "1");
  EXPECT_EQ(json(fast).at("sleeps_started"), 1);
  EXPECT_EQ(json(fast).at("sleeps_done"), 0);
  // The metrics are served while the pool is busy too, and show the sleeper in flight.
  auto m = scrape(svc->monitor_port());
  EXPECT_GE(m["http_requests_in_flight"], 2);
  EXPECT_EQ(json(http(port, "GET", "/maybe-inline?inline=1")).at("sleeps_done"), 0);
  // …one it does not waits its turn behind the sleeper.
  auto queued = http(port, "GET", "/maybe-inline?inline=0");
  EXPECT_EQ(queued.status, 200);
  EXPECT_EQ(json(queued).at("sleeps_done"), 1);
  EXPECT_EQ(slow.get().status, 200);
}

// A handler running on the network thread may hand itself to the worker pool
// (ts::http::require_worker): it runs again there, authenticated once.
TEST(ServerThreads, InlineHandlerMovesToTheWorkersWhenItAsks) {
  auto svc = start_testd();
  const auto port = svc->port();
  auto count = [&] { return json(http(port, "GET", "/authentications")).at("count").as_int64(); };
  auto light = http(port, "GET", "/escalate");
  ASSERT_EQ(light.status, 200) << light.body;
  EXPECT_EQ(json(light).at("network_thread"), true);
  const auto before = count();
  auto heavy = http(port, "GET", "/escalate?heavy=1");
  ASSERT_EQ(heavy.status, 200) << heavy.body;
  EXPECT_EQ(json(heavy).at("network_thread"), false);
  // The authenticator ran once for it, not again on the worker pool.
  EXPECT_EQ(count(), before + 1);
}

TEST(ServerShutdown, SigtermDrainsInFlightRequestsAndRefusesNewConnections) {
  auto svc = start_testd();
  const auto port = svc->port();
  auto slow =
      std::async(std::launch::async, [port] { return http(port, "GET", "/sleep?ms=1500"); });
  // Wait until the slow request is in flight (the scrape itself is the other one).
  for (int i = 0; i < 200; ++i) {
    auto m = scrape(svc->monitor_port());
    if (m["http_requests_in_flight"] >= 2) break;
    std::this_thread::sleep_for(10ms);
  }
  svc->process().signal(SIGTERM);
  std::this_thread::sleep_for(200ms);
  // Draining: not ready, new connections refused, the process still alive.
  auto ready = http(svc->monitor_port(), "GET", "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(boost::json::parse(ready.body).at("status"), "draining");
  EXPECT_FALSE(can_connect(port));
  EXPECT_TRUE(svc->process().running());
  // The in-flight request completes normally.
  auto r = slow.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(boost::json::parse(r.body).at("slept_ms"), 1500);
  auto status = svc->process().wait(10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 0);
}

TEST(ServerShutdown, IdleKeepAliveConnectionsDoNotDelayTheDrain) {
  auto svc = start_testd();
  HttpClient idle(svc->port());
  EXPECT_EQ(idle.request("GET", "/hello").status, 200);
  const auto start = std::chrono::steady_clock::now();
  svc->process().signal(SIGTERM);
  auto status = svc->process().wait(10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_TRUE(idle.is_closed_by_peer(1s));
}
