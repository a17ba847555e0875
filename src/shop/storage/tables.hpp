#pragma once
// The shop's tables, each column written once (tables.cpp): what the service
// reads of each (the views users.cpp, orders.cpp … query), the tables as
// stored (a view's columns and those only written), and a bulk writer per
// table for the commands that load many rows: `shop seed` and
// `shop import-django`.
#include <cstdint>
#include <optional>
#include <string>

#include "platform/db/table.hpp"
#include "shop/storage/addresses.hpp"
#include "shop/storage/cards.hpp"
#include "shop/storage/orders.hpp"
#include "shop/storage/products.hpp"
#include "shop/storage/users.hpp"

namespace shop::storage {

// What the service reads of each table: the view its queries select and
// decode (users.cpp, products.cpp, cards.cpp, orders.cpp). An address is read
// whole, as stored (addresses_table()).
const ts::db::Table<UserRecord>& user_view();
const ts::db::Table<Product>& product_view();
const ts::db::Table<SavedCard>& card_view();
const ts::db::Table<Order>& order_view();

// The stored rows: a read view's struct and the columns only written (the
// tables below are the view's columns followed by these).
struct UserRow : UserRecord {
  std::string date_joined;
  std::optional<std::string> last_login;
};

struct ProductRow : Product {
  std::string created_at;
};

struct CardRow : SavedCard {
  std::string created_at;
};

struct OrderRow : Order {
  std::optional<std::int64_t> address_id;
  std::optional<std::string> shipping_name, shipping_phone_number, shipping_house_no,
      shipping_landmark, shipping_city, shipping_state, shipping_pin_code;
  std::optional<std::string> charge_id, idempotency_key;
  std::string created_at;
};

// An order's address_id and shipping columns: the address it is shipped to.
void ship_to(OrderRow& order, const domain::ShippingAddress& address);

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
const ts::db::Table<Address>& addresses_table();
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
