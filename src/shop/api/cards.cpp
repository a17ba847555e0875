// Saved cards: GET /account/stripe-cards/, POST /payments/create-card/,
// update-card/, delete-card/, GET /payments/card-details/, check-token and the
// retired test-payment. Parse, call service/cards, map; the flows are in
// src/shop/service/cards.cpp, the SQL in storage/cards.cpp.
#include <boost/json.hpp>

#include <array>

#include "shop/api/access.hpp"
#include "shop/api/body.hpp"
#include "shop/api/errors.hpp"
#include "shop/api/routes.hpp"
#include "shop/domain/card_object.hpp"
#include "shop/domain/json_values.hpp"
#include "shop/service/cards.hpp"

namespace shop::api {

using ts::http::Request;
using ts::http::Response;

namespace {

boost::json::value opt(const std::optional<std::string>& s) {
  return s ? boost::json::value(*s) : boost::json::value(nullptr);
}

boost::json::value opt_number_text(const std::optional<int>& v) {
  return v ? boost::json::value(std::to_string(*v)) : boost::json::value(nullptr);
}

// GET /account/stripe-cards/ row: the original's keys and order; card_number
// holds the last four digits (the original returned the full number).
boost::json::object saved_card_json(const storage::SavedCard& c) {
  return {{"id", c.id},
          {"email", opt(c.email)},
          {"name_on_card", opt(c.name_on_card)},
          {"customer_id", opt(c.customer_id)},
          {"card_number", opt(c.last4)},
          {"exp_month", opt_number_text(c.exp_month)},
          {"exp_year", opt_number_text(c.exp_year)},
          {"card_id", opt(c.card_id)},
          {"address_city", opt(c.address_city)},
          {"address_country", opt(c.address_country)},
          {"address_state", opt(c.address_state)},
          {"address_zip", opt(c.address_zip)},
          {"user", c.user_id}};
}

// Adds a "This field is required." for each key the body lacks.
void require_keys(const boost::json::object& body, std::initializer_list<const char*> keys) {
  domain::FieldErrors errors;
  for (const char* k : keys)
    if (!body.contains(k)) errors.add(k, std::string(domain::msg::kRequired));
  if (!errors.empty()) throw field_errors(errors);
}

Response create_card(Shop& shop, const Request& req) {
  const auto& user = caller(req);
  const auto body = read_body_object(req);
  require_keys(body, {"email", "number", "exp_month", "exp_year"});
  const auto& email_v = body.at("email");
  std::string email = email_v.is_string() ? std::string(email_v.get_string()) : "";
  if (email.empty()) email = user.email;
  const auto* save_v = body.if_contains("save_card");
  const bool save =
      save_v && !domain::is_falsy(*save_v) && domain::parse_drf_boolean(*save_v).value_or(true);
  const auto number = domain::scalar_text(body.at("number"));
  const auto set_up = number && number->size() == 4
                          ? service::reuse_saved_card(shop, user, *number)
                          : service::add_card(shop, user, email, service::read_card(body), save);
  return Response::json(boost::json::object{{"customer_id", opt(set_up.customer_id)},
                                            {"email", opt(set_up.email)},
                                            {"card_data", domain::card_object(set_up.card)}});
}

Response update_card(Shop& shop, const Request& req) {
  const auto& user = caller(req);
  const auto body = read_body_object(req);
  require_keys(body,
               {"customer_id", "card_id", "card_number", "exp_month", "exp_year", "name_on_card",
                "address_city", "address_country", "address_state", "address_zip"});
  auto text = [&](const char* k) { return domain::scalar_text(body.at(k)).value_or(""); };
  const service::CardChanges changes{
      text("card_id"),         text("card_number"),   text("exp_month"),
      text("exp_year"),        text("name_on_card"),  text("address_city"),
      text("address_country"), text("address_state"), text("address_zip")};
  const auto card = service::update_card(shop, user, changes);
  return Response::json(boost::json::object{
      {"detail", "card updated successfully"},
      {"data", boost::json::object{{"Updated Card", domain::card_object(card)}}}});
}

Response delete_card(Shop& shop, const Request& req) {
  const auto& user = caller(req);
  const auto body = read_body_object(req);
  service::CardSelector which;
  if (const auto* v = body.if_contains("id"); v && domain::id_value(*v)) {
    which.id = domain::id_value(*v);
  } else if (const auto* c = body.if_contains("card_id"); c && c->is_string()) {
    which.card_id = std::string(c->get_string());
  } else if (const auto* n = body.if_contains("card_number")) {
    const auto text = domain::scalar_text(*n);
    const auto digits = text ? domain::normalize_card_number(*text) : std::nullopt;
    if (digits && digits->size() >= 4) which.last4 = domain::last_four(*digits);
  } else {
    throw field_error("card_number", domain::msg::kRequired);
  }
  service::delete_card(shop, user, which);
  return Response::json(boost::json::value("Card deleted successfully."));
}

Response card_details(Shop& shop, const Request& req) {
  const auto customer = req.header("Customer-Id");
  const auto card_id = req.header("Card-Id");
  if (!customer || !card_id || customer->empty() || card_id->empty())
    throw detail_error(400, "The Customer-Id and Card-Id headers are required.");
  const auto card =
      service::card_details(shop, caller(req), std::string(*customer), std::string(*card_id));
  return Response::json(domain::card_object(card));
}

}  // namespace

void register_cards(Shop& shop, ts::http::Router& router) {
  Shop* s = &shop;
  router.get("/account/stripe-cards/", kSignedIn, [s](Request& req) {
    boost::json::array out;
    for (const auto& c : storage::list_cards(*s->db, caller(req).id))
      out.push_back(saved_card_json(c));
    return Response::json(out);
  });
  router.get("/payments/check-token/", kSignedIn,
             [](Request&) { return Response::json(boost::json::value("Token is Valid")); });
  // The original let anyone create real Stripe PaymentIntents here. Retired:
  // admins get 410, everyone else the usual 401/403.
  router.post("/payments/test-payment/", kStaff, [](Request&) {
    return Response::json(
        boost::json::object{{"detail",
                             "test-payment was retired; use /api/checkout/ with the sandbox "
                             "gateway to try a payment."}},
        410);
  });
  router.post("/payments/create-card/", kSignedIn,
              [s](Request& req) { return mapped([&] { return create_card(*s, req); }); });
  router.post("/payments/update-card/", kSignedIn,
              [s](Request& req) { return mapped([&] { return update_card(*s, req); }); });
  router.post("/payments/delete-card/", kSignedIn,
              [s](Request& req) { return mapped([&] { return delete_card(*s, req); }); });
  router.get("/payments/card-details/", kSignedIn,
             [s](Request& req) { return mapped([&] { return card_details(*s, req); }); });
}

}  // namespace shop::api
