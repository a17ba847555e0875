#include "shop/domain/card_object.hpp"

#include <boost/json.hpp>

namespace shop::domain {

boost::json::object card_object(const GatewayCard& c) {
  return {{"id", c.id},
          {"object", "card"},
          {"brand", brand_display_name(c.brand)},
          {"last4", c.last4},
          {"exp_month", c.exp_month},
          {"exp_year", c.exp_year},
          {"customer",
           c.customer_id.empty() ? boost::json::value(nullptr) : boost::json::value(c.customer_id)},
          {"name", c.name.empty() ? boost::json::value(nullptr) : boost::json::value(c.name)},
          {"address_city", c.address.city},
          {"address_country", c.address.country},
          {"address_state", c.address.state},
          {"address_zip", c.address.zip}};
}

boost::json::object card_note_object(const GatewayCard& c) {
  auto card = card_object(c);
  card["brand"] = brand_code(c.brand);
  return card;
}

std::optional<GatewayCard> card_of_note_object(const boost::json::object& c) {
  auto text = [&](const char* k) {
    const auto* p = c.if_contains(k);
    return p && p->is_string() ? std::string(p->get_string()) : std::string();
  };
  auto number = [&](const char* k) {
    const auto* p = c.if_contains(k);
    return p && p->is_int64() ? static_cast<int>(p->get_int64()) : 0;
  };
  GatewayCard card;
  card.id = text("id");
  card.customer_id = text("customer");
  card.brand = brand_from_code(text("brand"));
  card.last4 = text("last4");
  card.exp_month = number("exp_month");
  card.exp_year = number("exp_year");
  card.name = text("name");
  card.address = {text("address_city"), text("address_country"), text("address_state"),
                  text("address_zip")};
  if (card.id.empty() || card.customer_id.empty()) return std::nullopt;
  return card;
}

}  // namespace shop::domain
