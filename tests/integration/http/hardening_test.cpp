// The server's defences against hostile clients (issue 12): access checked
// on the header before any body is read, connection and buffered-body caps,
// deadlines on every request of a kept-alive connection, strict framing, and
// the client address behind proxies. Black-box against platform-testd.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>

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

// One sample of the monitor port's /metrics, 0 when absent.
double metric(unsigned short monitor_port, const std::string& name) {
  auto r = http(monitor_port, "GET", "/metrics");
  std::istringstream in(r.body);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  return 0;
}

// A request header declaring a body that is never sent.
std::string upload_header(const std::string& path, std::size_t length,
                          const std::string& extra = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n" +
         "Content-Length: " + std::to_string(length) + "\r\n" + extra + "\r\n";
}

// The body timeout is long, so an answer that waited for the body would not
// come within the client's read timeout: these tests see the answer only if
// it is given on the header.
std::map<std::string, std::string> slow_body_env() {
  return {{"TESTD_BODY_TIMEOUT_MS", "120000"}};
}

}  // namespace

// ---- item 5: access on the header, before the body -------------------------

TEST(EarlyAuth, AnonymousUploadIsRefusedBeforeTheBodyAndTheConnectionClosed) {
  auto svc = start_testd(slow_body_env());
  for (const std::string path : {"/upload", "/upload-inline", "/staff-upload"}) {
    HttpClient c(svc->port());
    auto r = c.raw(upload_header(path, 5'000'000), 5s);
    ASSERT_TRUE(r) << path << ": no answer before the body";
    EXPECT_EQ(r->status, 401) << path;
    EXPECT_EQ(json(*r).at("detail"), "Authentication credentials were not provided.");
    EXPECT_EQ(r->header("www-authenticate"), "Bearer realm=\"api\"");
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_EQ(r->header("x-content-type-options"), "nosniff");
    EXPECT_FALSE(r->header("x-request-id").empty());
    EXPECT_TRUE(c.is_closed_by_peer()) << path;
  }
  // Nothing was reserved for the refused bodies.
  EXPECT_EQ(metric(svc->monitor_port(), "http_request_body_bytes_buffered"), 0);
}

TEST(EarlyAuth, RefusalComesBeforeOneHundredContinue) {
  auto svc = start_testd(slow_body_env());
  HttpClient c(svc->port());
  c.send(upload_header("/upload", 5'000'000, "Expect: 100-continue\r\n"));
  const auto raw = c.read_raw(3s);
  EXPECT_EQ(raw.rfind("HTTP/1.1 401 Unauthorized\r\n", 0), 0u) << raw;
  EXPECT_EQ(raw.find("100 Continue"), std::string::npos) << raw;
}

