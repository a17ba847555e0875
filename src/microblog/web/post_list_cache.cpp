#include "microblog/web/post_list_cache.hpp"

#include <utility>

namespace microblog::web {
namespace {

std::size_t cost(const std::string& key, const PostListCache::Entry& e) {
  return key.size() + e.markup.capacity() + PostListCache::kEntryOverhead;
}

}  // namespace

std::shared_ptr<const PostListCache::Entry> PostListCache::get(const std::string& key,
                                                               std::int64_t version) const {
  std::lock_guard lock(m_);
  auto it = map_.find(key);
  if (it == map_.end() || it->second->version != version) return nullptr;
  return it->second;
}

std::shared_ptr<const PostListCache::Entry> PostListCache::put(const std::string& key,
                                                               std::int64_t version,
                                                               std::string markup, bool has_more) {
  // Rendering reserves room for a whole page; a kept list holds only its text.
  markup.shrink_to_fit();
  auto e = std::make_shared<const Entry>(Entry{version, std::move(markup), has_more});
  std::lock_guard lock(m_);
  if (version < newest_) return e;  // rendered from a version already replaced
  if (version > newest_) {
    map_.clear();
    bytes_ = 0;
    newest_ = version;
  }
  if (auto it = map_.find(key); it != map_.end()) {
    bytes_ -= cost(it->first, *it->second);
    map_.erase(it);
  }
  const std::size_t size = cost(key, *e);
  if (size > kMaxBytes) return e;
  if (bytes_ + size > kMaxBytes) {
    map_.clear();
    bytes_ = 0;
  }
  map_.emplace(key, e);
  bytes_ += size;
  return e;
}

std::size_t PostListCache::bytes() const {
  std::lock_guard lock(m_);
  return bytes_;
}

std::size_t PostListCache::size() const {
  std::lock_guard lock(m_);
  return map_.size();
}

}  // namespace microblog::web
