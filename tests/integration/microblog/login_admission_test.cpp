// Login admission control (issue 15, goal 6) on the microblog's two login
// paths: with every password hash slot and queue place taken, the login form
// answers 429 with Retry-After and the form page saying the server is busy
// (not a JSON body), and POST /api/tokens answers its JSON 429; the logins
// within the capacity still succeed.
#include <gtest/gtest.h>

#include <functional>
#include <latch>
#include <thread>
#include <vector>

#include "mb_fixture.hpp"

using namespace mb_test;

namespace {

constexpr int kFlood = 24;

std::unique_ptr<MbServer> small_capacity_server() {
  return std::make_unique<MbServer>(
      "sqlite", std::map<std::string, std::string>{{"MICROBLOG_HASH_SLOTS", "1"},
                                                   {"MICROBLOG_LOGIN_QUEUE", "1"}});
}

// kFlood requests sent at the same moment, each on its own connection.
std::vector<HttpResponse> flood(MbServer& s, const std::string& target, const std::string& body,
                                const std::map<std::string, std::string>& headers) {
  std::vector<HttpResponse> out(kFlood);
  std::latch ready(kFlood);
  std::vector<std::thread> threads;
  for (int i = 0; i < kFlood; ++i)
    threads.emplace_back([&, i] {
      HttpClient c(s.port());
      ready.arrive_and_wait();
      out[i] = c.request("POST", target, body, headers);
    });
  for (auto& t : threads) t.join();
  return out;
}

TEST(MbLoginAdmission, LoginFormFloodGetsTheBusyFormPage) {
  auto srv = small_capacity_server();
  Browser b(*srv);
  ASSERT_TRUE(b.register_user("ivy", "ivy-password-1"));
  const auto body = form_encode({{"username", "ivy"},
                                 {"password", "ivy-password-1"},
                                 {"csrf_token", b.csrf_from("/auth/login")}});
  const auto answers = flood(*srv, "/auth/login", body,
                             {{"Content-Type", "application/x-www-form-urlencoded"},
                              {"Accept", "text/html"},
                              {"Cookie", "session=" + b.cookie()}});
  int ok = 0, busy = 0;
  for (const auto& r : answers) {
    if (r.status == 302) {
      ++ok;
      EXPECT_EQ(r.header("location"), "/index");
      continue;
    }
    ASSERT_EQ(r.status, 429) << r.body;
    ++busy;
    EXPECT_GE(std::stoi(r.header("retry-after")), 1);
    EXPECT_TRUE(r.header("content-type").starts_with("text/html")) << r.header("content-type");
    EXPECT_TRUE(contains(r.body, "The server is busy. Please try again in a moment.")) << r.body;
    EXPECT_TRUE(contains(r.body, "<title>Sign In")) << "the login form again";
    EXPECT_FALSE(contains(r.body, "Too many attempts")) << "busy is not a guessing limit";
  }
  EXPECT_GE(ok, 1);
  EXPECT_GE(busy, 1);
  EXPECT_TRUE(b.login("ivy", "ivy-password-1")) << "served again once the flood has passed";
}

TEST(MbLoginAdmission, TokenEndpointFloodGetsJson429) {
  auto srv = small_capacity_server();
  Browser b(*srv);
  ASSERT_TRUE(b.register_user("jay", "jay-password-1"));
  const auto answers =
      flood(*srv, "/api/tokens", "", {{"Authorization", basic_auth("jay", "jay-password-1")}});
  int ok = 0, busy = 0;
  for (const auto& r : answers) {
    if (r.status == 200) {
      ++ok;
      EXPECT_TRUE(json(r).as_object().contains("token")) << r.body;
      continue;
    }
    ASSERT_EQ(r.status, 429) << r.body;
    ++busy;
    EXPECT_GE(std::stoi(r.header("retry-after")), 1);
    EXPECT_EQ(json(r).at("error"), "Too Many Requests");
  }
  EXPECT_GE(ok, 1);
  EXPECT_GE(busy, 1);
}

}  // namespace
