// Stored and displayed timestamp formats.
#include "shop/domain/timestamps.hpp"

#include <gtest/gtest.h>

namespace shop::domain {
namespace {

TEST(Timestamps, DbRoundTrip) {
  const auto t = parse_db_timestamp("2021-06-29T16:03:10.030860Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_db_timestamp(*t), "2021-06-29T16:03:10.030860Z");
  // Imported Django rows: space separator, no zone, optional fraction.
  EXPECT_EQ(format_db_timestamp(parse_db_timestamp("2021-06-29 16:03:10.03086").value()),
            "2021-06-29T16:03:10.030860Z");
  EXPECT_EQ(format_db_timestamp(parse_db_timestamp("2022-07-16 02:21:55").value()),
            "2022-07-16T02:21:55.000000Z");
  const auto now = now_timestamp();
  EXPECT_EQ(parse_db_timestamp(format_db_timestamp(now)), now);
}

TEST(Timestamps, SortAsText) {
  const auto a = format_db_timestamp(parse_db_timestamp("2021-06-29 16:03:10").value());
  const auto b = format_db_timestamp(parse_db_timestamp("2021-10-01 00:00:00.5").value());
  EXPECT_LT(a, b);
  EXPECT_EQ(a.size(), b.size());
}

TEST(Timestamps, RejectsGarbage) {
  for (const char* s :
       {"", "2021-06-29", "2021-13-01T00:00:00Z", "2021-02-30T00:00:00Z", "2021-06-29T24:00:00Z",
        "2021-06-29T16:03:10.Z", "2021-06-29T16:03:10+01:00", "yesterday"})
    EXPECT_FALSE(parse_db_timestamp(s)) << s;
}

TEST(Timestamps, ApiShowsKolkataTime) {
  EXPECT_EQ(format_api_datetime(parse_db_timestamp("2021-06-29T16:03:10.030860Z").value()),
            "2021-06-29T21:33:10.030860+05:30");
  EXPECT_EQ(format_api_datetime(parse_db_timestamp("2023-05-12T05:20:23Z").value()),
            "2023-05-12T10:50:23+05:30");
  EXPECT_EQ(format_api_datetime(parse_db_timestamp("2023-12-31T20:00:00Z").value()),
            "2024-01-01T01:30:00+05:30");
}

}  // namespace
}  // namespace shop::domain
