#pragma once
// The two readers of raw request text a page needs before any view runs: the
// session cookie's value in a Cookie header and an urlencoded form body.
// Part of microblog_core (pure: ts::http::form_decode is all it uses), so
// unit_microblog_core and the fuzz target fuzz_microblog_form test it.
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace microblog::web {

// The value of the first cookie called `name` in a Cookie header (the page
// pipeline and the routing decision only ever need the session cookie).
std::optional<std::string_view> find_cookie(std::string_view header, std::string_view name);

// An application/x-www-form-urlencoded body: the first value of each name;
// a pair whose name or value has a malformed escape is dropped, and so is an
// empty one ("a=1&&b=2").
std::map<std::string, std::string> parse_form(std::string_view body);

}  // namespace microblog::web
