#include "shop/api/routes.hpp"

#include <boost/json.hpp>

#include "platform/http/error.hpp"
#include "shop/domain/money.hpp"
#include "shop/storage/products.hpp"

namespace shop::api {
namespace {

boost::json::object to_json(const storage::Product& p) {
  // Key order is the original serializer's.
  boost::json::object o;
  o["id"] = p.id;
  o["name"] = p.name;
  o["description"] = p.description;
  o["price"] = domain::Money::from_cents(p.price_cents).to_string();
  o["stock"] = p.stock;
  o["image"] = p.image ? boost::json::value("/images/" + *p.image) : boost::json::value(nullptr);
  return o;
}

}  // namespace

void register_products(Shop& shop, ts::http::Router& router) {
  auto db = shop.db;
  router.get("/api/products/", [db](ts::http::Request&) {
    boost::json::array out;
    for (const auto& p : storage::list_products(*db)) out.push_back(to_json(p));
    return ts::http::Response::json(out);
  });
  router.get("/api/product/{pk}/", [db](ts::http::Request& req) {
    // The original took <str:pk> and crashed (500) on anything not found;
    // a non-numeric or unknown id is a 404 here.
    std::int64_t id = 0;
    try {
      id = req.param_int("pk");
    } catch (const ts::http::HttpError&) {
      throw ts::http::HttpError::not_found();
    }
    auto p = storage::find_product(*db, id);
    if (!p) throw ts::http::HttpError::not_found();
    return ts::http::Response::json(to_json(*p));
  });
}

}  // namespace shop::api
