#include "shop/storage/orders.hpp"

#include <cstdio>

#include "shop/domain/money.hpp"
#include "shop/domain/timestamps.hpp"

namespace shop::storage {
namespace {

constexpr const char* kColumns =
    "id, name, ordered_item, card_number, address, paid_status, paid_at, total_price_cents, "
    "is_delivered, delivered_at, user_id, product_id";

Order from_row(const ts::db::Row& r) {
  Order o;
  o.id = r.get<std::int64_t>(0);
  o.name = r.get<std::string>(1);
  o.ordered_item = r.get<std::optional<std::string>>(2);
  o.card_number = r.get<std::optional<std::string>>(3);
  o.address = r.get<std::optional<std::string>>(4);
  o.paid_status = r.get<bool>(5);
  o.paid_at = r.get<std::optional<std::string>>(6);
  o.total_price_cents = r.get<std::optional<std::int64_t>>(7);
  o.is_delivered = r.get<bool>(8);
  o.delivered_at = r.get<std::optional<std::string>>(9);
  o.user_id = r.get<std::int64_t>(10);
  o.product_id = r.get<std::optional<std::int64_t>>(11);
  return o;
}

// JSON string literal (RFC 8259): quotes, backslashes and control characters
// escaped; UTF-8 passes through as boost::json's serializer does.
void append_string(std::string& out, std::string_view s) {
  out.push_back('"');
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + start, i - start);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out.append(buf);
      }
    }
    start = i + 1;
  }
  out.append(s.data() + start, s.size() - start);
  out.push_back('"');
}

void append_optional(std::string& out, const std::optional<std::string>& s) {
  if (s)
    append_string(out, *s);
  else
    out.append("null");
}

std::string like_pattern(std::string_view text) {
  std::string p = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') p.push_back('\\');
    p.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  p.push_back('%');
  return p;
}

// WHERE clause and parameters of a filter ($1… in order).
std::string where_clause(const OrderFilter& f, ts::db::Params& params) {
  std::string sql;
  auto add = [&](const std::string& cond) { sql += (sql.empty() ? " WHERE " : " AND ") + cond; };
  auto next = [&] { return "$" + std::to_string(params.size()); };
  if (f.user_id) {
    params.emplace_back(*f.user_id);
    add("user_id = " + next());
  }
  if (f.paid) {
    params.emplace_back(*f.paid ? 1 : 0);
    add("paid_status = " + next());
  }
  if (f.delivered) {
    params.emplace_back(*f.delivered ? 1 : 0);
    add("is_delivered = " + next());
  }
  if (f.search && !f.search->empty()) {
    params.emplace_back(like_pattern(*f.search));
    const auto p = next();
    add("(LOWER(name) LIKE " + p + " ESCAPE '\\' OR LOWER(COALESCE(ordered_item, '')) LIKE " + p +
        " ESCAPE '\\' OR LOWER(COALESCE(address, '')) LIKE " + p + " ESCAPE '\\')");
  }
  return sql;
}

}  // namespace

void append_order_json(std::string& out, const Order& o) {
  out.append("{\"id\":").append(std::to_string(o.id));
  out.append(",\"name\":");
  append_string(out, o.name);
  out.append(",\"ordered_item\":");
  append_optional(out, o.ordered_item);
  out.append(",\"card_number\":");
  append_optional(out, o.card_number);
  out.append(",\"address\":");
  append_optional(out, o.address);
  out.append(",\"paid_status\":").append(o.paid_status ? "true" : "false");
  out.append(",\"paid_at\":");
  std::optional<domain::Timestamp> paid_at;
  if (o.paid_at) paid_at = domain::parse_db_timestamp(*o.paid_at);
  if (paid_at)
    append_string(out, domain::format_api_datetime(*paid_at));
  else
    out.append("null");
  out.append(",\"total_price\":");
  if (o.total_price_cents)
    append_string(out, domain::Money::from_cents(*o.total_price_cents).to_string());
  else
    out.append("null");
  out.append(",\"is_delivered\":").append(o.is_delivered ? "true" : "false");
  out.append(",\"delivered_at\":");
  append_optional(out, o.delivered_at);
  out.append(",\"user\":").append(std::to_string(o.user_id));
  out.push_back('}');
}

std::string order_json(const Order& o) {
  std::string out;
  append_order_json(out, o);
  return out;
}

std::string all_orders_json(ts::db::Pool& db, std::optional<std::int64_t> user_id) {
  const auto result =
      user_id ? db.query(std::string("SELECT ") + kColumns +
                             " FROM shop_orders WHERE user_id = $1 ORDER BY id",
                         {*user_id})
              : db.query(std::string("SELECT ") + kColumns + " FROM shop_orders ORDER BY id");
  std::string out;
  out.reserve(64 + result.size() * 320);
  out.push_back('[');
  bool first = true;
  for (const auto& row : result) {
    if (!first) out.push_back(',');
    first = false;
    append_order_json(out, from_row(row));
  }
  out.push_back(']');
  return out;
}

OrderPage list_orders(ts::db::Pool& db, const OrderFilter& filter) {
  ts::db::Params params;
  const auto where = where_clause(filter, params);
  OrderPage page;
  page.count = db.query("SELECT COUNT(*) FROM shop_orders" + where, params).scalar<std::int64_t>();
  const std::int64_t size = filter.page_size < 1 ? 1 : filter.page_size;
  const std::int64_t offset = (filter.page < 1 ? 0 : filter.page - 1) * size;
  if (offset >= page.count) return page;
  params.emplace_back(size);
  const auto limit = "$" + std::to_string(params.size());
  params.emplace_back(offset);
  const auto off = "$" + std::to_string(params.size());
  const auto result = db.query(std::string("SELECT ") + kColumns + " FROM shop_orders" + where +
                                   " ORDER BY id LIMIT " + limit + " OFFSET " + off,
                               params);
  page.results.reserve(result.size());
  for (const auto& row : result) page.results.push_back(from_row(row));
  return page;
}

