#include "platform/http/wire.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string>

using ts::http::Headers;
using ts::http::Method;
using ts::http::Request;
using ts::http::Response;
using ts::http::RouteOptions;
using ts::http::Router;
using ts::http::wire::client_address;
using ts::http::wire::parse_and_route;
using ts::http::wire::valid_request_id;
using Kind = Router::Match::Kind;

namespace {

Response ok(Request&) {
  return Response::empty(204);
}

RouteOptions limit(std::size_t n) {
  RouteOptions o;
  o.body_limit = n;
  return o;
}

class Wire : public ::testing::Test {
 protected:
  Wire() : router_(ts::http::TrailingSlash::redirect_get) {
    router_.get("/api/product/{id:int}/", ok);
    router_.post("/api/products/", ok, limit(16));
    router_.post("/blog/{slug}/comments/", ok, limit(11));
  }
  Router router_;
};

Headers xff(std::initializer_list<const char*> values) {
  Headers h;
  for (const char* v : values) h.add("X-Forwarded-For", v);
  return h;
}

}  // namespace

TEST_F(Wire, GetWithQueryHeadersAndParameters) {
  const auto p = parse_and_route(
      "GET /api/product/42/?page=2&q=red+shoes HTTP/1.1\r\n"
      "Host: shop.example\r\nX-Request-Id: abc-123\r\nAccept: */*\r\n\r\n",
      router_);
  ASSERT_TRUE(p);
  const Request& req = p->request;
  EXPECT_EQ(req.method, Method::get);
  EXPECT_EQ(req.method_text, "GET");
  EXPECT_EQ(req.version, 11u);
  EXPECT_EQ(req.target, "/api/product/42/?page=2&q=red+shoes");
  EXPECT_EQ(req.path, "/api/product/42/");
  EXPECT_EQ(req.query, "page=2&q=red+shoes");
  EXPECT_EQ(req.header("host"), "shop.example");
  EXPECT_EQ(req.header("x-request-id"), "abc-123");
  EXPECT_EQ(req.headers.size(), 3u);
  EXPECT_TRUE(req.body.empty());
  ASSERT_EQ(p->match.kind, Kind::found);
  EXPECT_EQ(p->match.route->pattern, "/api/product/{id:int}/");
  EXPECT_EQ(req.param_int("id"), 42);
  EXPECT_EQ(req.query_param("q"), "red shoes");
}

TEST_F(Wire, PostWithContentLengthBody) {
  const auto p = parse_and_route(
      "POST /api/products/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 12\r\n\r\n{\"name\":\"a\"}",
      router_);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->match.kind, Kind::found);
  EXPECT_EQ(p->request.method, Method::post);
  EXPECT_EQ(p->request.body, R"({"name":"a"})");
  EXPECT_EQ(p->request.json().at("name").as_string(), "a");
}

TEST_F(Wire, ChunkedBodyIsReassembled) {
  const auto p = parse_and_route(
      "POST /blog/hello%20there/comments/ HTTP/1.1\r\nHost: x\r\n"
      "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
      router_);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->match.kind, Kind::found);
  EXPECT_EQ(p->request.body, "hello world");
  EXPECT_EQ(p->request.param("slug"), "hello there");
}

TEST_F(Wire, BodyAtTheRouteLimitIsAccepted) {
  const std::string body(16, 'x');
  const auto p = parse_and_route(
      "POST /api/products/ HTTP/1.1\r\nHost: x\r\nContent-Length: 16\r\n\r\n" + body, router_);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->request.body, body);
}

TEST_F(Wire, BodyOverTheRouteLimitIsRefused) {
  EXPECT_FALSE(
      parse_and_route("POST /api/products/ HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n" +
                          std::string(17, 'x'),
                      router_));
  // Declared too large, even before the bytes arrive.
  EXPECT_FALSE(parse_and_route(
      "POST /api/products/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", router_));
  // Chunked: the limit (11) applies to the reassembled body.
  EXPECT_FALSE(parse_and_route(
      "POST /blog/x/comments/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "6\r\nhello \r\n6\r\nworld!\r\n0\r\n\r\n",
      router_));
}

