#include "shop/domain/checkout.hpp"

namespace shop::domain {

namespace msg {
std::string amount_mismatch(Money price) {
  return "The amount does not match the product's price (" + price.to_string() + ").";
}
}  // namespace msg

std::string squash_whitespace(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string flatten_address(const AddressFields& a) {
  return a.house_no + ' ' + a.landmark + ", " + a.city + ", " + a.state + ' ' + a.pin_code;
}

namespace {
bool four_digits(std::string_view s) {
  if (s.size() != 4) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}
}  // namespace

Result<OrderDraft, CheckoutError> prepare_order(const CheckoutInput& input) {
  using Code = CheckoutError::Code;
  const auto& product = input.product;
  if (!product.in_stock)
    return failure(CheckoutError{Code::out_of_stock, "product", std::string(msg::kOutOfStock)});
  for (const auto& [field, value] : input.client_amounts) {
    if (value.is_null()) continue;
    const auto amount = parse_client_amount(value);
    if (!amount)
      return failure(CheckoutError{Code::invalid_amount, field, std::string(msg::kInvalidNumber)});
    if (!amount->exact || amount->value != product.price)
      return failure(
          CheckoutError{Code::amount_mismatch, field, msg::amount_mismatch(product.price)});
  }
  if (!four_digits(input.card_last4))
    return failure(
        CheckoutError{Code::invalid_card, "card_number", std::string(msg::kInvalidLast4)});

  OrderDraft order;
  order.name = input.shipping.fields.name;
  order.ordered_item = product.name;
  order.product_id = product.id;
  order.card_number = input.card_last4;
  order.address = flatten_address(input.shipping.fields);
  order.shipping = input.shipping;
  order.total_price = product.price;  // quantity is always one
  return order;
}

void mark_paid(OrderDraft& order, std::string charge_id, Timestamp paid_at) {
  order.paid_status = true;
  order.paid_at = paid_at;
  order.charge_id = std::move(charge_id);
}

Result<DeliveryUpdate, FieldErrors> parse_delivery_update(const boost::json::object& body) {
  FieldErrors errors;
  DeliveryUpdate out;
  if (const auto* v = body.if_contains("is_delivered")) {
    if (v->is_null()) {
      errors.add("is_delivered", std::string(msg::kNull));
    } else if (auto b = parse_django_boolean(*v)) {
      out.is_delivered = *b;
    } else {
      errors.add("is_delivered", std::string(msg::kInvalidBoolean));
    }
  } else {
    errors.add("is_delivered", std::string(msg::kRequired));
  }
  if (const auto* v = body.if_contains("delivered_at")) {
    if (!v->is_null()) {
      // Free text as in the original ("01 July 2021", "Not Delivered"), bounded.
      const CharFieldSpec spec{
          .max_length = kDeliveredAtMaxLength, .allow_blank = true, .trim = false};
      if (auto text = read_char_value(*v, "delivered_at", spec, errors)) out.delivered_at = *text;
    }
  } else {
    errors.add("delivered_at", std::string(msg::kRequired));
  }
  if (!errors.empty()) return failure(std::move(errors));
  return out;
}

}  // namespace shop::domain
