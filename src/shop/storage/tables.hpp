#pragma once
// The shop's tables as stored, each column written once (tables.cpp), and a
// bulk writer per table for the commands that load many rows: `shop seed`
// and `shop import-django`. Rows are the columns as they are, not the
// domain's view of them (see users.hpp, orders.hpp … for that).
#include <cstdint>
#include <optional>
#include <string>

#include "platform/db/table.hpp"

namespace shop::storage {

struct UserRow {
  std::int64_t id = 0;
  std::string username, email, password_hash;
  bool is_staff = false, is_active = true, is_superuser = false;
  std::string date_joined;
  std::optional<std::string> last_login;
  bool password_reset_required = false;
};

struct ProductRow {
  std::int64_t id = 0;
  std::string name, description;
  std::int64_t price_cents = 0;
  bool stock = false;
  std::optional<std::string> image;
  std::string created_at;
};

struct AddressRow {
  std::int64_t id = 0, user_id = 0;
  std::string name, phone_number, pin_code, house_no, landmark, city, state;
};

struct CardRow {
  std::int64_t id = 0, user_id = 0;
  std::optional<std::string> email, name_on_card, customer_id, card_id;
  std::string brand = "other";
  std::optional<std::string> last4;
  std::optional<std::int64_t> exp_month, exp_year;
  std::optional<std::string> address_city, address_country, address_state, address_zip;
  std::string created_at;
};

struct OrderRow {
  std::int64_t id = 0, user_id = 0;
  std::string name;
  std::optional<std::string> ordered_item;
  std::optional<std::int64_t> product_id;
  std::optional<std::string> card_number, address;
  std::optional<std::int64_t> address_id;
  std::optional<std::string> shipping_name, shipping_phone_number, shipping_house_no,
      shipping_landmark, shipping_city, shipping_state, shipping_pin_code;
  bool paid_status = false;
  std::optional<std::string> paid_at;
  std::optional<std::int64_t> total_price_cents;
  bool is_delivered = false;
  std::optional<std::string> delivered_at, charge_id, idempotency_key;
  std::string created_at;
};

// An order's address_id and shipping columns: the address it is shipped to.
void ship_to(OrderRow& order, const AddressRow& address);

struct SandboxCustomerRow {
  std::string id, email, created_at;
};

struct SandboxCardRow {
  std::string id, customer_id, behaviour, brand, last4;
  std::int64_t exp_month = 0, exp_year = 0;
  std::string name, address_city, address_country, address_state, address_zip, created_at;
  std::optional<std::string> attached_at;
};

const ts::db::Table<UserRow>& users_table();
const ts::db::Table<ProductRow>& products_table();
const ts::db::Table<AddressRow>& addresses_table();
const ts::db::Table<CardRow>& cards_table();
const ts::db::Table<OrderRow>& orders_table();
const ts::db::Table<SandboxCustomerRow>& sandbox_customers_table();
const ts::db::Table<SandboxCardRow>& sandbox_cards_table();

// Whether a bulk load writes the rows' ids (an import keeping the source's
// ids) or lets the database assign them (the seeder).
enum class Ids { keep, assign };

template <class T>
ts::db::BulkWriter<T> bulk_writer(ts::db::Connection& conn, const ts::db::Table<T>& table, Ids ids,
                                  std::size_t rows_per_statement = 0, std::string returning = {},
                                  typename ts::db::BulkWriter<T>::Sink sink = {}) {
  return ts::db::BulkWriter<T>(conn, ids == Ids::keep ? table : table.without({"id"}),
                               rows_per_statement, std::move(returning), std::move(sink));
}

}  // namespace shop::storage
