#pragma once
// One registration function per endpoint area; each lives in its own file
// (src/shop/api/<area>.cpp) with its SQL in src/shop/storage/<area>.cpp, and,
// where a flow spans several parts, its service in src/shop/service/<area>.cpp.
// Every route declares who may call it (api/access.hpp); errors are mapped to
// HTTP in api/errors.cpp.
#include "platform/http/router.hpp"
#include "shop/app.hpp"

namespace shop::api {

void register_products(Shop& shop, ts::http::Router& router);  // /api/…
void register_accounts(Shop& shop,
                       ts::http::Router& router);  // /account/ login, register, users, tokens
void register_addresses(Shop& shop, ts::http::Router& router);  // /account/ addresses
void register_cards(Shop& shop, ts::http::Router& router);      // /payments/ saved cards
void register_checkout(Shop& shop, ts::http::Router& router);   // /api/checkout/, charge-customer
void register_orders(Shop& shop, ts::http::Router& router);     // /account/ orders
void register_reports(Shop& shop, ts::http::Router& router);    // /api/reports/ (admins)

}  // namespace shop::api
