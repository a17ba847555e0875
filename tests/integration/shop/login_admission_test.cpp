// Login admission control (issue 15, goal 6) over HTTP: with every password
// hash slot and queue place taken, POST /account/login/ answers 429 with
// Retry-After at once instead of queueing; logins within the capacity still
// succeed, and the guessing throttle counts exactly as before.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "shop_fixture.hpp"

using namespace shop_test;
using boost::json::object;

namespace {

constexpr int kFlood = 24;

// One hash slot and one queue place: two logins at a time, whatever the cores.
std::map<std::string, std::string> small_capacity() {
  return {{"SHOP_HASH_SLOTS", "1"}, {"SHOP_LOGIN_QUEUE", "1"}};
}

// kFlood logins of `username` sent at the same moment, each on its own connection.
std::vector<HttpResponse> flood(ShopServer& srv, const std::string& username,
                                const std::string& password) {
  const auto body = boost::json::serialize(object{{"username", username}, {"password", password}});
  std::vector<HttpResponse> out(kFlood);
  std::latch ready(kFlood);
  std::vector<std::thread> threads;
  for (int i = 0; i < kFlood; ++i)
    threads.emplace_back([&, i] {
      HttpClient c(srv.port());
      ready.arrive_and_wait();
      out[i] = c.request("POST", "/account/login/", body, {{"Content-Type", "application/json"}});
    });
  for (auto& t : threads) t.join();
  return out;
}

TEST(LoginAdmission, FloodBeyondCapacityIsAnsweredBusyAndValidLoginsSucceed) {
  ShopServer srv("sqlite", small_capacity());
  srv.register_user("fay", "faypass12");
  const auto answers = flood(srv, "fay", "faypass12");
  int ok = 0, busy = 0;
  for (const auto& r : answers) {
    if (r.status == 200) {
      ++ok;
      EXPECT_TRUE(json(r).as_object().contains("token")) << r.body;
    } else {
      ASSERT_EQ(r.status, 429) << r.body;
      ++busy;
      EXPECT_GE(std::stoi(r.header("retry-after")), 1);
      EXPECT_TRUE(r.body.starts_with(R"({"detail":"Request was throttled. Expected available in )"))
          << r.body;
    }
  }
  EXPECT_GE(ok, 1) << "the logins within the capacity are served";
  EXPECT_GE(busy, 1) << "a flood of " << kFlood << " exceeds 1 slot + 1 queue place";

  // The refusals are counted for operators.
  const auto metrics = http(srv.monitor_port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("login_busy_total " + std::to_string(busy)), std::string::npos) << metrics;

  // Once the flood has passed, a login is served again.
  EXPECT_EQ(
      srv.post("/account/login/", object{{"username", "fay"}, {"password", "faypass12"}}).status,
      200);
}

// The busy answers took nothing from the guessing buckets: after a flood of
// wrong passwords the (account, address) bucket of 10 has lost only the
// guesses that were admitted and checked.
TEST(LoginAdmission, BusyRefusalsAreNotCountedAsGuesses) {
  ShopServer srv("sqlite", small_capacity());
  srv.register_user("gus", "guspass12");
  const auto answers = flood(srv, "gus", "wrong-pass");
  int checked = 0;
  for (const auto& r : answers) {
    if (r.status == 401)
      ++checked;
    else
      ASSERT_EQ(r.status, 429) << r.body;
  }
  ASSERT_GE(checked, 1);
  ASSERT_LT(checked, 10) << "with 1 slot + 1 queue place most of the flood is refused";
  int more = 0;
  while (more < 20) {
    const auto r =
        srv.post("/account/login/", object{{"username", "gus"}, {"password", "wrong-pass"}});
    if (r.status == 429) break;
    EXPECT_EQ(r.status, 401);
    ++more;
  }
  // The bucket holds 10 guesses (11 if a token refilled meanwhile).
  EXPECT_GE(checked + more, 10);
  EXPECT_LE(checked + more, 11);
}

}  // namespace