TEST(EarlyAuth, WrongRoleIsRefusedBeforeTheBody) {
  auto svc = start_testd(slow_body_env());
  HttpClient c(svc->port());
  auto r =
      c.raw(upload_header("/staff-upload", 5'000'000, "Authorization: Bearer letmein\r\n"), 5s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(json(*r).at("detail"), "You do not have permission to perform this action.");
  EXPECT_TRUE(c.is_closed_by_peer());
}

TEST(EarlyAuth, AllowedUploadsAreReadAndAuthenticatedOnce) {
  auto svc = start_testd();
  const auto count = [&] { return json(http(svc->port(), "GET", "/authentications")).at("count"); };
  const auto before = count().as_int64();
  const std::string body(3'000'000, 'b');
  auto r = http(svc->port(), "POST", "/upload", body, {{"Authorization", "Bearer letmein"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json(r).at("size"), 3'000'000);
  // One authentication per request, though it ran before the body.
  EXPECT_EQ(count().as_int64(), before + 1);
  auto staff = http(svc->port(), "POST", "/staff-upload", body, {{"Authorization", "Bearer boss"}});
  EXPECT_EQ(staff.status, 200);
  // Without a body the check runs with the handler, and still refuses.
  EXPECT_EQ(http(svc->port(), "POST", "/upload").status, 401);
  EXPECT_EQ(http(svc->port(), "POST", "/upload", "", {{"Authorization", "Bearer letmein"}}).status,
            200);
  // The connection of an allowed upload stays open for the next request.
  HttpClient c(svc->port());
  EXPECT_EQ(c.request("POST", "/upload", "abc", {{"Authorization", "Bearer letmein"}}).status, 200);
  EXPECT_EQ(c.request("GET", "/hello").status, 200);
}

TEST(BodyBudget, BodiesBeyondTheProcessBudgetAre503WhileOthersFinish) {
  auto svc = start_testd({{"TESTD_MAX_BUFFERED_BODY_BYTES", "3000000"}});
  const auto port = svc->port();
  // One upload in progress holds 2 MB of the 3 MB budget…
  HttpClient holder(port);
  holder.send(upload_header("/big", 2'000'000) + std::string(1000, 'a'));
  for (int i = 0; i < 500; ++i) {
    if (metric(svc->monitor_port(), "http_request_body_bytes_buffered") == 2'000'000) break;
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(metric(svc->monitor_port(), "http_request_body_bytes_buffered"), 2'000'000);
  // …so another 2 MB upload is refused on its header, and closed.
  HttpClient late(port);
  auto r = late.raw(upload_header("/big", 2'000'000), 5s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->header("retry-after"), "1");
  EXPECT_TRUE(late.is_closed_by_peer());
  EXPECT_EQ(metric(svc->monitor_port(), "http_request_bodies_rejected_total"), 1);
  // Small bodies still fit, and the held upload completes.
  EXPECT_EQ(http(port, "POST", "/big", std::string(1000, 'c')).status, 200);
  auto done = holder.raw(std::string(2'000'000 - 1000, 'a'));
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, 200);
  EXPECT_EQ(json(*done).at("size"), 2'000'000);
  // The budget is given back.
  EXPECT_EQ(metric(svc->monitor_port(), "http_request_body_bytes_buffered"), 0);
  EXPECT_EQ(http(port, "POST", "/big", std::string(2'000'000, 'd')).status, 200);
}

namespace {

// A connection from a given loopback address (127.0.0.0/8 is all local), for
// the per-client cap; sends one request and returns the status line's code,
// or 0 when the server closed without one.
int status_from(const std::string& address, unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, address.c_str(), &local.sin_addr);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  int code = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0 &&
      ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) == 0) {
    const std::string req = "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    (void)::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    std::string got;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) got.append(buf, static_cast<std::size_t>(n));
    if (got.size() >= 12) code = std::stoi(got.substr(9, 3));
  }
  ::close(fd);
  return code;
}

// Waits until a new connection is served again (the server has noticed a
// closed one); false if it never is.
bool served_again(unsigned short port) {
  for (int i = 0; i < 300; ++i) {
    HttpClient c(port);
    auto r = c.raw("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", 2s);
    if (r && r->status == 200) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

}  // namespace

TEST(ConnectionCaps, BeyondTheProcessCapNewConnectionsGet503AndOpenOnesKeepWorking) {
  auto svc = start_testd({{"TESTD_MAX_CONNECTIONS", "3"}});
  const auto port = svc->port();
  std::vector<std::unique_ptr<HttpClient>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<HttpClient>(port));
    ASSERT_EQ(open.back()->request("GET", "/hello").status, 200);
  }
  HttpClient extra(port);
  auto r = extra.raw("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", 5s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->header("retry-after"), "1");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(extra.is_closed_by_peer());
  // The open connections are served as before…
  for (auto& c : open) EXPECT_EQ(c->request("GET", "/hello").status, 200);
  // …the monitor port is not counted…
  EXPECT_GE(metric(svc->monitor_port(), "http_connections_rejected_total"), 1);
  EXPECT_EQ(metric(svc->monitor_port(), "http_connections_open"), 3);
  // …and a closed one makes room again.
  open.pop_back();
  EXPECT_TRUE(served_again(port));
}

