#pragma once
// Rendered lists of posts (web::Page::posts_html_cached) by list, page and
// locale, each valid at the content version it was rendered at
// (storage::bump_content_version). The version is one counter for the whole
// database, so an entry rendered at an older version can never be served
// again: the first entry of a newer version drops them all, and an entry
// rendered from an older version than the newest seen is not kept. What is
// left is bounded: the bytes the entries hold (their keys, the markup's
// capacity and a per-entry allowance) stay under kMaxBytes; an entry that
// would cross it empties the cache first. In a steady stream of posts the
// cache therefore holds one version's lists, not the history of every list.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace microblog::web {

class PostListCache {
 public:
  struct Entry {
    std::int64_t version;
    std::string markup;
    bool has_more;
  };
  static constexpr std::size_t kMaxBytes = std::size_t{2} << 20;
  // Map node, shared_ptr control block and Entry besides the two strings.
  static constexpr std::size_t kEntryOverhead = 160;

  // The entry for key if it was rendered at `version`.
  std::shared_ptr<const Entry> get(const std::string& key, std::int64_t version) const;
  // Stores (when `version` is not older than the newest seen) and returns
  // the entry either way.
  std::shared_ptr<const Entry> put(const std::string& key, std::int64_t version, std::string markup,
                                   bool has_more);

  std::size_t bytes() const;
  std::size_t size() const;

 private:
  mutable std::mutex m_;
  std::unordered_map<std::string, std::shared_ptr<const Entry>> map_;
  std::size_t bytes_ = 0;
  std::int64_t newest_ = 0;
};

}  // namespace microblog::web