TEST_F(Wire, UnroutedRequestsGetTheDefaultLimit) {
  const auto p = parse_and_route(
      "POST /nowhere/ HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n" + std::string(20, 'y'),
      router_);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->match.kind, Kind::not_found);
  EXPECT_EQ(p->request.body.size(), 20u);
  EXPECT_TRUE(p->request.params.empty());
}

TEST_F(Wire, MalformedOrIncompleteInputIsNullopt) {
  const char* cases[] = {
      "",
      "GARBAGE\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\n",                    // header not finished
      "GET / HTTP/1.x\r\n\r\n",                           // bad version
      "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",  // no colon
      "POST /api/products/ HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",  // body cut short
      "POST /api/products/ HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\n\r\n",      // bad length
      "POST /blog/x/comments/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r",  // half
                                                                                              // chunk
      "POST /blog/x/comments/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
      "POST /blog/x/comments/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n",
  };
  for (const char* c : cases) {
    SCOPED_TRACE(c);
    EXPECT_FALSE(parse_and_route(c, router_));
  }
}

TEST_F(Wire, TargetsThatAreNotPathsAreBadPath) {
  auto p =
      parse_and_route("GET http://example.com/api/products/ HTTP/1.1\r\nHost: x\r\n\r\n", router_);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->match.kind, Kind::bad_path);
  p = parse_and_route("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", router_);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->match.kind, Kind::bad_path);
  p = parse_and_route("GET /api/product/%zz/ HTTP/1.1\r\nHost: x\r\n\r\n", router_);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->match.kind, Kind::bad_path);
}

TEST_F(Wire, RoutingOutcomesSurvive) {
  auto p = parse_and_route("GET /api/products HTTP/1.1\r\nHost: x\r\n\r\n", router_);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->match.kind, Kind::not_found);  // only POST exists at /api/products/

  p = parse_and_route("GET /api/product/7?x=1 HTTP/1.1\r\nHost: x\r\n\r\n", router_);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->match.kind, Kind::redirect);
  EXPECT_EQ(p->match.location, "/api/product/7/?x=1");

  p = parse_and_route("BREW /api/products/ HTTP/1.1\r\nHost: x\r\n\r\n", router_);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->request.method, Method::other);
  EXPECT_EQ(p->request.method_text, "BREW");
  EXPECT_EQ(p->match.kind, Kind::method_not_allowed);
  EXPECT_EQ(p->match.allow, "POST, OPTIONS");
}

TEST_F(Wire, Http10Version) {
  const auto p = parse_and_route("GET /api/product/1/ HTTP/1.0\r\n\r\n", router_);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->request.version, 10u);
}

TEST(ClientAddress, ZeroHopsIsThePeer) {
  EXPECT_EQ(client_address("10.0.0.5", xff({"203.0.113.9"}), 0), "10.0.0.5");
  EXPECT_EQ(client_address("10.0.0.5", Headers{}, 0), "10.0.0.5");
}

TEST(ClientAddress, WithoutHeaderIsThePeer) {
  EXPECT_EQ(client_address("10.0.0.5", Headers{}, 1), "10.0.0.5");
  EXPECT_EQ(client_address("10.0.0.5", xff({""}), 1), "10.0.0.5");
  EXPECT_EQ(client_address("10.0.0.5", xff({" , ,"}), 1), "10.0.0.5");
}

TEST(ClientAddress, OneHopTakesTheRightmostEntry) {
  EXPECT_EQ(client_address("10.0.0.2", xff({"203.0.113.9"}), 1), "203.0.113.9");
  // Whatever the client wrote itself comes first; the proxy appended the truth.
  EXPECT_EQ(client_address("10.0.0.2", xff({"6.6.6.6, 1.2.3.4, 203.0.113.9"}), 1), "203.0.113.9");
  EXPECT_EQ(client_address("10.0.0.2", xff({" 6.6.6.6 ,, 203.0.113.9 "}), 1), "203.0.113.9");
}

