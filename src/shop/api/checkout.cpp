// Checkout: the new front end's idempotent POST /api/checkout/ and the
// original client's POST /payments/charge-customer/. Parse the key and the
// body, call service/checkout, word the answers; the flow is in
// src/shop/service/checkout.cpp, its SQL in storage/idempotency.cpp,
// storage/orders.cpp and storage/cards.cpp.
#include <boost/json.hpp>

#include "shop/api/access.hpp"
#include "shop/api/body.hpp"
#include "shop/api/errors.hpp"
#include "shop/api/routes.hpp"
#include "shop/service/checkout.hpp"

namespace shop::api {

using ts::http::Request;
using ts::http::Response;

namespace {

service::Answer declined(const domain::GatewayError& e) {
  const auto r = gateway_error(e, 402).to_response();
  return {r.status, r.body};
}

Response answer(const service::Answer& a) {
  Response r(a.status, a.body, "application/json");
  if (a.replayed) r.headers.set("Idempotent-Replayed", "true");
  return r;
}

Response checkout(Shop& shop, const Request& req) {
  const auto& user = caller(req);
  const auto key = domain::idempotency_key_of("checkout", req.header("Idempotency-Key"));
  if (!key)
    throw detail_error(400, "The Idempotency-Key header is required.", "idempotency_key_required");
  const auto body = read_body_object(req);
  const service::Wording wording{
      .with_order = true,
      .placed =
          [](const service::Placed& placed) {
            return service::Answer{201, storage::order_json(*placed.order)};
          },
      .declined = declined};
  return answer(service::checkout(shop, user, *key, req.body, body, wording));
}

Response charge_customer(Shop& shop, const Request& req) {
  const auto& user = caller(req);
  const auto body = read_body_object(req);
  const service::Wording wording{
      .placed =
          [](const service::Placed& placed) {
            return service::Answer{
                200, boost::json::serialize(boost::json::object{
                         {"data", boost::json::object{{"customer_id", placed.customer_id},
                                                      {"message", "Payment Successfull"}}}})};
          },
      .declined = declined};
  const auto key = req.header("Idempotency-Key");
  return answer(service::charge_customer(
      shop, user, key ? std::optional<std::string>(*key) : std::nullopt, req.body, body, wording));
}

}  // namespace

void register_checkout(Shop& shop, ts::http::Router& router) {
  Shop* s = &shop;
  router.post("/payments/charge-customer/", kSignedIn,
              [s](Request& req) { return mapped([&] { return charge_customer(*s, req); }); });
  router.post("/api/checkout/", kSignedIn,
              [s](Request& req) { return mapped([&] { return checkout(*s, req); }); });
}

}  // namespace shop::api
