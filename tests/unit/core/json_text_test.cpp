#include "platform/core/json_text.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdint>
#include <limits>
#include <string>

using namespace ts;

namespace {
std::string quoted(std::string_view v) {
  std::string out;
  json_text::append_string(out, v);
  return out;
}
}  // namespace

TEST(JsonText, StringsMatchBoostJsonByteForByte) {
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes.push_back(static_cast<char>(c));
  for (std::string_view v :
       {std::string_view(""), std::string_view("plain"), std::string_view("say \"hi\" \\ bye"),
        std::string_view("tab\there\nnew\rret\bback\fform"), std::string_view("\x01\x1f\x7f"),
        std::string_view("caf\xc3\xa9 \xe2\x82\xac </script>"), std::string_view("nul\0byte", 8),
        std::string_view(all_bytes.data(), 128)}) {
    EXPECT_EQ(quoted(v), boost::json::serialize(boost::json::string(v))) << v;
    // And it parses back to the same bytes.
    EXPECT_EQ(boost::json::parse(quoted(v)).as_string(), v);
  }
}

TEST(JsonText, AppendsToWhatIsThere) {
  std::string out = "{\"k\":";
  json_text::append_string(out, "v");
  out += ",\"n\":";
  json_text::append_int(out, -42);
  out += ",\"a\":";
  json_text::append_string_or_null(out, std::nullopt);
  out += ",\"b\":";
  json_text::append_string_or_null(out, std::string("x\"y"));
  out += '}';
  EXPECT_EQ(out, R"({"k":"v","n":-42,"a":null,"b":"x\"y"})");
}

TEST(JsonText, IntegersMatchBoostJson) {
  for (std::int64_t v :
       {std::int64_t{0}, std::int64_t{7}, std::int64_t{-1},
        std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()}) {
    std::string out;
    json_text::append_int(out, v);
    EXPECT_EQ(out, boost::json::serialize(boost::json::value(v)));
  }
}
