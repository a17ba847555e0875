// Business reports for admins (spec shop.md §7): GET /api/reports/counts/,
// /api/reports/states/, /api/reports/products/ and /api/reports/revenue/.
// The SQL is in storage/reports.cpp; the CLI `shop report` prints the same JSON.
#include <boost/json.hpp>

#include "shop/api/access.hpp"
#include "shop/api/errors.hpp"
#include "shop/api/routes.hpp"
#include "shop/storage/reports.hpp"

namespace shop::api {

namespace {

constexpr std::int64_t kMaxTop = 100;

std::int64_t top_param(const ts::http::Request& req, std::int64_t fallback) {
  const auto text = req.query_param("top");
  if (!text) return fallback;
  if (text->empty() || text->size() > 6) throw field_error("top", "A valid integer is required.");
  std::int64_t v = 0;
  for (char c : *text) {
    if (c < '0' || c > '9') throw field_error("top", "A valid integer is required.");
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > kMaxTop)
    throw field_error("top", "Ensure this value is between 1 and " + std::to_string(kMaxTop) + ".");
  return v;
}

bool paid_only_param(const ts::http::Request& req) {
  const auto text = req.query_param("paid_only");
  if (!text || text->empty()) return false;
  std::string t;
  for (char c : *text) t.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  if (t == "true" || t == "1" || t == "yes") return true;
  if (t == "false" || t == "0" || t == "no") return false;
  throw field_error("paid_only", "Must be a valid boolean.");
}

}  // namespace

void register_reports(Shop& shop, ts::http::Router& router) {
  auto db = shop.db;
  router.get("/api/reports/counts/", kStaff, [db](ts::http::Request& req) {
    return ts::http::Response::json(storage::to_json(storage::report_counts(*db)));
  });
  router.get("/api/reports/states/", kStaff, [db](ts::http::Request& req) {
    const auto top = top_param(req, 5);
    const bool paid = paid_only_param(req);
    return ts::http::Response::json(storage::to_json(storage::report_states(*db, top, paid)));
  });
  router.get("/api/reports/products/", kStaff, [db](ts::http::Request& req) {
    const auto top = top_param(req, 3);
    const bool paid = paid_only_param(req);
    return ts::http::Response::json(storage::to_json(storage::report_products(*db, top, paid)));
  });
  router.get("/api/reports/revenue/", kStaff, [db](ts::http::Request& req) {
    const bool paid = paid_only_param(req);
    return ts::http::Response::json(storage::to_json(storage::report_revenue(*db, paid)));
  });
}

}  // namespace shop::api