TEST(ConnectionCaps, PerClientCapCountsEachAddressSeparately) {
  auto svc = start_testd({{"TESTD_MAX_CONNECTIONS_PER_CLIENT", "2"}});
  const auto port = svc->port();
  HttpClient a(port), b(port);
  ASSERT_EQ(a.request("GET", "/hello").status, 200);
  ASSERT_EQ(b.request("GET", "/hello").status, 200);
  // A third connection from 127.0.0.1 is refused; another address gets in.
  EXPECT_EQ(status_from("127.0.0.1", port), 503);
  EXPECT_EQ(status_from("127.0.0.2", port), 200);
  EXPECT_EQ(a.request("GET", "/hello").status, 200);
}

TEST(ConnectionCaps, PerClientCapIsNotAppliedToTrustedProxies) {
  // Behind proxies every connection comes from a proxy's address.
  auto svc =
      start_testd({{"TESTD_MAX_CONNECTIONS_PER_CLIENT", "2"}, {"TESTD_TRUST_PROXY_HOPS", "1"}});
  HttpClient a(svc->port()), b(svc->port());
  ASSERT_EQ(a.request("GET", "/hello").status, 200);
  ASSERT_EQ(b.request("GET", "/hello").status, 200);
  EXPECT_EQ(status_from("127.0.0.1", svc->port()), 200);
}

// ---- item 6: deadlines ------------------------------------------------------

TEST(Deadlines, HeaderDeadlineAppliesToLaterRequestsOnAKeptAliveConnection) {
  auto svc = start_testd({{"TESTD_HEADER_TIMEOUT_MS", "300"}, {"TESTD_IDLE_TIMEOUT_MS", "60000"}});
  HttpClient c(svc->port());
  ASSERT_EQ(c.request("GET", "/hello").status, 200);
  // The second request starts, then trickles: the header deadline, not the
  // minute of idle time, ends it.
  c.send("GET /hello HTTP/1.1\r\n");
  std::this_thread::sleep_for(100ms);
  c.send("Host: x\r\n");
  EXPECT_TRUE(c.is_closed_by_peer(10s));
}

