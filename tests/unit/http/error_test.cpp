#include "platform/http/error.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "platform/http/message.hpp"

using ts::http::HttpError;

TEST(HttpError, DetailBody) {
  const HttpError e(403, "You do not have permission.");
  EXPECT_EQ(e.status(), 403);
  EXPECT_STREQ(e.what(), "You do not have permission.");
  EXPECT_EQ(boost::json::serialize(e.body()), R"({"detail":"You do not have permission."})");
}

TEST(HttpError, NamedConstructors) {
  EXPECT_EQ(HttpError::bad_request("x").status(), 400);
  EXPECT_EQ(HttpError::unauthorized("x").status(), 401);
  EXPECT_EQ(HttpError::forbidden("x").status(), 403);
  EXPECT_EQ(HttpError::conflict("x").status(), 409);
  EXPECT_EQ(HttpError::unavailable("x").status(), 503);
  const auto nf = HttpError::not_found();
  EXPECT_EQ(nf.status(), 404);
  EXPECT_EQ(nf.body().at("detail").as_string(), "Not found.");
}

TEST(HttpError, FieldsGroupsMessagesPerFieldInOrder) {
  const auto e = HttpError::fields({{"username", "This field is required."},
                                    {"email", "Enter a valid email address."},
                                    {"username", "Too short."}});
  EXPECT_EQ(e.status(), 400);
  const auto& body = e.body().as_object();
  ASSERT_EQ(body.size(), 2u);
  EXPECT_EQ(body.at("username"), (boost::json::array{"This field is required.", "Too short."}));
  EXPECT_EQ(body.at("email"), (boost::json::array{"Enter a valid email address."}));
  // Field order is the order of first appearance.
  EXPECT_EQ(body.begin()->key(), "username");
  EXPECT_EQ(boost::json::serialize(e.body()),
            R"({"username":["This field is required.","Too short."],)"
            R"("email":["Enter a valid email address."]})");
}

TEST(HttpError, CustomBodyIsKept) {
  const HttpError e(402, boost::json::value(boost::json::object{{"code", "card_declined"}}));
  EXPECT_EQ(e.status(), 402);
  EXPECT_EQ(boost::json::serialize(e.body()), R"({"code":"card_declined"})");
  EXPECT_STREQ(e.what(), R"({"code":"card_declined"})");
}

TEST(HttpError, ToResponseCarriesStatusJsonAndHeaders) {
  auto e = HttpError(429, "Request was throttled.");
  e.with_header("Retry-After", "7").with_header("X-Extra", "a");
  const auto r = e.to_response();
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(r.headers.get("retry-after"), "7");
  EXPECT_EQ(r.headers.get("X-Extra"), "a");
  EXPECT_EQ(r.body, R"({"detail":"Request was throttled."})");
  EXPECT_FALSE(r.close);

  // A repeated header name replaces the earlier value, as Response::headers.set does.
  auto twice = HttpError(401, "x");
  twice.with_header("WWW-Authenticate", "Bearer").with_header("www-authenticate", "Token");
  const auto r2 = twice.to_response();
  EXPECT_EQ(r2.headers.get("WWW-Authenticate"), "Token");
  int n = 0;
  for (const auto& f : r2.headers) n += ts::http::iequals(f.name, "WWW-Authenticate");
  EXPECT_EQ(n, 1);
}

TEST(HttpError, DetailJsonEscapes) {
  EXPECT_EQ(ts::http::detail_json("plain"), R"({"detail":"plain"})");
  EXPECT_EQ(ts::http::detail_json("say \"hi\"\n"), R"({"detail":"say \"hi\"\n"})");
}
