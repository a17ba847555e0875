#pragma once
// Product endpoints under /api/ (spec shop.md §2.3).
#include "platform/service/service.hpp"

namespace shop::api {
void register_products(ts::service::Context& ctx);
}