TEST(ClientAddress, TwoHopsTakesTheSecondFromTheRight) {
  // Client → load balancer (adds client) → web tier (adds load balancer) → app.
  EXPECT_EQ(client_address("10.0.1.7", xff({"203.0.113.9, 10.0.0.3"}), 2), "203.0.113.9");
  EXPECT_EQ(client_address("10.0.1.7", xff({"6.6.6.6, 203.0.113.9, 10.0.0.3"}), 2), "203.0.113.9");
  // Fewer entries than hops: the request skipped a trusted proxy and its
  // entries may be the client's own words, so the peer is used.
  EXPECT_EQ(client_address("10.0.1.7", xff({"6.6.6.6"}), 2), "10.0.1.7");
  EXPECT_EQ(client_address("10.0.1.7", xff({"6.6.6.6", "7.7.7.7"}), 3), "10.0.1.7");
}

TEST(ClientAddress, SeveralHeaderFieldsFormOneList) {
  // A proxy may add its own X-Forwarded-For field line after the client's
  // (HAProxy's "option forwardfor" does); the lines are one list in order
  // (RFC 9110, 5.3), so a spoofed first line must not win.
  EXPECT_EQ(client_address("10.0.0.2", xff({"6.6.6.6", "203.0.113.9"}), 1), "203.0.113.9");
  Headers mixed;
  mixed.add("x-forwarded-for", "6.6.6.6, 7.7.7.7");
  mixed.add("Via", "1.1 lb");
  mixed.add("X-Forwarded-For", "203.0.113.9, 10.0.0.3");
  EXPECT_EQ(client_address("10.0.1.7", mixed, 2), "203.0.113.9");
}

TEST_F(Wire, FramingThatRfc9112RefusesIsNullopt) {
  const char* cases[] = {
      "GET /api/product/1/ HTTP/1.1\r\n\r\n",                        // no Host
      "GET /api/product/1/ HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",  // two
      "POST /api/products/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc",
      "POST /api/products/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n"
      "Content-Length: 3\r\n\r\nabc",
      "POST /api/products/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n\r\n",
      "POST /api/products/ HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
  };
  for (const char* c : cases) {
    SCOPED_TRACE(c);
    EXPECT_FALSE(parse_and_route(c, router_));
  }
}

TEST(Framing, CheckFramingNamesTheStatus) {
  namespace bhttp = boost::beast::http;
  auto header = [](unsigned version, std::vector<std::pair<bhttp::field, const char*>> fields) {
    bhttp::request_header<> h;
    h.version(version);
    for (const auto& [f, v] : fields) h.insert(f, v);
    return h;
  };
  using ts::http::wire::check_framing;
  EXPECT_FALSE(check_framing(header(11, {{bhttp::field::host, "x"}})));
  EXPECT_FALSE(check_framing(header(10, {})));
  EXPECT_EQ(check_framing(header(11, {}))->status, 400);
  EXPECT_EQ(
      check_framing(header(11, {{bhttp::field::host, "a"}, {bhttp::field::host, "b"}}))->status,
      400);
  EXPECT_FALSE(check_framing(
      header(11, {{bhttp::field::host, "x"}, {bhttp::field::transfer_encoding, " CHUNKED "}})));
  EXPECT_EQ(check_framing(
                header(11, {{bhttp::field::host, "x"}, {bhttp::field::transfer_encoding, "gzip"}}))
                ->status,
            501);
  EXPECT_EQ(check_framing(header(11, {{bhttp::field::host, "x"},
                                      {bhttp::field::transfer_encoding, "chunked"},
                                      {bhttp::field::content_length, "3"}}))
                ->status,
            400);
  EXPECT_EQ(check_framing(header(10, {{bhttp::field::transfer_encoding, "chunked"}}))->status, 400);
}

TEST(RequestId, Validation) {
  EXPECT_TRUE(valid_request_id("abc-123_X.y"));
  EXPECT_TRUE(valid_request_id("0f8fad5b-d9cb-469f-a165-70867728950e"));
  EXPECT_TRUE(valid_request_id(std::string(128, 'a')));
  EXPECT_FALSE(valid_request_id(std::string(129, 'a')));
  EXPECT_FALSE(valid_request_id(""));
  for (const char* bad : {"a b", "a/b", "a\nb", "a\"b", "caf\xC3\xA9", "id;drop", "a\tb"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(valid_request_id(bad));
  }
}
