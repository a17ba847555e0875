// shop report counts|states|products|revenue [--top N] [--paid-only]
//                                            [--format table|csv|json]
// The same reports as the admin endpoints /api/reports/… (storage/reports.cpp).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "platform/service/command_line.hpp"
#include "shop/commands/commands.hpp"
#include "shop/storage/reports.hpp"

namespace shop::commands {

namespace {

using Table = std::vector<std::vector<std::string>>;  // first row: header

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

void print_table(const std::string& title, const Table& t, const std::string& format) {
  if (format == "csv") {
    for (const auto& row : t) {
      std::string line;
      for (std::size_t i = 0; i < row.size(); ++i) line += (i ? "," : "") + csv_cell(row[i]);
      std::cout << line << "\n";
    }
    return;
  }
  if (!title.empty()) std::cout << title << "\n";
  std::vector<std::size_t> width;
  for (const auto& row : t)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  for (std::size_t r = 0; r < t.size(); ++r) {
    std::string line;
    for (std::size_t i = 0; i < t[r].size(); ++i) {
      const auto& cell = t[r][i];
      const std::string pad(width[i] - cell.size(), ' ');
      // Text columns left-aligned, numbers right-aligned.
      const bool numeric =
          r > 0 && !cell.empty() && cell.find_first_not_of("0123456789.-") == std::string::npos;
      line += (i ? "  " : "") + (numeric ? pad + cell : cell + pad);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::cout << line << "\n";
    if (r == 0) {
      std::string rule;
      for (std::size_t i = 0; i < width.size(); ++i)
        rule += (i ? "  " : "") + std::string(width[i], '-');
      std::cout << rule << "\n";
    }
  }
  std::cout << "\n";
}

Table group_table(const std::string& key_header, const std::vector<storage::ReportRow>& rows,
                  bool with_product, const std::string& section = "") {
  Table t;
  std::vector<std::string> head;
  if (!section.empty()) head.push_back("ranking");
  if (with_product) head.push_back("product_id");
  head.insert(head.end(), {key_header, "orders", "revenue"});
  t.push_back(head);
  for (const auto& r : rows) {
    std::vector<std::string> line;
    if (!section.empty()) line.push_back(section);
    if (with_product) line.push_back(r.product_id ? std::to_string(*r.product_id) : "");
    line.insert(line.end(),
                {r.key, std::to_string(r.orders), storage::format_cents(r.revenue_cents)});
    t.push_back(std::move(line));
  }
  return t;
}

// CSV has one header: both rankings in one table with a "ranking" column.
Table join(Table a, const Table& b) {
  a.insert(a.end(), b.begin() + 1, b.end());
  return a;
}

void print_json(const boost::json::value& v) {
  std::cout << boost::json::serialize(v) << "\n";
}

void print_counts(ts::db::Pool& db, const std::string& format) {
  const auto c = storage::report_counts(db);
  if (format == "json") return print_json(storage::to_json(c));
  print_table("",
              {{"table", "rows"},
               {"users", std::to_string(c.users)},
               {"products", std::to_string(c.products)},
               {"orders", std::to_string(c.orders)},
               {"addresses", std::to_string(c.addresses)},
               {"cards", std::to_string(c.cards)}},
              format);
}

void print_states(ts::db::Pool& db, std::int64_t top, bool paid_only, const std::string& format) {
  const auto r = storage::report_states(db, top ? top : 5, paid_only);
  if (format == "json") return print_json(storage::to_json(r));
  if (format == "csv")
    return print_table("",
                       join(group_table("state", r.top, false, "top"),
                            group_table("state", r.bottom, false, "bottom")),
                       format);
  const std::string what = paid_only ? "paid orders" : "orders";
  print_table("Top " + std::to_string(r.top.size()) + " states by " + what,
              group_table("state", r.top, false), format);
  print_table("Bottom " + std::to_string(r.bottom.size()) + " states by " + what,
              group_table("state", r.bottom, false), format);
  std::cout << r.states << " states; " << r.orders_without_state
            << " orders without a shipping state (not ranked)\n";
}

void print_products(ts::db::Pool& db, std::int64_t top, bool paid_only, const std::string& format) {
  const auto r = storage::report_products(db, top ? top : 3, paid_only);
  if (format == "json") return print_json(storage::to_json(r));
  if (format == "csv")
    return print_table("",
                       join(group_table("name", r.by_orders, true, "by_orders"),
                            group_table("name", r.by_revenue, true, "by_revenue")),
                       format);
  const std::string what = paid_only ? " (paid orders)" : "";
  print_table("Top " + std::to_string(r.by_orders.size()) + " products by orders" + what,
              group_table("product", r.by_orders, true), format);
  print_table("Top " + std::to_string(r.by_revenue.size()) + " products by revenue" + what,
              group_table("product", r.by_revenue, true), format);
}

void print_revenue(ts::db::Pool& db, bool paid_only, const std::string& format) {
  const auto r = storage::report_revenue(db, paid_only);
  if (format == "json") return print_json(storage::to_json(r));
  auto t = group_table("month", r.months, false);
  if (format == "table")
    t.push_back({"total", std::to_string(r.orders), storage::format_cents(r.revenue_cents)});
  print_table(paid_only ? "Revenue by month paid (paid orders)"
                        : "Revenue by month (paid orders by month paid, unpaid by month placed)",
              t, format);
}

}  // namespace

int report(ts::service::Context& ctx) {
  CLI::App cli(
      "Business reports (spec §7): counts of users, products, orders, addresses and saved "
      "cards; top and bottom states by orders; top products by orders and by revenue; revenue "
      "by month. The admin API serves the same answers under /api/reports/.",
      "shop report");
  std::string which;
  std::int64_t top = 0;
  bool paid_only = false;
  std::string format = "table";
  cli.add_option("report", which, "counts, states, products or revenue")
      ->required()
      ->check(CLI::IsMember({"counts", "states", "products", "revenue"}));
  cli.add_option("--top", top, "how many groups to rank (default 5 states, 3 products)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1000}));
  cli.add_flag("--paid-only", paid_only, "only paid orders (states, products, revenue)");
  cli.add_option("--format", format, "table, csv or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "csv", "json"}));
  if (const auto status = ts::service::parse_command_line(cli, ctx.args)) return *status;

  auto& db = *ctx.db;
  if (which == "counts")
    print_counts(db, format);
  else if (which == "states")
    print_states(db, top, paid_only, format);
  else if (which == "products")
    print_products(db, top, paid_only, format);
  else
    print_revenue(db, paid_only, format);
  return 0;
}

}  // namespace shop::commands
