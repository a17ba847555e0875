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

ts::db::Value image_value(const Product& p) {
  return p.image ? ts::db::Value(*p.image) : ts::db::Value(nullptr);
}

// lower() on both sides: ASCII folding on SQLite, Unicode on PostgreSQL, the
// same rule for the column and the pattern on each.
constexpr const char* kMatch =
    "(lower(name) LIKE lower($1) ESCAPE '\\' OR lower(description) LIKE lower($1) ESCAPE '\\')";
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
       image_value(p), domain::format_db_timestamp(domain::now_timestamp())});
  return result.scalar<std::int64_t>();
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
    const auto rows = db.query(
        std::string("SELECT ") + kColumns + " FROM shop_products ORDER BY id LIMIT $1 OFFSET $2",
        {limit, offset});
    for (const auto& r : rows) page.items.push_back(from_row(r));
    return page;
  }
  const auto pattern = contains_pattern(q);
  page.count =
      db.query(std::string("SELECT COUNT(*) FROM shop_products WHERE ") + kMatch, {pattern})
          .scalar<std::int64_t>();
  const auto rows = db.query(std::string("SELECT ") + kColumns + " FROM shop_products WHERE " +
                                 kMatch + " ORDER BY id LIMIT $2 OFFSET $3",
                             {pattern, limit, offset});
  for (const auto& r : rows) page.items.push_back(from_row(r));
  return page;
}

bool image_in_use(ts::db::Pool& db, const std::string& name) {
  return db.query("SELECT COUNT(*) FROM shop_products WHERE image = $1", {name})
             .scalar<std::int64_t>() > 0;
}

}  // namespace shop::storage
