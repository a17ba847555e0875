#pragma once
#include "microblog/app.hpp"
#include "platform/http/router.hpp"

namespace microblog::api {
void register_api(Microblog& app, ts::http::Router& r);
}
