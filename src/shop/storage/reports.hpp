#pragma once
// The business reports of spec shop.md §7 (CLI `shop report …` and the admin
// endpoints /api/reports/…). Each report is ONE SQL statement, the same text
// on SQLite and PostgreSQL; the little ranking left (top and bottom N of a
// few dozen groups) is done here in C++.
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/db/pool.hpp"

namespace shop::storage {

struct Counts {
  std::int64_t users = 0, products = 0, orders = 0, addresses = 0, cards = 0;
};

// One group of orders: a state, a product or a month.
struct ReportRow {
  std::string key;                         // state, product name, or "YYYY-MM"
  std::optional<std::int64_t> product_id;  // products report: NULL for unmatched items
  std::int64_t orders = 0;
  std::int64_t revenue_cents = 0;
};

struct StatesReport {
  bool paid_only = false;
  std::int64_t states = 0;                // distinct states with orders
  std::int64_t orders_without_state = 0;  // orders with no shipping state (not ranked)
  std::vector<ReportRow> top;             // most orders first
  std::vector<ReportRow> bottom;          // fewest orders first
};

struct ProductsReport {
  bool paid_only = false;
  std::vector<ReportRow> by_orders;   // most orders first
  std::vector<ReportRow> by_revenue;  // most revenue first
};

struct RevenueReport {
  bool paid_only = false;
  std::vector<ReportRow> months;  // oldest first
  std::int64_t orders = 0;
  std::int64_t revenue_cents = 0;
};

Counts report_counts(ts::db::Pool& db);
// Orders grouped by the order's structured shipping state (text as stored).
// Ties rank by revenue, then by state name.
StatesReport report_states(ts::db::Pool& db, std::int64_t top, bool paid_only);
// Orders grouped by product_id, or by the ordered_item text when the order
// references no product (an imported order whose item matched no product).
ProductsReport report_products(ts::db::Pool& db, std::int64_t top, bool paid_only);
// Revenue per month of substr(COALESCE(paid_at, created_at), 1, 7): a paid
// order counts in the month it was paid, an unpaid one in the month it was placed.
RevenueReport report_revenue(ts::db::Pool& db, bool paid_only);

// "1200.99" for 120099.
std::string format_cents(std::int64_t cents);

boost::json::value to_json(const Counts& c);
boost::json::value to_json(const StatesReport& r);
boost::json::value to_json(const ProductsReport& r);
boost::json::value to_json(const RevenueReport& r);

}  // namespace shop::storage
