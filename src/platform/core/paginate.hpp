#pragma once
// Page-number pagination, the arithmetic every list endpoint shares: which
// rows a page holds, and whether there are pages before and after it.
#include <algorithm>
#include <cstdint>

namespace ts::core {

struct Page {
  std::int64_t number = 1;  // 1-based
  std::int64_t size = 1;    // rows a page, >= 1

  // Rows to skip before this page's first.
  constexpr std::int64_t offset() const { return (number - 1) * size; }
  // One past this page's last row.
  constexpr std::int64_t end() const { return number * size; }
  constexpr bool has_previous() const { return number > 1; }
  constexpr bool has_next(std::int64_t total) const { return end() < total; }
  // Rows to ask for when the next page's existence is learnt by asking for
  // one row more (see drop_lookahead).
  constexpr std::int64_t lookahead_limit() const { return size + 1; }
};

// Lookahead paging, for lists that count nothing: fetch lookahead_limit()
// rows; if the extra row came, there is a next page and it is dropped.
template <class Rows>
bool drop_lookahead(Rows& rows, const Page& page) {
  if (static_cast<std::int64_t>(rows.size()) <= page.size) return false;
  rows.resize(static_cast<std::size_t>(page.size));
  return true;
}

// Pages that total rows fill (0 for none): the last page's number.
constexpr std::int64_t page_count(std::int64_t total, std::int64_t size) {
  size = std::max<std::int64_t>(size, 1);
  return total <= 0 ? 0 : (total + size - 1) / size;
}

// A page with its number and size brought into range (both at least 1), so
// that offset() is never negative whatever the request asked for.
constexpr Page paginate(std::int64_t number, std::int64_t size) {
  return Page{std::max<std::int64_t>(number, 1), std::max<std::int64_t>(size, 1)};
}

}  // namespace ts::core
