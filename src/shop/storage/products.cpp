#include "shop/storage/products.hpp"

#include "shop/storage/tables.hpp"

#include "shop/domain/timestamps.hpp"

namespace shop::storage {
namespace {

std::vector<Product> decode_all(const ts::db::Result& rows) {
  std::vector<Product> out;
  out.reserve(rows.size());
  for (const auto& row : rows) out.push_back(product_view().decode(row));
  return out;
}

ts::db::Value image_value(const Product& p) {
  return p.image ? ts::db::Value(*p.image) : ts::db::Value(nullptr);
}

// lower() on both sides: ASCII folding on SQLite, Unicode on PostgreSQL, the
// same rule for the column and the pattern on each.
constexpr const char* kMatch =
    "(lower(name) LIKE lower($1) ESCAPE '\\' OR lower(description) LIKE lower($1) ESCAPE '\\')";
}  // namespace

std::vector<Product> list_products(ts::db::Pool& db) {
  return decode_all(db.query(product_view().select_sql() + "ORDER BY id"));
}

std::optional<Product> find_product(ts::db::Pool& db, std::int64_t id) {
  const auto result = db.query(product_view().select_sql() + "WHERE id = $1", {id});
  if (result.empty()) return std::nullopt;
  return product_view().decode(result[0]);
}

std::int64_t insert_product(ts::db::Connection& db, const Product& p) {
  static const ts::db::RowInserter<ProductRow> products(products_table());
  return products.insert(db, {p, domain::format_db_timestamp(domain::now_timestamp())});
}

std::int64_t insert_product(ts::db::Pool& db, const Product& p) {
  auto lease = db.acquire();
  return insert_product(*lease, p);
}

bool update_product(ts::db::Pool& db, const Product& p) {
  const auto result = db.query(
      "UPDATE shop_products SET name = $2, description = $3, price_cents = $4, stock = $5, "
      "image = $6 WHERE id = $1 RETURNING id",
      {p.id, p.name, p.description, p.price_cents, static_cast<std::int64_t>(p.stock ? 1 : 0),
       image_value(p)});
  return !result.empty();
}

bool delete_product(ts::db::Pool& db, std::int64_t id) {
  return !db.query("DELETE FROM shop_products WHERE id = $1 RETURNING id", {id}).empty();
}

std::int64_t count_products(ts::db::Pool& db) {
  return db.query("SELECT COUNT(*) FROM shop_products").scalar<std::int64_t>();
}

std::string contains_pattern(std::string_view q) {
  std::string out = "%";
  for (char c : q) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('%');
  return out;
}

ProductPage search_products(ts::db::Pool& db, std::string_view q, std::int64_t offset,
                            std::int64_t limit) {
  ProductPage page;
  if (q.empty()) {
    page.count = count_products(db);
    page.items = decode_all(
        db.query(product_view().select_sql() + "ORDER BY id LIMIT $1 OFFSET $2", {limit, offset}));
    return page;
  }
  const auto pattern = contains_pattern(q);
  page.count =
      db.query(std::string("SELECT COUNT(*) FROM shop_products WHERE ") + kMatch, {pattern})
          .scalar<std::int64_t>();
  page.items = decode_all(
      db.query(product_view().select_sql() + "WHERE " + kMatch + " ORDER BY id LIMIT $2 OFFSET $3",
               {pattern, limit, offset}));
  return page;
}

bool image_in_use(ts::db::Pool& db, const std::string& name) {
  return db.query("SELECT COUNT(*) FROM shop_products WHERE image = $1", {name})
             .scalar<std::int64_t>() > 0;
}

}  // namespace shop::storage
