#include <gtest/gtest.h>

#include "platform/core/config.hpp"

using ts::parse_endpoint;

TEST(ParseEndpoint, HostAndPort) {
  const auto e = parse_endpoint("10.1.2.3:8000");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "10.1.2.3");
  EXPECT_EQ(e->port, 8000);
  EXPECT_EQ(e->to_string(), "10.1.2.3:8000");

  const auto named = parse_endpoint("db.internal:5432");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->host, "db.internal");
  EXPECT_EQ(named->port, 5432);
}

TEST(ParseEndpoint, LocalhostIsLoopback) {
  const auto e = parse_endpoint("localhost:8000");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "127.0.0.1");
}

TEST(ParseEndpoint, BracketedIpv6) {
  const auto e = parse_endpoint("[::1]:80");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->port, 80);
  EXPECT_EQ(e->to_string(), "[::1]:80");

  const auto any = parse_endpoint("[::]:9100");
  ASSERT_TRUE(any);
  EXPECT_EQ(any->host, "::");
  EXPECT_EQ(any->to_string(), "[::]:9100");
}

TEST(ParseEndpoint, EmptyHostIsAllInterfaces) {
  const auto e = parse_endpoint(":8000");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "0.0.0.0");
  EXPECT_EQ(e->port, 8000);
}

TEST(ParseEndpoint, PortRange) {
  ASSERT_TRUE(parse_endpoint("h:65535"));
  EXPECT_EQ(parse_endpoint("h:65535")->port, 65535);
  ASSERT_TRUE(parse_endpoint("h:0"));  // "any free port"
  EXPECT_EQ(parse_endpoint("h:65536"), std::nullopt);
  EXPECT_EQ(parse_endpoint("h:99999999999"), std::nullopt);
}

TEST(ParseEndpoint, Malformed) {
  for (const char* s :
       {"", "host", "host:", ":", "host:abc", "host:80x", "host:-1", "host:+80", "host:80 ",
        "host: 80", "::1:80", "[::1]", "[::1]80", "[::1:80", "[::1]:", "[::1]:http"}) {
    SCOPED_TRACE(s);
    EXPECT_EQ(parse_endpoint(s), std::nullopt);
  }
}

TEST(ParseEndpoint, ToStringReadsBack) {
  for (const char* s : {"127.0.0.1:1", "[fe80::1]:443", ":8000", "[::1]:65535"}) {
    SCOPED_TRACE(s);
    const auto e = parse_endpoint(s);
    ASSERT_TRUE(e);
    const auto again = parse_endpoint(e->to_string());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->host, e->host);
    EXPECT_EQ(again->port, e->port);
  }
}
