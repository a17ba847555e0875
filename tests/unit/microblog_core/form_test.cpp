// The Cookie header and urlencoded body readers of every microblog page
// (microblog/web/form.hpp); fuzzed by tests/fuzz/fuzz_microblog_form.cpp.
#include "microblog/web/form.hpp"

#include <gtest/gtest.h>

namespace {

using microblog::web::find_cookie;
using microblog::web::parse_form;

TEST(Form, FirstValueOfEachNameDecoded) {
  const auto f = parse_form("username=susan&post=Hello%2C+world%21&username=other&remember_me");
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f.at("username"), "susan");
  EXPECT_EQ(f.at("post"), "Hello, world!");
  EXPECT_EQ(f.at("remember_me"), "");
}

TEST(Form, MalformedEscapesDropThePair) {
  const auto f = parse_form("a=%zz&a=ok&%G1=x");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f.at("a"), "ok");
}

// Found by fuzz_microblog_form (corpus/microblog_form/empty-pair-shadows):
// an empty pair read as the field "" with value "", hiding a later "=value".
TEST(Form, EmptyPairsNameNoField) {
  EXPECT_TRUE(parse_form("&&&").empty());
  const auto f = parse_form("&'=&=v&");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f.at("'"), "");
  EXPECT_EQ(f.at(""), "v");
}

TEST(Form, SessionCookieIsTheFirstItemNamedSession) {
  EXPECT_EQ(find_cookie("theme=dark; session=abc.def; lang=es", "session"), "abc.def");
  EXPECT_EQ(find_cookie(" \tsession= v \t;x=1", "session"), " v");
  EXPECT_EQ(find_cookie("session=first; session=second", "session"), "first");
  EXPECT_EQ(find_cookie("session; session=ok", "session"), "ok");
  EXPECT_EQ(find_cookie("xsession=1; session_id=2; sessions=3", "session"), std::nullopt);
  EXPECT_EQ(find_cookie("", "session"), std::nullopt);
}

}  // namespace
