#pragma once
// SQL for the product catalogue (table shop_products).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/db/pool.hpp"

namespace shop::storage {

struct Product {
  std::int64_t id = 0;
  std::string name;
  std::string description;
  std::int64_t price_cents = 0;
  bool stock = false;
  std::optional<std::string> image;  // file name in the media directory
};

std::vector<Product> list_products(ts::db::Pool& db);
std::optional<Product> find_product(ts::db::Pool& db, std::int64_t id);
std::int64_t insert_product(ts::db::Connection& db, const Product& p);
std::int64_t insert_product(ts::db::Pool& db, const Product& p);
// False when no product has p.id.
bool update_product(ts::db::Pool& db, const Product& p);
// False when no product has that id. Orders keep their ordered_item text;
// their product_id becomes NULL (schema: ON DELETE SET NULL).
bool delete_product(ts::db::Pool& db, std::int64_t id);
std::int64_t count_products(ts::db::Pool& db);

// Case-insensitive substring search in name and description (the whole
// catalogue when q is empty), id order, one page.
struct ProductPage {
  std::int64_t count = 0;  // all matches, not only this page
  std::vector<Product> items;
};
ProductPage search_products(ts::db::Pool& db, std::string_view q, std::int64_t offset,
                            std::int64_t limit);
// q as a LIKE pattern matching it anywhere: %, _ and \ escaped (ESCAPE '\').
std::string contains_pattern(std::string_view q);

// Whether any product shows the image file `name` (before its file is removed).
bool image_in_use(ts::db::Pool& db, const std::string& name);

}  // namespace shop::storage
