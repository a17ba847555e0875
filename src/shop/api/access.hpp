#pragma once
// Who may call a route is declared where it is registered (RouteOptions::access);
// the server runs check_access on the request's header before the handler (and
// before reading a body). A handler of such a route reads its caller with
// caller(): the check has already refused everyone else.
#include "platform/http/message.hpp"
#include "platform/http/router.hpp"
#include "shop/app.hpp"

namespace shop::api {

inline const ts::http::RouteOptions kSignedIn{.access = ts::http::Access::user};
inline const ts::http::RouteOptions kStaff{.access = ts::http::Access::staff};

// The access check the server runs (Server::set_access_check): 401 for an
// anonymous caller, 403 for a non-staff caller of a staff route.
void check_access(const ts::http::Request& req, ts::http::Access access);

// The signed-in caller of a route registered with Access::user or
// Access::staff. (Registered without one, an anonymous caller gets 401.)
const User& caller(const ts::http::Request& req);

}  // namespace shop::api
