#pragma once
// SQL for the product catalogue (table shop_products).
#include <cstdint>
#include <optional>
#include <string>
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
std::int64_t count_products(ts::db::Pool& db);

}  // namespace shop::storage