TEST(Deadlines, IdleDeadlineEndsAtTheNextRequestsFirstByte) {
  auto svc = start_testd({{"TESTD_HEADER_TIMEOUT_MS", "60000"}, {"TESTD_IDLE_TIMEOUT_MS", "300"}});
  HttpClient c(svc->port());
  ASSERT_EQ(c.request("GET", "/hello").status, 200);
  // The next request begins within the idle time and takes longer than it
  // to complete its header: it is answered.
  c.send("GET /hel");
  std::this_thread::sleep_for(800ms);
  auto r = c.raw("lo HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // Idle again: the idle deadline closes the connection.
  EXPECT_TRUE(c.is_closed_by_peer(10s));
}

// ---- item 7: framing --------------------------------------------------------

namespace {
std::optional<HttpResponse> raw_once(unsigned short port, const std::string& bytes) {
  HttpClient c(port);
  return c.raw(bytes, 5s);
}
}  // namespace

TEST(Framing, Http11NeedsExactlyOneHost) {
  auto svc = start_testd();
  auto none = raw_once(svc->port(), "GET /hello HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 400);
  EXPECT_EQ(json(*none).at("detail"), "Missing Host header.");
  auto two = raw_once(svc->port(), "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  ASSERT_TRUE(two);
  EXPECT_EQ(two->status, 400);
  EXPECT_EQ(json(*two).at("detail"), "More than one Host header.");
  // An empty Host is allowed (RFC 9112 3.2); HTTP/1.0 needs none.
  EXPECT_EQ(raw_once(svc->port(), "GET /hello HTTP/1.1\r\nHost:\r\n\r\n")->status, 200);
  EXPECT_EQ(raw_once(svc->port(), "GET /hello HTTP/1.0\r\n\r\n")->status, 200);
}

TEST(Framing, TransferEncodingOtherThanChunkedIsRefused) {
  auto svc = start_testd();
  const auto port = svc->port();
  for (const std::string te : {"gzip", "gzip, chunked", "chunked, gzip", "chunked, chunked",
                               "identity", "", "chunked;x=1"}) {
    HttpClient c(port);
    auto r = c.raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + te +
                   "\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    ASSERT_TRUE(r) << te;
    EXPECT_EQ(r->status, 501) << te;
    EXPECT_TRUE(c.is_closed_by_peer()) << te;
  }
  // Never framed by a Content-Length beside it, in either order.
  for (const std::string fields : {"Transfer-Encoding: gzip\r\nContent-Length: 5\r\n",
                                   "Content-Length: 5\r\nTransfer-Encoding: gzip\r\n",
                                   "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"}) {
    HttpClient c(port);
    auto r = c.raw("POST /echo HTTP/1.1\r\nHost: x\r\n" + fields + "\r\nhello");
    ASSERT_TRUE(r) << fields;
    EXPECT_EQ(r->status, 400) << fields;
    EXPECT_TRUE(c.is_closed_by_peer()) << fields;
  }
  // Two Transfer-Encoding lines, and any in HTTP/1.0, are faulty framing.
  auto twice = raw_once(port,
                        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->status, 400);
  auto old = raw_once(port, "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->status, 400);
  // Exactly chunked (any case, with spaces around) is read as chunked.
  auto ok = raw_once(port,
                     "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                     "Transfer-Encoding:  Chunked \r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "hello");
}

TEST(Framing, HeaderSizeIsCappedHoweverTheBytesArrive) {
  auto svc = start_testd();
  const auto port = svc->port();
  // Many small header lines, sent a line at a time.
  {
    HttpClient c(port);
    c.send("GET /hello HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 1000; ++i) {
      c.send("X-Filler-" + std::to_string(i) + ": abcdefghij\r\n");
      if (i % 100 == 0) std::this_thread::sleep_for(2ms);
    }
    c.send("\r\n");
    auto r = c.read_raw(5s);
    EXPECT_EQ(r.rfind("HTTP/1.1 431 ", 0), 0u) << r.substr(0, 200);
  }
  // One long line, a few bytes per write.
  {
    HttpClient c(port);
    c.send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Long: ");
    std::string answer;
    for (int i = 0; i < 2000 && answer.empty(); ++i) {
      c.send(std::string(10, 'v'));
      if (i % 200 == 0) answer = c.read_raw(5ms);
    }
    if (answer.empty()) {
      c.send("\r\n\r\n");
      answer = c.read_raw(5s);
    }
    EXPECT_EQ(answer.rfind("HTTP/1.1 431 ", 0), 0u) << answer.substr(0, 200);
  }
  // Just under the limit is fine.
  std::string fields;
  for (int i = 0; i < 100; ++i)
    fields += "X-F" + std::to_string(i) + ": " + std::string(140, 'w') + "\r\n";
  auto ok = raw_once(port, "GET /hello HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

// ---- item 8: client address ---------------------------------------------------

TEST(ClientAddress, FewerForwardedEntriesThanTrustedHopsMeansThePeer) {
  auto svc = start_testd({{"TESTD_TRUST_PROXY_HOPS", "2"}});
  auto ip = [&](const std::string& xff) {
    auto r = http(svc->port(), "GET", "/client-ip", "", {{"X-Forwarded-For", xff}});
    return std::string(json(r).at("ip").as_string());
  };
  // A client that reached the inner proxy directly and wrote its own entry
  // does not choose its address.
  EXPECT_EQ(ip("6.6.6.6"), "127.0.0.1");
  // Through both proxies: the entry the outer proxy added.
  EXPECT_EQ(ip("10.0.0.9, 10.1.2.3"), "10.0.0.9");
  EXPECT_EQ(ip("6.6.6.6, 10.0.0.9, 10.1.2.3"), "10.0.0.9");
}
