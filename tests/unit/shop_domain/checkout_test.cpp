// Checkout pricing/refusals, address flattening and delivery-status parsing.
#include "shop/domain/checkout.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace shop::domain {
namespace {

ShippingAddress andrew_court() {
  return {
      7,
      {"Leslie Wyatt", "1166218360", "710803", "141", "Andrew Court", "Briannamouth", "Alabama"}};
}

ProductSnapshot headphones(bool in_stock = true) {
  return {4, "Bolt Headphones", Money::from_cents(120099), in_stock};
}

CheckoutInput input(std::vector<std::pair<std::string, boost::json::value>> amounts = {}) {
  return {headphones(), andrew_court(), "4094", std::move(amounts)};
}

TEST(FlattenAddress, GeneratedOrderForm) {
  // Synthetic order #75 of the seed database.
  EXPECT_EQ(flatten_address(andrew_court().fields),
            "141 Andrew Court, Briannamouth, Alabama 710803");
  EXPECT_EQ(flatten_address(
                {"n", "p", "990210", "85850", "David Groves", "West Courtneymouth", "Alaska"}),
            "85850 David Groves, West Courtneymouth, Alaska 990210");
}

TEST(Checkout, BuildsTheOrderFromServerData) {
  auto r = prepare_order(input());
  ASSERT_TRUE(r);
  const auto& o = r.value();
  EXPECT_EQ(o.name, "Leslie Wyatt");
  EXPECT_EQ(o.ordered_item, "Bolt Headphones");
  EXPECT_EQ(o.product_id, 4);
  EXPECT_EQ(o.card_number, "4094");
  EXPECT_EQ(o.address, "141 Andrew Court, Briannamouth, Alabama 710803");
  EXPECT_EQ(o.shipping.address_id, 7);
  EXPECT_EQ(o.shipping.fields.state, "Alabama");
  EXPECT_EQ(o.shipping.fields.pin_code, "710803");
  EXPECT_EQ(o.total_price.to_string(), "1200.99");
  EXPECT_EQ(o.amount_minor(), 120099);
  EXPECT_FALSE(o.paid_status);
  EXPECT_FALSE(o.paid_at);
  EXPECT_FALSE(o.is_delivered);
  EXPECT_FALSE(o.delivered_at);
}

TEST(Checkout, AcceptsMatchingClientAmounts) {
  // What the original front end sends: product.price as a string, twice.
  EXPECT_TRUE(prepare_order(input({{"amount", "1200.99"}, {"total_price", "1200.99"}})));
  EXPECT_TRUE(prepare_order(input({{"amount", 1200.99}})));
  EXPECT_TRUE(prepare_order(input({{"amount", "1200.990"}})));
  EXPECT_TRUE(prepare_order(input({{"amount", nullptr}})));
}

TEST(Checkout, RefusesDisagreeingAmounts) {
  auto r = prepare_order(input({{"amount", "1200.99"}, {"total_price", "1.00"}}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, CheckoutError::Code::amount_mismatch);
  EXPECT_EQ(r.error().field, "total_price");
  EXPECT_EQ(r.error().message, "The amount does not match the product's price (1200.99).");
  r = prepare_order(input({{"amount", "1200.991"}}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, CheckoutError::Code::amount_mismatch);
  r = prepare_order(input({{"amount", 1200}}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, CheckoutError::Code::amount_mismatch);
  r = prepare_order(input({{"amount", "free"}}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, CheckoutError::Code::invalid_amount);
  EXPECT_EQ(r.error().field, "amount");
  EXPECT_EQ(r.error().message, "A valid number is required.");
}

TEST(Checkout, RefusesOutOfStockFirst) {
  auto in = input({{"amount", "1.00"}});
  in.product.in_stock = false;
  auto r = prepare_order(in);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, CheckoutError::Code::out_of_stock);
  EXPECT_EQ(r.error().field, "product");
  EXPECT_EQ(r.error().message, "This product is out of stock.");
}

TEST(Checkout, RefusesAFullCardNumber) {
  auto in = input();
  in.card_last4 = "4242424242424242";
  auto r = prepare_order(in);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, CheckoutError::Code::invalid_card);
  EXPECT_EQ(r.error().field, "card_number");
}

TEST(Checkout, MarkPaid) {
  auto r = prepare_order(input());
  ASSERT_TRUE(r);
  const auto when = parse_db_timestamp("2021-06-29T16:03:10.030860Z").value();
  mark_paid(r.value(), "ch_123", when);
  EXPECT_TRUE(r->paid_status);
  EXPECT_EQ(r->paid_at, when);
  EXPECT_EQ(r->charge_id, "ch_123");
}

boost::json::object obj(std::string_view json) {
  return boost::json::parse(json).as_object();
}

TEST(DeliveryUpdate, AcceptedForms) {
  struct Case {
    const char* body;
    bool delivered;
  };
  for (auto c : {Case{R"({"is_delivered":true,"delivered_at":"01 July 2021"})", true},
                 Case{R"({"is_delivered":false,"delivered_at":"Not Delivered"})", false},
                 Case{R"({"is_delivered":"True","delivered_at":"x"})", true},
                 Case{R"({"is_delivered":"False","delivered_at":"x"})", false},
                 Case{R"({"is_delivered":"t","delivered_at":"x"})", true},
                 Case{R"({"is_delivered":"f","delivered_at":"x"})", false},
                 Case{R"({"is_delivered":"1","delivered_at":"x"})", true},
                 Case{R"({"is_delivered":"0","delivered_at":"x"})", false},
                 Case{R"({"is_delivered":1,"delivered_at":"x"})", true},
                 Case{R"({"is_delivered":0,"delivered_at":"x"})", false}}) {
    auto r = parse_delivery_update(obj(c.body));
    ASSERT_TRUE(r) << c.body;
    EXPECT_EQ(r->is_delivered, c.delivered) << c.body;
  }
  auto r =
      parse_delivery_update(obj(R"({"is_delivered":true,"delivered_at":"2022-07-16 02:21:55"})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->delivered_at, "2022-07-16 02:21:55");
  r = parse_delivery_update(obj(R"({"is_delivered":false,"delivered_at":null})"));
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->delivered_at);
}

TEST(DeliveryUpdate, CleanErrorsInsteadOfCrashes) {
  for (const char* bad : {R"("false")", R"("true")", R"("yes")", "2", R"("")", "[]"}) {
    auto r = parse_delivery_update(
        obj(std::string(R"({"delivered_at":"x","is_delivered":)") + bad + "}"));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(*r.error().find("is_delivered"),
              std::vector<std::string>{"Must be a valid boolean."});
  }
  auto r = parse_delivery_update(obj("{}"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().find("is_delivered")->at(0), "This field is required.");
  EXPECT_EQ(r.error().find("delivered_at")->at(0), "This field is required.");
  auto body = obj(R"({"is_delivered":null})");
  body["delivered_at"] = std::string(201, 'x');
  r = parse_delivery_update(body);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().find("is_delivered")->at(0), "This field may not be null.");
  EXPECT_EQ(r.error().find("delivered_at")->at(0),
            "Ensure this field has no more than 200 characters.");
  r = parse_delivery_update(obj(R"({"is_delivered":true,"delivered_at":{"a":1}})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().find("delivered_at")->at(0), "Not a valid string.");
}

}  // namespace
}  // namespace shop::domain
