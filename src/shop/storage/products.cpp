#include "shop/storage/products.hpp"

#include "shop/domain/timestamps.hpp"

namespace shop::storage {
namespace {
constexpr const char* kColumns = "id, name, description, price_cents, stock, image";

Product from_row(const ts::db::Row& r) {
  Product p;
  p.id = r.get<std::int64_t>(0);
  p.name = r.get<std::string>(1);
  p.description = r.get<std::string>(2);
  p.price_cents = r.get<std::int64_t>(3);
  p.stock = r.get<bool>(4);
  p.image = r.get<std::optional<std::string>>(5);
  return p;
}
}  // namespace

std::vector<Product> list_products(ts::db::Pool& db) {
  const auto result =
      db.query(std::string("SELECT ") + kColumns + " FROM shop_products ORDER BY id");
  std::vector<Product> out;
  out.reserve(result.size());
  for (const auto& row : result) out.push_back(from_row(row));
  return out;
}

std::optional<Product> find_product(ts::db::Pool& db, std::int64_t id) {
  const auto result =
      db.query(std::string("SELECT ") + kColumns + " FROM shop_products WHERE id = $1", {id});
  if (result.empty()) return std::nullopt;
  return from_row(result[0]);
}

std::int64_t insert_product(ts::db::Connection& db, const Product& p) {
  const auto result = db.query(
      "INSERT INTO shop_products (name, description, price_cents, stock, image, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
      {p.name, p.description, p.price_cents, static_cast<std::int64_t>(p.stock ? 1 : 0),
       p.image ? ts::db::Value(*p.image) : ts::db::Value(nullptr),
       domain::format_db_timestamp(domain::now_timestamp())});
  return result.scalar<std::int64_t>();
}

std::int64_t count_products(ts::db::Pool& db) {
  return db.query("SELECT COUNT(*) FROM shop_products").scalar<std::int64_t>();
}

}  // namespace shop::storage
