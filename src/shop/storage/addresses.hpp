#pragma once
// SQL for saved addresses (shop_addresses, the original's account_billingaddress).
#include <cstdint>
#include <optional>
#include <vector>

#include "platform/db/pool.hpp"
#include "shop/domain/validation.hpp"

namespace shop::storage {

struct Address {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  domain::AddressFields fields;
};

// The user's addresses in id order (the original's DB order).
std::vector<Address> list_addresses(ts::db::Pool& db, std::int64_t user_id);
std::optional<Address> find_address(ts::db::Pool& db, std::int64_t id);
std::int64_t insert_address(ts::db::Pool& db, std::int64_t user_id, const domain::AddressFields& a);
void update_address(ts::db::Pool& db, std::int64_t id, const domain::AddressFields& a);
// False when there was no such row.
bool delete_address(ts::db::Pool& db, std::int64_t id);

}  // namespace shop::storage
