// Issue 12, item 5, for the microblog: routes that need a signed-in user
// refuse an anonymous request on its header, before reading its body — the
// API with its 401, the pages with the login redirect — and close the
// connection. On SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "mb_fixture.hpp"

using namespace mb_test;
using namespace std::chrono_literals;

namespace {

class MbEarlyAuth : public ::testing::TestWithParam<std::string> {
 protected:
  // The body timeout is long: only an answer given on the header arrives
  // within the client's read timeout.
  MbEarlyAuth() : srv(GetParam(), {{"MICROBLOG_BODY_TIMEOUT_MS", "120000"}}) {}
  MbServer srv;
};

// A header declaring a body (under the routes' 1 MiB limit) that never comes.
std::string header_only(const std::string& method, const std::string& path, const std::string& type,
                        const std::string& extra = "") {
  return method + " " + path + " HTTP/1.1\r\nHost: blog.example\r\nContent-Type: " + type +
         "\r\nContent-Length: 500000\r\n" + extra + "\r\n";
}

}  // namespace

TEST_P(MbEarlyAuth, ApiWithoutAValidTokenIsRefusedBeforeTheBody) {
  for (const std::string auth : {"", "Authorization: Bearer not-a-token\r\n"}) {
    HttpClient c(srv.port());
    auto r = c.raw(header_only("PUT", "/api/users/1", "application/json", auth), 5s);
    ASSERT_TRUE(r) << "no answer before the body";
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(json(*r).at("error"), "Unauthorized");
    EXPECT_EQ(r->header("www-authenticate"), "Bearer realm=\"Authentication Required\"");
    EXPECT_TRUE(c.is_closed_by_peer());
  }
}

TEST_P(MbEarlyAuth, PageFormWithoutASessionIsRedirectedBeforeTheBody) {
  HttpClient c(srv.port());
  auto r = c.raw(header_only("POST", "/edit_profile", "application/x-www-form-urlencoded"), 5s);
  ASSERT_TRUE(r) << "no answer before the body";
  EXPECT_EQ(r->status, 302);
  EXPECT_EQ(r->header("location"), "/auth/login?next=%2Fedit_profile");
  EXPECT_TRUE(c.is_closed_by_peer());
}

TEST_P(MbEarlyAuth, SignedInRequestsStillGoThrough) {
  Browser b(srv);
  b.signup("early");
  auto r = b.post("/edit_profile", {{"username", "early"}, {"about_me", "checked on the header"}},
                  true, "/edit_profile");
  EXPECT_EQ(r.status, 302) << r.body;
  EXPECT_NE(b.get("/user/early").body.find("checked on the header"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Db, MbEarlyAuth, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });
