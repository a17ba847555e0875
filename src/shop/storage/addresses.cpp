#include "shop/storage/addresses.hpp"

#include "shop/storage/tables.hpp"

namespace shop::storage {
std::vector<Address> list_addresses(ts::db::Pool& db, std::int64_t user_id) {
  const auto result =
      db.query(addresses_table().select_sql() + "WHERE user_id = $1 ORDER BY id", {user_id});
  std::vector<Address> out;
  out.reserve(result.size());
  for (const auto& row : result) out.push_back(addresses_table().decode(row));
  return out;
}

std::optional<Address> find_address(ts::db::Pool& db, std::int64_t id) {
  const auto result = db.query(addresses_table().select_sql() + "WHERE id = $1", {id});
  if (result.empty()) return std::nullopt;
  return addresses_table().decode(result[0]);
}

std::int64_t insert_address(ts::db::Pool& db, std::int64_t user_id,
                            const domain::AddressFields& a) {
  static const ts::db::RowInserter<Address> addresses(addresses_table());
  return addresses.insert(db, {0, user_id, a});
}

void update_address(ts::db::Pool& db, std::int64_t id, const domain::AddressFields& a) {
  db.query(
      "UPDATE shop_addresses SET name = $1, phone_number = $2, pin_code = $3, house_no = $4, "
      "landmark = $5, city = $6, state = $7 WHERE id = $8",
      {a.name, a.phone_number, a.pin_code, a.house_no, a.landmark, a.city, a.state, id});
}

bool delete_address(ts::db::Pool& db, std::int64_t id) {
  return db.query("DELETE FROM shop_addresses WHERE id = $1", {id}).affected_rows() > 0;
}

}  // namespace shop::storage
