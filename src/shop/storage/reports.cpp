#include "shop/storage/reports.hpp"

#include <algorithm>
#include <cstdlib>

namespace shop::storage {

namespace {

// PostgreSQL's SUM(bigint) is numeric: CAST keeps the result an integer on
// both engines. paid_status >= $1 selects every order for 0, paid ones for 1.
constexpr const char* kCountsSql =
    "SELECT (SELECT COUNT(*) FROM shop_users) AS users, "
    "(SELECT COUNT(*) FROM shop_products) AS products, "
    "(SELECT COUNT(*) FROM shop_orders) AS orders, "
    "(SELECT COUNT(*) FROM shop_addresses) AS addresses, "
    "(SELECT COUNT(*) FROM shop_cards) AS cards";

constexpr const char* kStatesSql =
    "SELECT shipping_state AS state, COUNT(*) AS orders, "
    "CAST(COALESCE(SUM(total_price_cents), 0) AS BIGINT) AS revenue_cents "
    "FROM shop_orders WHERE paid_status >= $1 GROUP BY shipping_state";

// Two levels so that the inner GROUP BY follows the covering index
// shop_orders_report_product (product_id, ordered_item, paid_status,
// total_price_cents); the outer one folds a product's item spellings together
// and keeps unmatched items (product_id NULL) apart by their text.
constexpr const char* kProductsSql =
    "SELECT g.product_id, COALESCE(MAX(p.name), MAX(g.item), 'Not Set') AS name, "
    "CAST(SUM(g.orders) AS BIGINT) AS orders, CAST(SUM(g.revenue_cents) AS BIGINT) AS "
    "revenue_cents FROM ("
    "SELECT product_id, ordered_item AS item, COUNT(*) AS orders, "
    "COALESCE(SUM(total_price_cents), 0) AS revenue_cents "
    "FROM shop_orders WHERE paid_status >= $1 GROUP BY product_id, ordered_item) g "
    "LEFT JOIN shop_products p ON p.id = g.product_id "
    "GROUP BY g.product_id, CASE WHEN g.product_id IS NULL THEN g.item END";

constexpr const char* kRevenueSql =
    "SELECT substr(COALESCE(paid_at, created_at), 1, 7) AS month, COUNT(*) AS orders, "
    "CAST(COALESCE(SUM(total_price_cents), 0) AS BIGINT) AS revenue_cents "
    "FROM shop_orders WHERE paid_status >= $1 "
    "GROUP BY substr(COALESCE(paid_at, created_at), 1, 7) ORDER BY 1";

bool more_orders(const ReportRow& a, const ReportRow& b) {
  if (a.orders != b.orders) return a.orders > b.orders;
  if (a.revenue_cents != b.revenue_cents) return a.revenue_cents > b.revenue_cents;
  return a.key < b.key;
}
bool fewer_orders(const ReportRow& a, const ReportRow& b) {
  if (a.orders != b.orders) return a.orders < b.orders;
  if (a.revenue_cents != b.revenue_cents) return a.revenue_cents < b.revenue_cents;
  return a.key < b.key;
}
bool more_revenue(const ReportRow& a, const ReportRow& b) {
  if (a.revenue_cents != b.revenue_cents) return a.revenue_cents > b.revenue_cents;
  if (a.orders != b.orders) return a.orders > b.orders;
  return a.key < b.key;
}

template <class Less>
std::vector<ReportRow> first_n(std::vector<ReportRow> rows, std::int64_t n, Less less) {
  std::sort(rows.begin(), rows.end(), less);
  if (n >= 0 && rows.size() > static_cast<std::size_t>(n)) rows.resize(static_cast<std::size_t>(n));
  return rows;
}

boost::json::object row_json(const ReportRow& r, const char* key_name, bool with_product) {
  boost::json::object o;
  if (with_product) {
    if (r.product_id)
      o["product_id"] = *r.product_id;
    else
      o["product_id"] = nullptr;
  }
  o[key_name] = r.key;
  o["orders"] = r.orders;
  o["revenue_cents"] = r.revenue_cents;
  o["revenue"] = format_cents(r.revenue_cents);
  return o;
}

boost::json::array rows_json(const std::vector<ReportRow>& rows, const char* key_name,
                             bool with_product) {
  boost::json::array a;
  for (const auto& r : rows) a.push_back(row_json(r, key_name, with_product));
  return a;
}

}  // namespace

std::string format_cents(std::int64_t cents) {
  const bool neg = cents < 0;
  const std::uint64_t v = neg ? std::uint64_t(0) - static_cast<std::uint64_t>(cents)
                              : static_cast<std::uint64_t>(cents);
  std::string frac = std::to_string(v % 100);
  if (frac.size() < 2) frac.insert(0, "0");
  return (neg ? "-" : "") + std::to_string(v / 100) + "." + frac;
}

Counts report_counts(ts::db::Pool& db) {
  const auto r = db.query(kCountsSql);
  const auto& row = r.at(0);
  return {row.get<std::int64_t>(0), row.get<std::int64_t>(1), row.get<std::int64_t>(2),
          row.get<std::int64_t>(3), row.get<std::int64_t>(4)};
}

StatesReport report_states(ts::db::Pool& db, std::int64_t top, bool paid_only) {
  StatesReport out;
  out.paid_only = paid_only;
  std::vector<ReportRow> rows;
  for (const auto& r : db.query(kStatesSql, {paid_only ? 1 : 0})) {
    const auto state = r.get<std::optional<std::string>>(0);
    if (!state || state->empty()) {
      out.orders_without_state += r.get<std::int64_t>(1);
      continue;
    }
    rows.push_back({*state, std::nullopt, r.get<std::int64_t>(1), r.get<std::int64_t>(2)});
  }
  out.states = static_cast<std::int64_t>(rows.size());
  out.top = first_n(rows, top, more_orders);
  out.bottom = first_n(std::move(rows), top, fewer_orders);
  return out;
}

ProductsReport report_products(ts::db::Pool& db, std::int64_t top, bool paid_only) {
  ProductsReport out;
  out.paid_only = paid_only;
  std::vector<ReportRow> rows;
  for (const auto& r : db.query(kProductsSql, {paid_only ? 1 : 0}))
    rows.push_back({r.get<std::string>(1), r.get<std::optional<std::int64_t>>(0),
                    r.get<std::int64_t>(2), r.get<std::int64_t>(3)});
  out.by_orders = first_n(rows, top, more_orders);
  out.by_revenue = first_n(std::move(rows), top, more_revenue);
  return out;
}

RevenueReport report_revenue(ts::db::Pool& db, bool paid_only) {
  RevenueReport out;
  out.paid_only = paid_only;
  for (const auto& r : db.query(kRevenueSql, {paid_only ? 1 : 0})) {
    ReportRow row{r.get<std::string>(0), std::nullopt, r.get<std::int64_t>(1),
                  r.get<std::int64_t>(2)};
    out.orders += row.orders;
    out.revenue_cents += row.revenue_cents;
    out.months.push_back(std::move(row));
  }
  return out;
}

boost::json::value to_json(const Counts& c) {
  return boost::json::object{{"users", c.users},
                             {"products", c.products},
                             {"orders", c.orders},
                             {"addresses", c.addresses},
                             {"cards", c.cards}};
}

boost::json::value to_json(const StatesReport& r) {
  return boost::json::object{{"paid_only", r.paid_only},
                             {"states", r.states},
                             {"orders_without_state", r.orders_without_state},
                             {"top", rows_json(r.top, "state", false)},
                             {"bottom", rows_json(r.bottom, "state", false)}};
}

boost::json::value to_json(const ProductsReport& r) {
  return boost::json::object{{"paid_only", r.paid_only},
                             {"by_orders", rows_json(r.by_orders, "name", true)},
                             {"by_revenue", rows_json(r.by_revenue, "name", true)}};
}

boost::json::value to_json(const RevenueReport& r) {
  return boost::json::object{{"paid_only", r.paid_only},
                             {"months", rows_json(r.months, "month", false)},
                             {"orders", r.orders},
                             {"revenue_cents", r.revenue_cents},
                             {"revenue", format_cents(r.revenue_cents)}};
}

}  // namespace shop::storage
