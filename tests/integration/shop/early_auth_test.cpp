// Issue 12, item 5: the shop's routes that need a login (or staff) refuse an
// anonymous request on its header, before reading its body — an anonymous
// upload declaring megabytes is answered 401 at once and the connection
// closed. On SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "shop_fixture.hpp"

namespace {

using namespace shop_test;
using namespace std::chrono_literals;

class EarlyAuth : public ::testing::TestWithParam<std::string> {};

// A request header declaring a body that never comes. The body timeout is
// long, so only an answer given on the header arrives within the read timeout.
std::string header_only(const std::string& method, const std::string& path, std::size_t length,
                        const std::string& extra = "") {
  return method + " " + path + " HTTP/1.1\r\nHost: shop.example\r\n" +
         "Content-Type: multipart/form-data; boundary=----tierstack\r\n" +
         "Content-Length: " + std::to_string(length) + "\r\n" + extra + "\r\n";
}

TEST_P(EarlyAuth, AnonymousProductUploadIsRefusedBeforeTheBody) {
  ShopServer srv(GetParam(), {{"SHOP_BODY_TIMEOUT_MS", "120000"}});
  HttpClient c(srv.port());
  auto r = c.raw(header_only("POST", "/api/product-create/", 5'000'000), 5s);
  ASSERT_TRUE(r) << "no answer before the body";
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(json(*r).at("detail"), "Authentication credentials were not provided.");
  EXPECT_EQ(r->header("www-authenticate"), "Bearer realm=\"api\"");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.is_closed_by_peer());
}

TEST_P(EarlyAuth, NonStaffAndBadTokensAreRefusedBeforeTheBody) {
  ShopServer srv(GetParam(), {{"SHOP_BODY_TIMEOUT_MS", "120000"}});
  srv.register_user("early", "a-long-password-1", "early@example.com");
  const auto token = srv.login("early", "a-long-password-1");
  {
    HttpClient c(srv.port());
    auto r = c.raw(header_only("PUT", "/api/product-update/1/", 5'000'000,
                               "Authorization: Bearer " + token + "\r\n"),
                   5s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403);
    EXPECT_EQ(json(*r).at("detail"), "You do not have permission to perform this action.");
    EXPECT_TRUE(c.is_closed_by_peer());
  }
  {
    HttpClient c(srv.port());
    auto r = c.raw(
        header_only("POST", "/api/product-create/", 5'000'000, "Authorization: Bearer nope\r\n"),
        5s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(json(*r).at("code"), "token_not_valid");
  }
  // A signed-in route with a JSON body: anonymous is refused on the header too.
  HttpClient c(srv.port());
  auto r = c.raw(
      "POST /account/create-address/ HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: application/json\r\nContent-Length: 500000\r\n\r\n",
      5s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
}

TEST_P(EarlyAuth, AdminUploadStillGoesThrough) {
  ShopServer srv(GetParam());
  const auto admin = srv.make_admin("boss", "a-long-password-2");
  // A multipart body that fails validation (no fields): the body was read
  // and handed to the handler, which answers with its field errors (not the
  // 401/403 of the access rule).
  const std::string body =
      "------tierstack\r\nContent-Disposition: form-data; name=\"unused\"\r\n\r\nx\r\n"
      "------tierstack--\r\n";
  auto r = srv.send("POST", "/api/product-create/", body,
                    {{"Content-Type", "multipart/form-data; boundary=----tierstack"}}, admin);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_TRUE(json(r).as_object().contains("detail")) << r.body;
}

INSTANTIATE_TEST_SUITE_P(Engines, EarlyAuth, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