std::optional<Order> find_order(ts::db::Pool& db, std::int64_t id) {
  auto lease = db.acquire();
  return find_order(*lease, id);
}

std::optional<Order> find_order(ts::db::Connection& db, std::int64_t id) {
  const auto result =
      db.query(std::string("SELECT ") + kColumns + " FROM shop_orders WHERE id = $1", {id});
  if (result.empty()) return std::nullopt;
  return from_row(result[0]);
}

std::int64_t insert_order(ts::db::Connection& db, std::int64_t user_id, const domain::OrderDraft& o,
                          const std::optional<std::string>& idempotency_key) {
  const auto& a = o.shipping.fields;
  std::optional<std::string> paid_at;
  if (o.paid_at) paid_at = domain::format_db_timestamp(*o.paid_at);
  return db
      .query(
          "INSERT INTO shop_orders (user_id, name, ordered_item, product_id, card_number, "
          "address, address_id, shipping_name, shipping_phone_number, shipping_house_no, "
          "shipping_landmark, shipping_city, shipping_state, shipping_pin_code, paid_status, "
          "paid_at, total_price_cents, is_delivered, delivered_at, charge_id, idempotency_key, "
          "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, "
          "$16, $17, $18, $19, $20, $21, $22) RETURNING id",
          {user_id,
           o.name,
           o.ordered_item,
           o.product_id,
           o.card_number,
           o.address,
           o.shipping.address_id,
           a.name,
           a.phone_number,
           a.house_no,
           a.landmark,
           a.city,
           a.state,
           a.pin_code,
           o.paid_status ? 1 : 0,
           paid_at,
           o.total_price.cents(),
           o.is_delivered ? 1 : 0,
           o.delivered_at,
           o.charge_id.empty() ? ts::db::Value(nullptr) : ts::db::Value(o.charge_id),
           idempotency_key,
           domain::format_db_timestamp(domain::now_timestamp())})
      .scalar<std::int64_t>();
}

bool update_delivery(ts::db::Pool& db, std::int64_t id, const domain::DeliveryUpdate& update) {
  return db.query("UPDATE shop_orders SET is_delivered = $1, delivered_at = $2 WHERE id = $3",
                  {update.is_delivered ? 1 : 0, update.delivered_at, id})
             .affected_rows() > 0;
}

KeyClaim claim_idempotency_key(ts::db::Pool& db, std::int64_t user_id, const std::string& key,
                               const std::string& request_hash) {
  const auto now = domain::format_db_timestamp(domain::now_timestamp());
  try {
    db.query(
        "INSERT INTO shop_idempotency_keys (user_id, idempotency_key, request_hash, state, "
        "created_at, updated_at) VALUES ($1, $2, $3, 'started', $4, $4)",
        {user_id, key, request_hash, now});
    return {KeyClaim::Outcome::claimed, std::nullopt};
  } catch (const ts::db::UniqueViolation&) {
  }
  const auto r = db.query(
      "SELECT request_hash, state, response_status, response_body FROM shop_idempotency_keys "
      "WHERE user_id = $1 AND idempotency_key = $2",
      {user_id, key});
  // Released between our insert and this read: the caller may simply retry.
  if (r.empty()) return {KeyClaim::Outcome::in_progress, std::nullopt};
  const auto& row = r[0];
  if (row.get<std::string>(0) != request_hash) return {KeyClaim::Outcome::mismatch, std::nullopt};
  if (row.get<std::string>(1) != "completed") return {KeyClaim::Outcome::in_progress, std::nullopt};
  return {KeyClaim::Outcome::replay,
          StoredResponse{row.get<int>(2), row.get<std::optional<std::string>>(3).value_or("")}};
}

void complete_idempotency_key(ts::db::Connection& db, std::int64_t user_id, const std::string& key,
                              const StoredResponse& response,
                              std::optional<std::int64_t> order_id) {
  db.query(
      "UPDATE shop_idempotency_keys SET state = 'completed', response_status = $1, "
      "response_body = $2, order_id = $3, updated_at = $4 WHERE user_id = $5 AND "
      "idempotency_key = $6",
      {response.status, response.body, order_id,
       domain::format_db_timestamp(domain::now_timestamp()), user_id, key});
}

void release_idempotency_key(ts::db::Pool& db, std::int64_t user_id, const std::string& key) {
  db.query(
      "DELETE FROM shop_idempotency_keys WHERE user_id = $1 AND idempotency_key = $2 AND state = "
      "'started'",
      {user_id, key});
}

}  // namespace shop::storage

namespace shop::storage {
namespace {
std::optional<domain::ProductSnapshot> snapshot(const ts::db::Result& r) {
  if (r.empty()) return std::nullopt;
  const auto& row = r[0];
  return domain::ProductSnapshot{row.get<std::int64_t>(0), row.get<std::string>(1),
                                 domain::Money::from_cents(row.get<std::int64_t>(2)),
                                 row.get<bool>(3)};
}
}  // namespace

std::optional<domain::ProductSnapshot> find_product_snapshot(ts::db::Pool& db, std::int64_t id) {
  return snapshot(
      db.query("SELECT id, name, price_cents, stock FROM shop_products WHERE id = $1", {id}));
}

std::optional<domain::ProductSnapshot> find_product_snapshot_by_name(ts::db::Pool& db,
                                                                     const std::string& name) {
  return snapshot(db.query(
      "SELECT id, name, price_cents, stock FROM shop_products WHERE name = $1 ORDER BY id LIMIT 1",
      {name}));
}

}  // namespace shop::storage
