// Orders: GET /account/all-orders-list/ (the original's unpaginated list, and
// a paginated, filtered variant when query parameters ask for it) and
// PUT /account/change-order-status/<pk>/. The SQL is in storage/orders.cpp.
#include <boost/json.hpp>

#include <algorithm>

#include "platform/core/paginate.hpp"
#include "platform/core/text.hpp"
#include "platform/http/error.hpp"
#include "shop/api/access.hpp"
#include "shop/api/body.hpp"
#include "shop/api/errors.hpp"
#include "shop/api/routes.hpp"
#include "shop/domain/checkout.hpp"
#include "shop/storage/orders.hpp"

namespace shop::api {

namespace {

constexpr std::int64_t kDefaultPageSize = 50;
constexpr std::int64_t kMaxPageSize = 500;

std::optional<std::int64_t> positive_int(const std::optional<std::string>& text,
                                         std::string_view field) {
  if (!text) return std::nullopt;
  std::int64_t v = 0;
  if (text->empty() || text->size() > 12) throw field_error(field, "A valid integer is required.");
  for (char c : *text) {
    if (c < '0' || c > '9') throw field_error(field, "A valid integer is required.");
    v = v * 10 + (c - '0');
  }
  if (v < 1) throw field_error(field, "Ensure this value is greater than or equal to 1.");
  return v;
}

std::optional<bool> query_bool(const std::optional<std::string>& text, std::string_view field) {
  if (!text || text->empty()) return std::nullopt;
  const auto t = ts::core::to_lower(*text);
  if (t == "true" || t == "1" || t == "yes") return true;
  if (t == "false" || t == "0" || t == "no") return false;
  throw field_error(field, "Must be a valid boolean.");
}

// A link to another page with the same filters (relative, like the rest of the API's URLs).
std::string page_link(const storage::OrderFilter& f, std::int64_t page, bool size_given) {
  std::string q = "/account/all-orders-list/?page=" + std::to_string(page);
  if (size_given) q += "&page_size=" + std::to_string(f.page_size);
  if (f.delivered) q += std::string("&delivered=") + (*f.delivered ? "true" : "false");
  if (f.paid) q += std::string("&paid=") + (*f.paid ? "true" : "false");
  if (f.search && !f.search->empty()) q += "&q=" + ts::core::percent_encode(*f.search);
  return q;
}

ts::http::Response raw_json(std::string body, int status = 200) {
  return ts::http::Response(status, std::move(body), "application/json");
}

}  // namespace

void register_orders(Shop& shop, ts::http::Router& router) {
  auto db = shop.db;

  // On SQLite a customer's own list is a short in-process read: it runs on the
  // network thread (token check included) instead of two hops through the
  // worker pool; on PostgreSQL in a fiber on the network thread. Staff's lists
  // (all orders) move to the workers (require_worker).
  ts::http::RouteOptions list_options = kSignedIn;
  list_options.blocking = db->dialect() != ts::db::Dialect::sqlite;
  list_options.db_only = true;
  router.get("/account/all-orders-list/", list_options, [db](ts::http::Request& req) {
    const auto& user = caller(req);
    if (user.is_staff) ts::http::require_worker();
    const std::optional<std::int64_t> owner =
        user.is_staff ? std::nullopt : std::optional<std::int64_t>(user.id);
    const auto page = req.query_param("page");
    const auto page_size = req.query_param("page_size");
    const auto delivered = req.query_param("delivered");
    const auto paid = req.query_param("paid");
    const auto search = req.query_param("q");
    if (!page && !page_size && !delivered && !paid && !search)
      return raw_json(storage::all_orders_json(*db, owner));

    storage::OrderFilter f;
    f.user_id = owner;
    f.page = positive_int(page, "page").value_or(1);
    f.page_size =
        std::min(positive_int(page_size, "page_size").value_or(kDefaultPageSize), kMaxPageSize);
    f.delivered = query_bool(delivered, "delivered");
    f.paid = query_bool(paid, "paid");
    if (search && !search->empty()) f.search = *search;
    const auto result = storage::list_orders(*db, f);
    if (result.results.empty() && f.page > 1) throw HttpError::not_found("Invalid page.");

    const bool size_given = page_size.has_value();
    std::string out = "{\"count\":" + std::to_string(result.count) + ",\"next\":";
    const ts::core::Page pg{f.page, f.page_size};
    if (pg.has_next(result.count))
      out += boost::json::serialize(boost::json::value(page_link(f, f.page + 1, size_given)));
    else
      out += "null";
    out += ",\"previous\":";
    if (pg.has_previous())
      out += boost::json::serialize(boost::json::value(page_link(f, f.page - 1, size_given)));
    else
      out += "null";
    out += ",\"results\":[";
    bool first = true;
    for (const auto& o : result.results) {
      if (!first) out.push_back(',');
      first = false;
      storage::append_order_json(out, o);
    }
    out += "]}";
    return raw_json(std::move(out));
  });

  router.put("/account/change-order-status/{pk:int}/", kStaff, [db](ts::http::Request& req) {
    const auto id = req.param_int("pk");
    auto update = domain::parse_delivery_update(read_body_object(req));
    // Not found before validation, as a missing object outranks a bad body.
    if (!storage::find_order(*db, id)) throw HttpError::not_found();
    if (!update) throw field_errors(update.error());
    storage::update_delivery(*db, id, update.value());
    auto order = storage::find_order(*db, id);
    if (!order) throw HttpError::not_found();
    return raw_json(storage::order_json(*order));
  });
}

}  // namespace shop::api
