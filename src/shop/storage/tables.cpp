#include "shop/storage/tables.hpp"

namespace shop::storage {

void ship_to(OrderRow& order, const AddressRow& address) {
  order.address_id = address.id;
  order.shipping_name = address.name;
  order.shipping_phone_number = address.phone_number;
  order.shipping_house_no = address.house_no;
  order.shipping_landmark = address.landmark;
  order.shipping_city = address.city;
  order.shipping_state = address.state;
  order.shipping_pin_code = address.pin_code;
}

const ts::db::Table<UserRow>& users_table() {
  using R = UserRow;
  static const ts::db::Table<R> t("shop_users",
                                  {{"id", &R::id},
                                   {"username", &R::username},
                                   {"email", &R::email},
                                   {"password_hash", &R::password_hash},
                                   {"is_staff", &R::is_staff},
                                   {"is_active", &R::is_active},
                                   {"is_superuser", &R::is_superuser},
                                   {"date_joined", &R::date_joined},
                                   {"last_login", &R::last_login},
                                   {"password_reset_required", &R::password_reset_required}});
  return t;
}

const ts::db::Table<ProductRow>& products_table() {
  using R = ProductRow;
  static const ts::db::Table<R> t("shop_products", {{"id", &R::id},
                                                    {"name", &R::name},
                                                    {"description", &R::description},
                                                    {"price_cents", &R::price_cents},
                                                    {"stock", &R::stock},
                                                    {"image", &R::image},
                                                    {"created_at", &R::created_at}});
  return t;
}

const ts::db::Table<AddressRow>& addresses_table() {
  using R = AddressRow;
  static const ts::db::Table<R> t("shop_addresses", {{"id", &R::id},
                                                     {"user_id", &R::user_id},
                                                     {"name", &R::name},
                                                     {"phone_number", &R::phone_number},
                                                     {"pin_code", &R::pin_code},
                                                     {"house_no", &R::house_no},
                                                     {"landmark", &R::landmark},
                                                     {"city", &R::city},
                                                     {"state", &R::state}});
  return t;
}

const ts::db::Table<CardRow>& cards_table() {
  using R = CardRow;
  static const ts::db::Table<R> t("shop_cards", {{"id", &R::id},
                                                 {"user_id", &R::user_id},
                                                 {"email", &R::email},
                                                 {"name_on_card", &R::name_on_card},
                                                 {"customer_id", &R::customer_id},
                                                 {"card_id", &R::card_id},
                                                 {"brand", &R::brand},
                                                 {"last4", &R::last4},
                                                 {"exp_month", &R::exp_month},
                                                 {"exp_year", &R::exp_year},
                                                 {"address_city", &R::address_city},
                                                 {"address_country", &R::address_country},
                                                 {"address_state", &R::address_state},
                                                 {"address_zip", &R::address_zip},
                                                 {"created_at", &R::created_at}});
  return t;
}

const ts::db::Table<OrderRow>& orders_table() {
  using R = OrderRow;
  static const ts::db::Table<R> t("shop_orders",
                                  {{"id", &R::id},
                                   {"user_id", &R::user_id},
                                   {"name", &R::name},
                                   {"ordered_item", &R::ordered_item},
                                   {"product_id", &R::product_id},
                                   {"card_number", &R::card_number},
                                   {"address", &R::address},
                                   {"address_id", &R::address_id},
                                   {"shipping_name", &R::shipping_name},
                                   {"shipping_phone_number", &R::shipping_phone_number},
                                   {"shipping_house_no", &R::shipping_house_no},
                                   {"shipping_landmark", &R::shipping_landmark},
                                   {"shipping_city", &R::shipping_city},
                                   {"shipping_state", &R::shipping_state},
                                   {"shipping_pin_code", &R::shipping_pin_code},
                                   {"paid_status", &R::paid_status},
                                   {"paid_at", &R::paid_at},
                                   {"total_price_cents", &R::total_price_cents},
                                   {"is_delivered", &R::is_delivered},
                                   {"delivered_at", &R::delivered_at},
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
