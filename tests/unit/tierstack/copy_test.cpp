// db copy's small pieces: the row counts it prints and the row checksum.
#include <gtest/gtest.h>

#include "tierstack/db/copy/copy_internal.hpp"

using tierstack::copy_detail::RowHasher;
using tierstack::copy_detail::thousands;

TEST(TierstackCopy, ThousandsSeparatesGroupsOfThree) {
  EXPECT_EQ(thousands(0), "0");
  EXPECT_EQ(thousands(999), "999");
  EXPECT_EQ(thousands(1000), "1,000");
  EXPECT_EQ(thousands(1234567), "1,234,567");
  EXPECT_EQ(thousands(-123), "-123");
  EXPECT_EQ(thousands(-1234), "-1,234");
}

TEST(TierstackCopy, TheChecksumOfNoRowsIsSha256OfNothing) {
  RowHasher h;
  EXPECT_EQ(h.rows(), 0);
  EXPECT_EQ(h.hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
