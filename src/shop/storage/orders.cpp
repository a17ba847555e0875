#include "shop/storage/orders.hpp"

#include <algorithm>
#include <charconv>
#include <variant>

#include "platform/core/json_text.hpp"
#include "platform/core/paginate.hpp"
#include "shop/domain/money.hpp"
#include "shop/domain/timestamps.hpp"
#include "shop/storage/tables.hpp"

namespace shop::storage {
namespace {

// What the JSON shows (append_order_row reads these cells by position, in
// this order), without product_id.
const std::string& json_select() {
  static const std::string sql = order_view().without({"product_id"}).select_sql();
  return sql;
}

// JSON text written directly (the admin list's 15,000 rows): the platform's
// writer, byte for byte what boost::json::serialize gives.
using ts::json_text::append_int;
using ts::json_text::append_string;

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
  ts::json_text::append_string_or_null(out, o.ordered_item);
  out.append(",\"card_number\":");
  ts::json_text::append_string_or_null(out, o.card_number);
  out.append(",\"address\":");
  ts::json_text::append_string_or_null(out, o.address);
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
  ts::json_text::append_string_or_null(out, o.delivered_at);
  out.append(",\"user\":").append(std::to_string(o.user_id));
  out.push_back('}');
}

std::string order_json(const Order& o) {
  std::string out;
  append_order_json(out, o);
  return out;
}

namespace {

// "1200.99", as Money::to_string.
void append_cents(std::string& out, std::int64_t cents) {
  const bool negative = cents < 0;
  const std::uint64_t magnitude =
      negative ? 0 - static_cast<std::uint64_t>(cents) : static_cast<std::uint64_t>(cents);
  char buf[32];
  char* p = buf;
  *p++ = '"';
  if (negative) *p++ = '-';
  p = std::to_chars(p, buf + sizeof buf, magnitude / 100).ptr;
  const auto frac = magnitude % 100;
  *p++ = '.';
  *p++ = static_cast<char>('0' + frac / 10);
  *p++ = static_cast<char>('0' + frac % 10);
  *p++ = '"';
  out.append(buf, p);
}

bool all_digits(std::string_view s, std::size_t from, std::size_t n) {
  for (std::size_t i = from; i < from + n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

int two(std::string_view s, std::size_t at) {
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

// The stored "YYYY-MM-DDTHH:MM:SS.ffffffZ" shown at +05:30 as
// format_api_datetime does, without the calendar round trip: only a day
// rolled over by the offset needs the calendar, and only its next day.
// False when `s` is not in exactly that form (the caller takes the slow path).
bool append_api_datetime_fast(std::string& out, std::string_view s) {
  if (s.size() != 27 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s[19] != '.' || s[26] != 'Z' || !all_digits(s, 0, 4) ||
      !all_digits(s, 5, 2) || !all_digits(s, 8, 2) || !all_digits(s, 11, 2) ||
      !all_digits(s, 14, 2) || !all_digits(s, 17, 2) || !all_digits(s, 20, 6))
    return false;
  int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + two(s, 2);
  int month = two(s, 5), day = two(s, 8);
  const int hour = two(s, 11), minute = two(s, 14), second = two(s, 17);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int month_days = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  if (day > month_days) return false;
  int minutes = hour * 60 + minute + 5 * 60 + 30;
  if (minutes >= 24 * 60) {
    minutes -= 24 * 60;
    if (++day > month_days) {
      day = 1;
      if (++month > 12) {
        month = 1;
        ++year;
      }
    }
  }
  if (year > 9999) return false;
  char buf[40];
  auto put2 = [](char* p, int v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
  };
  buf[0] = '"';
  put2(buf + 1, year / 100);
  put2(buf + 3, year % 100);
  buf[5] = '-';
  put2(buf + 6, month);
  buf[8] = '-';
  put2(buf + 9, day);
  buf[11] = 'T';
  put2(buf + 12, minutes / 60);
  buf[14] = ':';
  put2(buf + 15, minutes % 60);
  buf[17] = ':';
  put2(buf + 18, second);
  std::size_t n = 20;
  if (s.substr(20, 6) != "000000") {
    buf[n++] = '.';
    for (std::size_t i = 20; i < 26; ++i) buf[n++] = s[i];
  }
  for (char c : std::string_view("+05:30\"")) buf[n++] = c;
  out.append(buf, n);
  return true;
}

void append_text_cell(std::string& out, const ts::db::RowView& r, std::size_t i,
                      std::string& scratch) {
  if (const auto s = r.text(i, scratch))
    append_string(out, *s);
  else
    out.append("null");
}

// append_order_json straight from a streamed row of json_select(): no Order, no
// copies of the text cells, cheap numbers and timestamps (the admin list's
// 15,000 rows).
void append_order_row(std::string& out, const ts::db::RowView& r, std::string& scratch) {
  out.append("{\"id\":");
  append_int(out, r.get<std::int64_t>(0));
  out.append(",\"name\":");
  append_text_cell(out, r, 1, scratch);
  out.append(",\"ordered_item\":");
  append_text_cell(out, r, 2, scratch);
  out.append(",\"card_number\":");
  append_text_cell(out, r, 3, scratch);
  out.append(",\"address\":");
  append_text_cell(out, r, 4, scratch);
  out.append(r.get<bool>(5) ? ",\"paid_status\":true" : ",\"paid_status\":false");
  out.append(",\"paid_at\":");
  if (const auto paid_at = r.text(6, scratch); !paid_at) {
    out.append("null");
  } else if (!append_api_datetime_fast(out, *paid_at)) {
    if (const auto t = domain::parse_db_timestamp(*paid_at))
      append_string(out, domain::format_api_datetime(*t));
    else
      out.append("null");
  }
  out.append(",\"total_price\":");
  if (r.is_null(7))
    out.append("null");
  else
    append_cents(out, r.get<std::int64_t>(7));
  out.append(r.get<bool>(8) ? ",\"is_delivered\":true" : ",\"is_delivered\":false");
  out.append(",\"delivered_at\":");
  append_text_cell(out, r, 9, scratch);
  out.append(",\"user\":");
  append_int(out, r.get<std::int64_t>(10));
  out.push_back('}');
}

}  // namespace

std::string all_orders_json(ts::db::Pool& db, std::optional<std::int64_t> user_id) {
  // Everyone's orders: sized once from the count (one index scan), since a
  // buffer grown by doubling leaves freed multi-megabyte blocks behind in every
  // worker's malloc arena. A customer's list is small.
  const std::int64_t count =
      user_id ? 16 : db.query("SELECT count(*) FROM shop_orders").scalar<std::int64_t>();
  std::string out;
  out.reserve(64 + static_cast<std::size_t>(count) * 300);
  std::string scratch;
  out.push_back('[');
  auto row = [&](const ts::db::RowView& r) {
    if (out.size() > 1) out.push_back(',');
    append_order_row(out, r, scratch);
  };
  // Rows are written into the answer as SQLite steps through them (no Result).
  if (user_id)
    db.query_each(json_select() + "WHERE user_id = $1 ORDER BY id", {*user_id}, row);
  else
    db.query_each(json_select() + "ORDER BY id", {}, row);
  out.push_back(']');
  return out;
}

namespace {

// Without a user or search text, the count is a sum of counts_shop_orders'
// rows (migrations/shop/0005_order_counts.*), exact and kept by triggers.
bool counted(const OrderFilter& f) {
  return !f.user_id && !(f.search && !f.search->empty());
}

std::string count_sql(const OrderFilter& f, const std::string& where) {
  if (!counted(f)) return "SELECT COUNT(*) FROM shop_orders" + where;
  return "SELECT COALESCE(SUM(n), 0) FROM counts_shop_orders" + where;
}

// A page in the second half of a counted list is read from the end (id
// order reversed), so its cost is its distance from the last row rather than
// from the first. One statement: the rows from the end that it skips come from
// the same snapshot's count, so an order added meanwhile cannot shift it.
std::string page_from_end_sql(const std::string& where, std::size_t nparams) {
  const auto p = [&](std::size_t i) { return "$" + std::to_string(nparams + i); };
  const std::string rest =
      "(SELECT COALESCE(SUM(n), 0) FROM counts_shop_orders" + where + ") - " + p(2);
  return order_view().select_sql() + where +
         " ORDER BY id DESC LIMIT (SELECT CASE WHEN r < 0 THEN 0 WHEN r < " + p(1) +
         " THEN r ELSE " + p(1) + " END FROM (SELECT " + rest +
         " AS r) x) OFFSET (SELECT CASE WHEN r > " + p(1) + " THEN r - " + p(1) +
         " ELSE 0 END FROM (SELECT " + rest + " AS r) y)";
}

// A counted list's page starts at the id found by skipping `offset` ids in an
// index that holds little besides them (0006_order_id_index.sqlite.sql, the
// status index, PostgreSQL's primary key), not by skipping whole rows.
std::string page_from_start_sql(const OrderFilter& f, const std::string& where,
                                std::size_t nparams) {
  const auto limit = "$" + std::to_string(nparams + 1), offset = "$" + std::to_string(nparams + 2);
  if (!counted(f))
    return order_view().select_sql() + where + " ORDER BY id LIMIT " + limit + " OFFSET " + offset;
  return order_view().select_sql() + where + (where.empty() ? " WHERE " : " AND ") +
         "id >= (SELECT id FROM shop_orders" + where + " ORDER BY id LIMIT 1 OFFSET " + offset +
         ") ORDER BY id LIMIT " + limit;
}

}  // namespace

OrderPage list_orders(ts::db::Pool& db, const OrderFilter& filter) {
  ts::db::Params params;
  const auto where = where_clause(filter, params);
  OrderPage page;
  page.count = db.query(count_sql(filter, where), params).scalar<std::int64_t>();
  const auto pg = ts::core::paginate(filter.page, filter.page_size);
  const std::int64_t offset = pg.offset();
  if (offset >= page.count) return page;
  const bool from_end = counted(filter) && offset * 2 > page.count;
  const auto n = params.size();
  params.emplace_back(pg.size);
  params.emplace_back(offset);
  const auto result = db.query(
      from_end ? page_from_end_sql(where, n) : page_from_start_sql(filter, where, n), params);
  page.results.reserve(result.size());
  for (const auto& row : result) page.results.push_back(order_view().decode(row));
  if (from_end) std::reverse(page.results.begin(), page.results.end());
  return page;
}

std::optional<Order> find_order(ts::db::Pool& db, std::int64_t id) {
  auto lease = db.acquire();
  return find_order(*lease, id);
}

std::optional<Order> find_order(ts::db::Connection& db, std::int64_t id) {
  const auto result = db.query(order_view().select_sql() + "WHERE id = $1", {id});
  if (result.empty()) return std::nullopt;
  return order_view().decode(result[0]);
}

std::int64_t insert_order(ts::db::Connection& db, std::int64_t user_id, const domain::OrderDraft& o,
                          const std::optional<std::string>& idempotency_key) {
  static const ts::db::RowInserter<OrderRow> orders(orders_table());
  OrderRow row;
  row.user_id = user_id;
  row.name = o.name;
  row.ordered_item = o.ordered_item;
  row.product_id = o.product_id;
  row.card_number = o.card_number;
  row.address = o.address;
  ship_to(row, o.shipping);
  row.paid_status = o.paid_status;
  if (o.paid_at) row.paid_at = domain::format_db_timestamp(*o.paid_at);
  row.total_price_cents = o.total_price.cents();
  row.is_delivered = o.is_delivered;
  row.delivered_at = o.delivered_at;
  if (!o.charge_id.empty()) row.charge_id = o.charge_id;
  row.idempotency_key = idempotency_key;
  row.created_at = domain::format_db_timestamp(domain::now_timestamp());
  return orders.insert(db, row);
}

bool update_delivery(ts::db::Pool& db, std::int64_t id, const domain::DeliveryUpdate& update) {
  return db.query("UPDATE shop_orders SET is_delivered = $1, delivered_at = $2 WHERE id = $3",
                  {update.is_delivered ? 1 : 0, update.delivered_at, id})
             .affected_rows() > 0;
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
