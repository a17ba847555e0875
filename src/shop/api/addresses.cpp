#include "shop/api/routes.hpp"

namespace shop::api {

void register_addresses(Shop& shop, ts::http::Router& router) {
  (void)shop;
  (void)router;
}

}  // namespace shop::api
