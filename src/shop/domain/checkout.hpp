#pragma once
// Checkout and delivery rules. The server prices the order from the product;
// whatever amount the client sends is only checked against that price. The
// order record carries a product reference and a structured shipping address
// besides the original's flattened text, so reports need no string parsing.
#include "shop/domain/field_errors.hpp"
#include "shop/domain/money.hpp"
#include "shop/domain/result.hpp"
#include "shop/domain/timestamps.hpp"
#include "shop/domain/validation.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shop::domain {

struct ProductSnapshot {
  std::int64_t id = 0;
  std::string name;
  Money price;
  bool in_stock = false;
};

struct ShippingAddress {
  std::optional<std::int64_t> address_id;  // the saved address it came from, if any
  AddressFields fields;
};

// house_no + ' ' + landmark + ', ' + city + ', ' + state + ' ' + pin_code, the
// form of every generated order: "141 Andrew Court, Briannamouth, Alabama 710803".
std::string flatten_address(const AddressFields& a);
// Whitespace runs become one space, ends trimmed: the original client's
// "<state>, \n        <pin_code>" compares equal to "<state>, <pin_code>".
std::string squash_whitespace(std::string_view s);

struct CheckoutError {
  enum class Code { out_of_stock, invalid_amount, amount_mismatch, invalid_card };
  Code code;
  std::string field;  // "product", "amount", "total_price", "card_number"
  std::string message;
};

struct CheckoutInput {
  ProductSnapshot product;
  ShippingAddress shipping;
  std::string card_last4;
  // Amounts the client claims, by field name (e.g. /payments/charge-customer/
  // sends "amount" and "total_price"); null values are ignored.
  std::vector<std::pair<std::string, boost::json::value>> client_amounts;
};

// The row to insert into the orders table (names as the original's columns).
struct OrderDraft {
  std::string name;          // customer name = the shipping address's name
  std::string ordered_item;  // product name at the time of the order
  std::int64_t product_id = 0;
  std::string card_number;  // last four digits only
  std::string address;      // flattened, for the original's clients
  ShippingAddress shipping;
  Money total_price;
  bool paid_status = false;
  std::optional<Timestamp> paid_at;
  bool is_delivered = false;
  std::optional<std::string> delivered_at;  // NULL while undelivered
  std::string charge_id;

  std::int64_t amount_minor() const { return total_price.cents(); }
};

namespace msg {
inline constexpr std::string_view kOutOfStock = "This product is out of stock.";
inline constexpr std::string_view kInvalidLast4 = "Enter the last four digits of the card.";
std::string amount_mismatch(
    Money price);  // "The amount does not match the product's price (1200.99)."
}  // namespace msg

// Checks stock and client amounts; the draft is unpaid until mark_paid.
Result<OrderDraft, CheckoutError> prepare_order(const CheckoutInput& input);
void mark_paid(OrderDraft& order, std::string charge_id, Timestamp paid_at);

// PUT /account/change-order-status/<id>/ body: is_delivered as Django's model
// field accepts it (true/false, 1/0, "True"/"False"/"t"/"f"/"1"/"0"; anything
// else is a 400, where the original crashed), delivered_at text ≤ 200 or null.
struct DeliveryUpdate {
  bool is_delivered = false;
  std::optional<std::string> delivered_at;
};
inline constexpr std::size_t kDeliveredAtMaxLength = 200;
Result<DeliveryUpdate, FieldErrors> parse_delivery_update(const boost::json::object& body);

}  // namespace shop::domain
