// Value construction and Row conversions, without a database.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "platform/db/engines.hpp"
#include "platform/db/value.hpp"

namespace ts::db {
namespace {

Row make_row(std::vector<Value> cells) {
  auto cols = std::make_shared<std::vector<std::string>>();
  for (std::size_t i = 0; i < cells.size(); ++i) cols->push_back("c" + std::to_string(i));
  return Row(cols, std::move(cells));
}

TEST(ValueTest, ConstructsTheRightAlternative) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_TRUE(Value(nullptr).is_null());
  EXPECT_TRUE(Value(std::nullopt).is_null());
  EXPECT_TRUE(Value(static_cast<const char*>(nullptr)).is_null());
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(Value(7).variant()));
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(Value(7u).variant()));
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(Value(std::int16_t{7}).variant()));
  EXPECT_TRUE(std::holds_alternative<double>(Value(1.5f).variant()));
  EXPECT_TRUE(std::holds_alternative<bool>(Value(true).variant()));
  EXPECT_TRUE(std::holds_alternative<std::string>(Value("text").variant()));
  EXPECT_TRUE(std::holds_alternative<std::string>(Value(std::string_view("sv")).variant()));
  EXPECT_EQ(Value(std::optional<int>(3)), Value(3));
  EXPECT_TRUE(Value(std::optional<std::string>()).is_null());
  EXPECT_THROW(Value(std::numeric_limits<std::uint64_t>::max()), Error);
  Params p{1, "two", 3.0, false, nullptr};
  EXPECT_EQ(p.size(), 5u);
}

TEST(ValueTest, RowConvertsLenientlyButNeverLossily) {
  auto row = make_row({Value(std::int64_t{42}), Value("17"), Value(2.0), Value(2.5), Value("t"),
                       Value("abc"), Value(nullptr), Value(std::int64_t{2}), Value(300)});
  EXPECT_EQ(row.get<std::int64_t>(0), 42);
  EXPECT_EQ(row.get<std::int64_t>(1), 17);  // integer stored as text
  EXPECT_EQ(row.get<std::int64_t>(2), 2);   // whole double
  EXPECT_THROW(row.get<std::int64_t>(3), Error);
  EXPECT_DOUBLE_EQ(row.get<double>(0), 42.0);
  EXPECT_DOUBLE_EQ(row.get<double>(1), 17.0);
  EXPECT_TRUE(row.get<bool>(4));
  EXPECT_THROW(row.get<bool>(5), Error);
  EXPECT_THROW(row.get<bool>(7), Error);  // 2 is not a boolean
  EXPECT_THROW(row.get<std::int64_t>(5), Error);
  EXPECT_EQ(row.get<std::string>(0), "42");
  EXPECT_EQ(row.get<std::string>(3), "2.5");
  EXPECT_THROW(row.get<std::string>(6), Error);
  EXPECT_EQ(row.get<std::optional<double>>(6), std::nullopt);
  EXPECT_EQ(row.get<std::optional<int>>("c0"), 42);
  EXPECT_EQ(row.get<std::uint8_t>(1), 17);
  EXPECT_THROW(row.get<std::uint8_t>(8), Error);
  EXPECT_THROW(row.get<std::int8_t>(8), Error);
}

TEST(ValueTest, ConversionErrorsDoNotLeakContents) {
  auto row = make_row({Value("hunter2-password")});
  try {
    row.get<std::int64_t>(0);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("c0"), std::string::npos);
  }
}

TEST(ValueTest, ScrubRemovesParameterValuesFromMessages) {
  const Params params{"hunter2-secret", 12345678, "ab"};
  EXPECT_EQ(detail::scrub_params("invalid input: \"hunter2-secret\"", params),
            "invalid input: \"***\"");
  EXPECT_EQ(detail::scrub_params("value 12345678 out of range", params), "value *** out of range");
  EXPECT_EQ(detail::scrub_params("bad \"ab\" near about", params), "bad \"***\" near about");
}

TEST(ValueTest, ResultScalarNeedsExactlyOneRow) {
  Result empty;
  EXPECT_THROW(empty.scalar<int>(), Error);
  auto cols = std::make_shared<std::vector<std::string>>(std::vector<std::string>{"n"});
  Result one(cols, {Row(cols, {Value(5)})}, 0);
  EXPECT_EQ(one.scalar<int>(), 5);
  EXPECT_THROW(one.at(1), Error);
}

}  // namespace
}  // namespace ts::db
