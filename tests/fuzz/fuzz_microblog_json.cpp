// libFuzzer target: the microblog API's request input — the JSON bodies of
// POST /api/users and PUT /api/users/<id> as its handlers read them
// (boost::json::parse to an object, string fields, microblog/domain checks),
// plus the other client-supplied text the API and pages check with the same
// domain functions: the Basic credentials, ?page=, ?next= redirects. The
// first byte picks which; the rest is the input. The checks mirror the
// handler's: what passes must satisfy the promised rule.
#include <boost/json.hpp>

#include <optional>
#include <string>

#include "fuzz_check.hpp"
#include "microblog/domain/text.hpp"
#include "platform/auth/crypto.hpp"
#include "platform/core/text.hpp"
#include "platform/http/message.hpp"

namespace {

namespace json = boost::json;
namespace d = microblog::domain;
using fuzz::check;

// str_field() of the API: absent, a string, or a 400 (here: nullopt + bad).
std::optional<std::string> str_field(const json::object& o, const char* key, bool& bad) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    bad = true;
    return std::nullopt;
  }
  return std::string(v->get_string());
}

void username_rules(const std::string& u) {
  if (!d::valid_username(u)) return;
  check(!u.empty() && u.size() <= 64);
  for (char c : u)
    check((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == '-');
  // It becomes a URL path segment: nothing to escape.
  check(ts::core::percent_encode(u) == u);
}

void email_rules(const std::string& e) {
  if (!d::valid_email(e)) return;
  check(e.size() <= 120 && e.find(' ') == std::string::npos && e.find('@') != std::string::npos);
  const std::string avatar = d::avatar_url(e, 128);
  check(avatar.find(d::md5_hex(ts::core::to_lower(e))) != std::string::npos);
}

void api_body(std::string_view text) {
  json::error_code ec;
  const auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return;  // the handler's 400
  const auto& o = v.get_object();
  bool bad = false;
  const auto username = str_field(o, "username", bad), email = str_field(o, "email", bad),
             password = str_field(o, "password", bad), about = str_field(o, "about_me", bad);
  if (bad) return;
  if (username) username_rules(*username);
  if (email) email_rules(*email);
  if (password && d::valid_password_length(*password)) {
    const auto n = d::utf8_length(*password);
    check(n >= static_cast<std::size_t>(d::kPasswordMin) &&
          n <= static_cast<std::size_t>(d::kPasswordMax));
  }
  if (about) check(d::utf8_length(*about) <= about->size());
}

void basic_credentials(std::string_view header_value) {
  const std::string trimmed(ts::core::trim(header_value));
  check(ts::core::trim(trimmed) == trimmed);
  const auto decoded = ts::auth::base64_decode(trimmed);
  if (!decoded) return;
  // Decoding is exact: the canonical encoding of what we decoded decodes to it too.
  check(ts::auth::base64_decode(ts::auth::base64_encode(*decoded)) == decoded);
}

void query_values(std::string_view text) {
  const std::string s(text);
  const int page = d::parse_page(s);
  check(page >= 1);
  check(d::parse_page(std::nullopt) == 1);
  if (d::is_safe_next(s)) {
    // Only local paths: never another host ("//x", "/\\x").
    check(!s.empty() && s[0] == '/');
    check(s.size() < 2 || (s[1] != '/' && s[1] != '\\'));
  }
  // percent_encode output is a query value that decodes back to the input.
  const std::string enc = ts::core::percent_encode(s);
  check(ts::http::form_decode(enc) == s);
  check(d::valid_utf8(s) || d::utf8_length(s) == s.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto rest = fuzz::text(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      api_body(rest);
      break;
    case 1:
      basic_credentials(rest);
      break;
    default:
      query_values(rest);
      break;
  }
  return 0;
}
