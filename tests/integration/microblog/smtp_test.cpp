// Mail over real SMTP (Debian's python3-aiosmtpd as the listener): the reset
// link and the export attachment arrive through libcurl.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "mb_fixture.hpp"

using namespace mb_test;
using namespace std::chrono_literals;

namespace {

unsigned short free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

class MbSmtp : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    // Never a skip: without the listener the mail path would go untested.
    ASSERT_EQ(std::system("/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null"), 0)
        << "python3-aiosmtpd is required for the SMTP tests: run scripts/install-deps "
           "(scripts/deps.d/microblog.sh installs it) or apt-get install python3-aiosmtpd";
    port_ = free_port();
    smtp_ =
        std::make_unique<Process>("/usr/bin/python3",
                                  std::vector<std::string>{"-u", "-m", "aiosmtpd", "-n", "-l",
                                                           "127.0.0.1:" + std::to_string(port_)},
                                  std::map<std::string, std::string>{{"PATH", "/usr/bin:/bin"}},
                                  (dir_.path() / "smtp.log").string());
    for (int i = 0; i < 100 && !can_connect(port_); ++i) std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(can_connect(port_));
    srv_ = std::make_unique<MbServer>(
        GetParam(),
        std::map<std::string, std::string>{{"MICROBLOG_MAIL_SERVER", "127.0.0.1"},
                                           {"MICROBLOG_MAIL_PORT", std::to_string(port_)},
                                           {"MICROBLOG_MAIL_SENDER", "admin@example.com"}});
  }
  std::string wait_for(const std::string& needle) {
    for (int i = 0; i < 200; ++i) {
      auto log = smtp_->log();
      if (contains(log, needle)) return log;
      std::this_thread::sleep_for(50ms);
    }
    return smtp_->log();
  }
  TempDir dir_;
  unsigned short port_ = 0;
  std::unique_ptr<Process> smtp_;
  std::unique_ptr<MbServer> srv_;
};

}  // namespace

TEST_P(MbSmtp, ResetAndExportMailsAreDelivered) {
  Browser b(*srv_);
  ASSERT_TRUE(b.register_user("john", "secret-pw-1", "john@example.com"));
  b.post("/auth/reset_password_request", {{"email", "john@example.com"}});
  auto log = wait_for("Reset Your Password");
  EXPECT_TRUE(contains(log, "Subject: [Microblog] Reset Your Password")) << log;
  EXPECT_TRUE(contains(log, "From: admin@example.com")) << log;
  EXPECT_TRUE(outbox_messages(srv_->outbox()).empty());

  ASSERT_TRUE(b.login("john", "secret-pw-1"));
  b.post("/index", {{"post", "to be exported"}});
  b.post("/export_posts", {}, true, "/user/john");
  log = wait_for("posts.json");
  EXPECT_TRUE(contains(log, "Subject: [Microblog] Your blog posts")) << log;
  EXPECT_TRUE(contains(log, "filename=\"posts.json\"")) << log;
}

INSTANTIATE_TEST_SUITE_P(Db, MbSmtp, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });
