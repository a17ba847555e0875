// The shop's resident memory around large answers: an answer of megabytes is
// given back to the system once sent, whichever worker thread built it.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "shop_fixture.hpp"

using namespace shop_test;

namespace {

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  long value = 0;
  while (in >> key) {
    if (key == "VmRSS:") {
      in >> value;
      return value;
    }
    in.ignore(1 << 12, '\n');
  }
  return -1;
}

}  // namespace

// Ten admin order lists of 15,000 orders (about 4.5 MB of JSON each) in a
// row. glibc's default mmap threshold rises to the largest mapped block
// freed, after which each worker thread that built such an answer kept it in
// its malloc arena: +4 MiB a request up to the worker count (16 -> 50 MiB in
// bench/reads.sh). The services fix the threshold (ts::service::run).
TEST(ShopMemory, LargeAnswersGoBackToTheSystem) {
  ShopServer srv("sqlite");
  auto [status, log] = shop_cmd({"seed", "--users", "300", "--orders", "15000", "--seed", "1"},
                                shop_env(srv.db_url()));
  ASSERT_EQ(status, 0) << log;
  const auto admin = srv.make_admin("boss", "boss-password-0123");
  const pid_t pid = srv.service().process().pid();
  auto list = [&] {
    const auto r = srv.get("/account/all-orders-list/", admin);
    ASSERT_EQ(r.status, 200);
    EXPECT_GT(r.body.size(), 4'000'000U);
  };
  list();
  const long after_first = rss_kib(pid);
  ASSERT_GT(after_first, 0);
  for (int i = 0; i < 10; ++i) list();
  const long after_ten = rss_kib(pid);
  EXPECT_LT(after_ten - after_first, 8 * 1024)
      << "RSS " << after_first / 1024 << " MiB after one list, " << after_ten / 1024
      << " MiB after ten more";
}
