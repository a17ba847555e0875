// The apps' own commands and mail through tierstack: `tierstack shop
// create-admin` runs with the topology's database and secret (the admin then
// logs in through the load balancer), `tierstack exec` passes the command's
// exit status through, and `tierstack mail` (and `mail --follow`) prints the
// microblog's password-reset mail decoded, its link usable as printed.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <regex>
#include <thread>

#include "stack_fixture.hpp"
#include "support/harness.hpp"

namespace {

namespace fs = std::filesystem;
using namespace ts::test;
using tierstack_test::slurp;
using namespace std::chrono_literals;

constexpr const char* kAdminPassword = "admin-pass-42-long";

class Stack : public tierstack_test::StackBase {
 public:
  Stack()
      : StackBase({.scrape_interval = "5s",
                   .microblog = true,
                   .env = {{"SHOP_ADMIN_PASSWORD", kAdminPassword}}}) {}
  unsigned short microblog_port() const {
    return static_cast<unsigned short>(
        component("lb").at("app_ports").at("microblog").to_number<int>());
  }
};

bool has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

// Asks the microblog for a password reset the way a browser does: the form
// page (session cookie and CSRF token), then the form.
void request_reset(unsigned short port, const std::string& email) {
  auto page = http(port, "GET", "/auth/reset_password_request");
  ASSERT_EQ(page.status, 200) << page.body;
  const auto cookie = page.header("set-cookie");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(page.body, m, std::regex("name=\"csrf_token\" value=\"([^\"]+)\"")))
      << page.body;
  const std::string form = "csrf_token=" + m[1].str() + "&email=" + email;
  auto r = http(port, "POST", "/auth/reset_password_request", form,
                {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Cookie", cookie.substr(0, cookie.find(';'))}});
  ASSERT_TRUE(r.status == 302 || r.status == 303) << r.status << " " << r.body;
}

TEST(TierstackExecMail, BeforeAnyUpTheCommandsSayToStartTheTopology) {
  Stack s;
  auto r = s.cmd({"shop", "create-admin", "--username", "boss", "--email", "boss@example.com"});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(has(r.output, "shop has not run on the state directory")) << r.output;
  EXPECT_TRUE(has(r.output, "tierstack up")) << r.output;
  r = s.cmd({"exec", "forum", "migrate"});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(has(r.output, "no app 'forum'") && has(r.output, "shop, microblog")) << r.output;
  r = s.cmd({"stauts"});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(has(r.output, "unknown command or app 'stauts'")) << r.output;
  r = s.cmd({"mail"});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(has(r.output, "tierstack up")) << r.output;
}

TEST(TierstackExecMail, CreateAdminThroughTierstackAndTheResetMailDecoded) {
  Stack s;
  auto up = s.start();
  ASSERT_EQ(up.status, 0) << up.output << "\n" << slurp(s.state() / "tierstack.log");

  // The admin, made with the topology's database and secret, logs in.
  auto r = s.cmd({"shop", "create-admin", "--username", "boss", "--email", "boss@example.com"});
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "created admin 'boss'")) << r.output;
  const std::string login = boost::json::serialize(
      boost::json::object{{"username", "boss"}, {"password", kAdminPassword}});
  auto res =
      http(s.lb_port(), "POST", "/account/login/", login, {{"Content-Type", "application/json"}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_TRUE(boost::json::parse(res.body).at("admin").as_bool()) << res.body;
  // The command's own exit status comes back (1: the account exists).
  r = s.cmd({"exec", "shop", "create-admin", "--username", "boss", "--email", "boss@example.com"});
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(has(r.output, "already exists")) << r.output;
  struct stat sb {};
  ASSERT_EQ(stat((s.state() / "run/shop.exec.json").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u) << "the record holds the secret key";

  // Mail: `mail --follow` already waiting when the reset is asked for.
  r = s.cmd({"mail"});
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "0 messages in " + (s.state() / "mail").string() + "\n")) << r.output;
  Process follow(bin_path("tierstack"),
                 {"--topology", (s.dir() / "topology.toml").string(), "mail", "--follow"}, {},
                 (s.dir() / "follow.log").string());
  // Only once it says so: a reset mailed before it looked would be listed as
  // already there, not followed (a slow start, e.g. under ASan, did that).
  for (int i = 0; i < 100 && !has(follow.log(), "waiting for mail"); ++i)
    std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(has(follow.log(), "waiting for mail")) << follow.log();
  const auto mb = s.microblog_port();
  const std::string user = R"({"username":"susan","email":"susan@example.com",)"
                           R"("password":"susan-secret-1"})";
  res = http(mb, "POST", "/api/users", user, {{"Content-Type", "application/json"}});
  ASSERT_EQ(res.status, 201) << res.body;
  request_reset(mb, "susan%40example.com");

  const std::regex link_re("http://[0-9.]+:" + std::to_string(mb) +
                           "/auth/reset_password/[A-Za-z0-9._~-]+\n");
  std::smatch m;
  for (int i = 0; i < 100; ++i) {
    r = s.cmd({"mail"});
    if (std::regex_search(r.output, m, link_re)) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(std::regex_search(r.output, m, link_re)) << r.output;
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(has(r.output, "1 message in ")) << r.output;
  EXPECT_TRUE(has(r.output, "To:      susan@example.com\n")) << r.output;
  EXPECT_TRUE(has(r.output, "Subject: [Microblog] Reset Your Password\n")) << r.output;
  EXPECT_TRUE(has(r.output, "Dear susan,")) << r.output;
  // The link as printed opens the reset form.
  const std::string link = m[0].str();
  const auto path = link.substr(link.find("/auth/"), link.size() - link.find("/auth/") - 1);
  res = http(mb, "GET", path);
  EXPECT_EQ(res.status, 200) << path << "\n" << res.body;

  std::string followed;
  for (int i = 0; i < 50 && !has(followed, link); ++i) {
    std::this_thread::sleep_for(100ms);
    followed = follow.log();
  }
  EXPECT_TRUE(has(followed, link)) << followed;
  EXPECT_TRUE(has(followed, "Subject: [Microblog] Reset Your Password")) << followed;
  follow.signal(SIGTERM);
  follow.wait(5s);

  r = s.cmd({"mail", "--show", "2"});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(has(r.output, "no mail 2: the outboxes hold 1")) << r.output;

  auto down = s.stop();
  EXPECT_EQ(down.status, 0) << down.output;
  // The record outlives the run: the mail is still there to read.
  r = s.cmd({"mail", "--show", "1"});
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, link)) << r.output;
}

}  // namespace
