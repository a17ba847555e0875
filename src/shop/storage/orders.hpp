#pragma once
// SQL for orders (shop_orders). Every order query of the shop lives here; the
// admin list's pagination and filters call list_orders. The checkout's
// idempotency keys are in storage/idempotency.hpp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/db/pool.hpp"
#include "shop/domain/checkout.hpp"

namespace shop::storage {

// The columns the original API shows, plus the product reference.
struct Order {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string name;
  std::optional<std::string> ordered_item;
  std::optional<std::string> card_number;  // last four digits
  std::optional<std::string> address;
  bool paid_status = false;
  std::optional<std::string> paid_at;  // stored form (UTC ISO text)
  std::optional<std::int64_t> total_price_cents;
  bool is_delivered = false;
  std::optional<std::string> delivered_at;
  std::optional<std::int64_t> product_id;
};

struct OrderFilter {
  std::optional<std::int64_t> user_id;  // nullopt: everyone's (admins)
  std::optional<bool> delivered;
  std::optional<bool> paid;
  std::optional<std::string> search;  // case-insensitive substring of name, item or address
  std::int64_t page = 1;              // from 1
  std::int64_t page_size = 50;
};

struct OrderPage {
  std::int64_t count = 0;  // matching orders over all pages
  std::vector<Order> results;
};

// Two statements (count, page), both served by the (user_id, id) and
// (paid_status, is_delivered, id) indexes when no search text is given.
OrderPage list_orders(ts::db::Pool& db, const OrderFilter& filter);

// All orders of one user (or of everyone), id order, as the JSON array the
// original's GET /account/all-orders-list/ returned — one query, written
// straight into the text (15,000 orders in a few milliseconds).
std::string all_orders_json(ts::db::Pool& db, std::optional<std::int64_t> user_id);

// The original serializer's object: id, name, ordered_item, card_number,
// address, paid_status, paid_at (+05:30), total_price ("1200.99"),
// is_delivered, delivered_at, user.
void append_order_json(std::string& out, const Order& o);
std::string order_json(const Order& o);

std::optional<Order> find_order(ts::db::Pool& db, std::int64_t id);
std::optional<Order> find_order(ts::db::Connection& db, std::int64_t id);
std::int64_t insert_order(ts::db::Connection& db, std::int64_t user_id,
                          const domain::OrderDraft& order,
                          const std::optional<std::string>& idempotency_key);
// False when there is no such order.
bool update_delivery(ts::db::Pool& db, std::int64_t id, const domain::DeliveryUpdate& update);

}  // namespace shop::storage

namespace shop::storage {

// A product as checkout sees it (price and stock now), by id or by exact name
// (the original client names the product; the lowest id wins on duplicates).
std::optional<domain::ProductSnapshot> find_product_snapshot(ts::db::Pool& db, std::int64_t id);
std::optional<domain::ProductSnapshot> find_product_snapshot_by_name(ts::db::Pool& db,
                                                                     const std::string& name);

}  // namespace shop::storage
