// The cache of rendered post lists keeps only entries of the newest content
// version, and the bytes it holds stay under its bound.
#include <gtest/gtest.h>

#include <string>

#include "microblog/web/post_list_cache.hpp"

using microblog::web::PostListCache;

namespace {

std::string page(std::size_t n, char c = 'x') {
  return std::string(n, c);
}

}  // namespace

TEST(PostListCache, ServesAnEntryOnlyAtItsVersion) {
  PostListCache cache;
  cache.put("index|1|en", 7, page(100), true);
  const auto hit = cache.get("index|1|en", 7);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->markup, page(100));
  EXPECT_TRUE(hit->has_more);
  EXPECT_FALSE(cache.get("index|1|en", 8));
  EXPECT_FALSE(cache.get("index|2|en", 7));
}

TEST(PostListCache, ANewerVersionDropsEveryOlderEntry) {
  PostListCache cache;
  for (int i = 0; i < 10; ++i) cache.put("explore|" + std::to_string(i), 3, page(1000), false);
  EXPECT_EQ(cache.size(), 10u);
  cache.put("explore|0", 4, page(500), false);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_FALSE(cache.get("explore|1", 3));
  EXPECT_EQ(cache.bytes(), std::string("explore|0").size() +
                               cache.get("explore|0", 4)->markup.capacity() +
                               PostListCache::kEntryOverhead);
}

TEST(PostListCache, AListRenderedFromAReplacedVersionIsReturnedButNotKept) {
  PostListCache cache;
  cache.put("a", 5, page(10), false);
  const auto old = cache.put("b", 4, page(20, 'y'), true);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->markup, page(20, 'y'));
  EXPECT_FALSE(cache.get("b", 4));
  EXPECT_TRUE(cache.get("a", 5));
  EXPECT_EQ(cache.size(), 1u);
}

TEST(PostListCache, KeepsOnlyTheTextNotTheRenderBuffer) {
  PostListCache cache;
  std::string markup;
  markup.reserve(32 << 10);  // what Templates::render reserves for a page
  markup.append(page(300));
  cache.put("k", 1, std::move(markup), false);
  EXPECT_LT(cache.get("k", 1)->markup.capacity(), std::size_t{1024});
  EXPECT_LT(cache.bytes(), std::size_t{2048});
}

TEST(PostListCache, BytesStayUnderTheBound) {
  PostListCache cache;
  const std::size_t entry = 20'000;
  for (int i = 0; i < 1000; ++i) {
    cache.put("user|" + std::to_string(i), 9, page(entry), i % 2 == 0);
    ASSERT_LE(cache.bytes(), PostListCache::kMaxBytes);
  }
  EXPECT_GT(cache.size(), 0u);
  // The newest entry is always there after a put.
  EXPECT_TRUE(cache.get("user|999", 9));
  // Replacing an entry does not count it twice.
  const auto before = cache.bytes();
  cache.put("user|999", 9, page(entry), false);
  EXPECT_EQ(cache.bytes(), before);
}

TEST(PostListCache, AnEntryLargerThanTheBoundIsNotKept) {
  PostListCache cache;
  cache.put("small", 1, page(10), false);
  const auto big = cache.put("big", 1, page(PostListCache::kMaxBytes), false);
  EXPECT_EQ(big->markup.size(), PostListCache::kMaxBytes);
  EXPECT_FALSE(cache.get("big", 1));
  EXPECT_TRUE(cache.get("small", 1));
}
