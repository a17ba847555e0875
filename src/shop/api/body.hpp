#pragma once
#include <boost/json/object.hpp>

#include "platform/http/message.hpp"

namespace shop::api {

// The body as an object whatever the encoding the original accepted (JSON,
// form-urlencoded, multipart); addresses, cards, checkout and orders read
// their bodies so. Defined in addresses.cpp.
boost::json::object read_body_object(const ts::http::Request& req);

}  // namespace shop::api
