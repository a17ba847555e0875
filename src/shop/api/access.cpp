#include "shop/api/access.hpp"

#include "shop/api/errors.hpp"

namespace shop::api {

const User& caller(const ts::http::Request& req) {
  if (const auto* u = current_user(req)) return *u;
  throw not_signed_in();
}

void check_access(const ts::http::Request& req, ts::http::Access access) {
  const auto& user = caller(req);
  if (access == ts::http::Access::staff && !user.is_staff) throw not_staff();
}

}  // namespace shop::api
