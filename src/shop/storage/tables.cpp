#include "shop/storage/tables.hpp"

namespace shop::storage {

void ship_to(OrderRow& order, const domain::ShippingAddress& address) {
  const auto& a = address.fields;
  order.address_id = address.address_id;
  order.shipping_name = a.name;
  order.shipping_phone_number = a.phone_number;
  order.shipping_house_no = a.house_no;
  order.shipping_landmark = a.landmark;
  order.shipping_city = a.city;
  order.shipping_state = a.state;
  order.shipping_pin_code = a.pin_code;
}

// What a request needs of an account (its sign-up and last-login times are
// shown nowhere).
const ts::db::Table<UserRecord>& user_view() {
  using U = UserRecord;
  static const ts::db::Table<U> t("shop_users",
                                  {{"id", &U::id},
                                   {"username", &U::username},
                                   {"email", &U::email},
                                   {"password_hash", &U::password_hash},
                                   {"is_staff", &U::is_staff},
                                   {"is_active", &U::is_active},
                                   {"is_superuser", &U::is_superuser},
                                   {"password_reset_required", &U::password_reset_required},
                                   {"token_generation", &U::token_generation}});
  return t;
}

const ts::db::Table<UserRow>& users_table() {
  using R = UserRow;
  static const ts::db::Table<R> t(
      user_view(), {{"date_joined", &R::date_joined}, {"last_login", &R::last_login}});
  return t;
}

// The catalogue's view of a product (created_at is not shown).
const ts::db::Table<Product>& product_view() {
  using P = Product;
  static const ts::db::Table<P> t("shop_products", {{"id", &P::id},
                                                    {"name", &P::name},
                                                    {"description", &P::description},
                                                    {"price_cents", &P::price_cents},
                                                    {"stock", &P::stock},
                                                    {"image", &P::image}});
  return t;
}

const ts::db::Table<ProductRow>& products_table() {
  static const ts::db::Table<ProductRow> t(product_view(),
                                           {{"created_at", &ProductRow::created_at}});
  return t;
}

// A saved address: its owner and the seven fields the forms edit.
const ts::db::Table<Address>& addresses_table() {
  using F = domain::AddressFields;
  static const ts::db::Table<Address> t("shop_addresses",
                                        {{"id", &Address::id},
                                         {"user_id", &Address::user_id},
                                         {"name", &Address::fields, &F::name},
                                         {"phone_number", &Address::fields, &F::phone_number},
                                         {"pin_code", &Address::fields, &F::pin_code},
                                         {"house_no", &Address::fields, &F::house_no},
                                         {"landmark", &Address::fields, &F::landmark},
                                         {"city", &Address::fields, &F::city},
                                         {"state", &Address::fields, &F::state}});
  return t;
}

// A saved card as the API shows it (created_at is not shown).
const ts::db::Table<SavedCard>& card_view() {
  using C = SavedCard;
  static const ts::db::Table<C> t("shop_cards", {{"id", &C::id},
                                                 {"user_id", &C::user_id},
                                                 {"email", &C::email},
                                                 {"name_on_card", &C::name_on_card},
                                                 {"customer_id", &C::customer_id},
                                                 {"card_id", &C::card_id},
                                                 {"brand", &C::brand},
                                                 {"last4", &C::last4},
                                                 {"exp_month", &C::exp_month},
                                                 {"exp_year", &C::exp_year},
                                                 {"address_city", &C::address_city},
                                                 {"address_country", &C::address_country},
                                                 {"address_state", &C::address_state},
                                                 {"address_zip", &C::address_zip}});
  return t;
}

const ts::db::Table<CardRow>& cards_table() {
  static const ts::db::Table<CardRow> t(card_view(), {{"created_at", &CardRow::created_at}});
  return t;
}

// An order as the API shows it, plus its product reference. The JSON writer
// (orders.cpp) reads the first eleven cells by position: keep this order.
const ts::db::Table<Order>& order_view() {
  using O = Order;
  static const ts::db::Table<O> t("shop_orders", {{"id", &O::id},
                                                  {"name", &O::name},
                                                  {"ordered_item", &O::ordered_item},
                                                  {"card_number", &O::card_number},
                                                  {"address", &O::address},
                                                  {"paid_status", &O::paid_status},
                                                  {"paid_at", &O::paid_at},
                                                  {"total_price_cents", &O::total_price_cents},
                                                  {"is_delivered", &O::is_delivered},
                                                  {"delivered_at", &O::delivered_at},
                                                  {"user_id", &O::user_id},
                                                  {"product_id", &O::product_id}});
  return t;
}

const ts::db::Table<OrderRow>& orders_table() {
  using R = OrderRow;
  static const ts::db::Table<R> t(order_view(),
                                  {{"address_id", &R::address_id},
                                   {"shipping_name", &R::shipping_name},
                                   {"shipping_phone_number", &R::shipping_phone_number},
                                   {"shipping_house_no", &R::shipping_house_no},
                                   {"shipping_landmark", &R::shipping_landmark},
                                   {"shipping_city", &R::shipping_city},
                                   {"shipping_state", &R::shipping_state},
                                   {"shipping_pin_code", &R::shipping_pin_code},
                                   {"charge_id", &R::charge_id},
                                   {"idempotency_key", &R::idempotency_key},
                                   {"created_at", &R::created_at}});
  return t;
}

const ts::db::Table<SandboxCustomerRow>& sandbox_customers_table() {
  using R = SandboxCustomerRow;
  static const ts::db::Table<R> t(
      "shop_sandbox_customers",
      {{"id", &R::id}, {"email", &R::email}, {"created_at", &R::created_at}});
  return t;
}

const ts::db::Table<SandboxCardRow>& sandbox_cards_table() {
  using R = SandboxCardRow;
  static const ts::db::Table<R> t("shop_sandbox_cards", {{"id", &R::id},
                                                         {"customer_id", &R::customer_id},
                                                         {"behaviour", &R::behaviour},
                                                         {"brand", &R::brand},
                                                         {"last4", &R::last4},
                                                         {"exp_month", &R::exp_month},
                                                         {"exp_year", &R::exp_year},
                                                         {"name", &R::name},
                                                         {"address_city", &R::address_city},
                                                         {"address_country", &R::address_country},
                                                         {"address_state", &R::address_state},
                                                         {"address_zip", &R::address_zip},
                                                         {"created_at", &R::created_at},
                                                         {"attached_at", &R::attached_at}});
  return t;
}

}  // namespace shop::storage
