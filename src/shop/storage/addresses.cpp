#include "shop/storage/addresses.hpp"

namespace shop::storage {
namespace {
constexpr const char* kSelect =
    "SELECT id, user_id, name, phone_number, pin_code, house_no, landmark, city, state "
    "FROM shop_addresses ";

Address from_row(const ts::db::Row& r) {
  Address a;
  a.id = r.get<std::int64_t>(0);
  a.user_id = r.get<std::int64_t>(1);
  a.fields.name = r.get<std::string>(2);
  a.fields.phone_number = r.get<std::string>(3);
  a.fields.pin_code = r.get<std::string>(4);
  a.fields.house_no = r.get<std::string>(5);
  a.fields.landmark = r.get<std::string>(6);
  a.fields.city = r.get<std::string>(7);
  a.fields.state = r.get<std::string>(8);
  return a;
}
}  // namespace

std::vector<Address> list_addresses(ts::db::Pool& db, std::int64_t user_id) {
  const auto result = db.query(std::string(kSelect) + "WHERE user_id = $1 ORDER BY id", {user_id});
  std::vector<Address> out;
  out.reserve(result.size());
  for (const auto& row : result) out.push_back(from_row(row));
  return out;
}

std::optional<Address> find_address(ts::db::Pool& db, std::int64_t id) {
  const auto result = db.query(std::string(kSelect) + "WHERE id = $1", {id});
  if (result.empty()) return std::nullopt;
  return from_row(result[0]);
}

std::int64_t insert_address(ts::db::Pool& db, std::int64_t user_id,
                            const domain::AddressFields& a) {
  return db
      .query(
          "INSERT INTO shop_addresses (user_id, name, phone_number, pin_code, house_no, landmark, "
          "city, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
          {user_id, a.name, a.phone_number, a.pin_code, a.house_no, a.landmark, a.city, a.state})
      .scalar<std::int64_t>();
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
