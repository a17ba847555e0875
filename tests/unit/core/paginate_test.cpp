#include "platform/core/paginate.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace ts::core;

namespace {

TEST(Page, RowsOfAPage) {
  constexpr Page first{1, 10};
  static_assert(first.offset() == 0 && first.end() == 10);
  const Page third{3, 25};
  EXPECT_EQ(third.offset(), 50);
  EXPECT_EQ(third.end(), 75);
  EXPECT_EQ(third.lookahead_limit(), 26);
}

TEST(Page, NeighboursAgainstTheTotal) {
  EXPECT_FALSE((Page{1, 10}.has_previous()));
  EXPECT_TRUE((Page{2, 10}.has_previous()));
  EXPECT_FALSE((Page{1, 10}.has_next(0))) << "empty list";
  EXPECT_FALSE((Page{1, 10}.has_next(10))) << "exactly one full page";
  EXPECT_TRUE((Page{1, 10}.has_next(11)));
  EXPECT_FALSE((Page{2, 10}.has_next(11)));
  EXPECT_FALSE((Page{5, 10}.has_next(11))) << "past the end";
}

TEST(PageCount, CeilingOfRowsOverSize) {
  EXPECT_EQ(page_count(0, 10), 0);
  EXPECT_EQ(page_count(1, 10), 1);
  EXPECT_EQ(page_count(10, 10), 1);
  EXPECT_EQ(page_count(11, 10), 2);
  EXPECT_EQ(page_count(-3, 10), 0);
  EXPECT_EQ(page_count(5, 0), 5) << "a size below 1 counts as 1";
}

TEST(Paginate, BringsNumberAndSizeIntoRange) {
  EXPECT_EQ(paginate(0, 0).number, 1);
  EXPECT_EQ(paginate(0, 0).size, 1);
  EXPECT_EQ(paginate(-7, 20).offset(), 0);
  EXPECT_EQ(paginate(4, 50).offset(), 150);
}

TEST(DropLookahead, TheExtraRowOnlySaysThereIsMore) {
  const Page page{1, 3};
  std::vector<int> rows{1, 2, 3, 4};
  EXPECT_TRUE(drop_lookahead(rows, page));
  EXPECT_EQ(rows, (std::vector<int>{1, 2, 3}));
  EXPECT_FALSE(drop_lookahead(rows, page)) << "a full page without the extra row is the last";
  std::vector<int> none;
  EXPECT_FALSE(drop_lookahead(none, page));
}

}  // namespace
