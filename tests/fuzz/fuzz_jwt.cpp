// libFuzzer target: JWT bearer tokens (platform/auth/jwt) with a fixed key
// and clock. The first byte picks what the rest is:
//   even: a token from a client → verify() must refuse it unless one of our
//         own tokens, and a refusal must name a reason;
//   odd:  a JSON object of extra claims → issue() then verify() must give the
//         claims back, and the token must fail as another type, after expiry,
//         with another key and when its signature is altered.
#include <boost/json.hpp>

#include <chrono>
#include <cmath>
#include <string>

#include "fuzz_check.hpp"
#include "platform/auth/jwt.hpp"

namespace {

using fuzz::check;
using namespace std::chrono;
using ts::auth::TokenError;
using ts::auth::TokenOptions;
using ts::auth::TokenSigner;

const system_clock::time_point kNow = system_clock::time_point(seconds(1'800'000'000));

TokenSigner signer(std::string key, seconds shift = seconds(0)) {
  TokenOptions o;
  o.clock = [shift] { return kNow + shift; };
  return TokenSigner(std::move(key), "tierstack-fuzz", std::move(o));
}

// JSON values equal up to the last bit of a double: boost::json's default
// number parsing is not always correctly rounded, so a double can come back
// one ulp away after serialise → parse. Everything else must be identical.
bool same(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_double() && b.is_double()) {
    const double x = a.get_double(), y = b.get_double();
    return x == y || std::fabs(x - y) <= 1e-15 * std::fmax(std::fabs(x), std::fabs(y));
  }
  if (a.is_object() && b.is_object()) {
    const auto &p = a.get_object(), &q = b.get_object();
    if (p.size() != q.size()) return false;
    for (const auto& kv : p) {
      const auto* w = q.if_contains(kv.key());
      if (!w || !same(kv.value(), *w)) return false;
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    const auto &p = a.get_array(), &q = b.get_array();
    if (p.size() != q.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i)
      if (!same(p[i], q[i])) return false;
    return true;
  }
  return a == b;
}

// Request::json() refuses numbers beyond a double's range (they would
// serialise as "Infinity"), so no client-supplied claim is ever infinite.
bool all_finite(const boost::json::value& v) {
  if (v.is_double()) return std::isfinite(v.get_double());
  if (v.is_array()) {
    for (const auto& e : v.get_array())
      if (!all_finite(e)) return false;
  } else if (v.is_object()) {
    for (const auto& kv : v.get_object())
      if (!all_finite(kv.value())) return false;
  }
  return true;
}

const std::string kKey = "fuzz-jwt-key-0123456789abcdef-0123456789abcdef";
const TokenSigner& ours() {
  static const TokenSigner s = signer(kKey);
  return s;
}

void client_token(std::string_view token) {
  const auto r = ours().verify(token, "access");
  if (!r) {
    check(!r.claims && !r.message.empty());
    return;
  }
  const auto& c = *r.claims;
  check(c.contains("exp") && c.at("token_type") == "access" && c.at("iss") == "tierstack-fuzz");
  check(ours().verify(token, "refresh").error == TokenError::wrong_type);
  check(!signer(kKey + "!").verify(token, "access"));
}

void issue_round_trip(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object() || !all_finite(v)) return;
  auto extra = v.as_object();
  // Claims issue() sets itself, and a future "nbf" (which verify() rightly
  // refuses), are not ours to round-trip.
  for (const char* k : {"exp", "iat", "jti", "token_type", "iss", "nbf"}) extra.erase(k);
  const std::string token = ours().issue("access", extra, seconds(300));
  const auto r = ours().verify(token, "access");
  check(r.ok());
  auto claims = *r.claims;
  check(claims.at("token_type") == "access" && claims.at("jti").as_string().size() == 32);
  for (const char* k : {"exp", "iat", "jti", "token_type", "iss"}) check(claims.erase(k) == 1);
  check(same(claims, extra));

  check(ours().verify(token, "refresh").error == TokenError::wrong_type);
  check(signer(kKey, seconds(301 + 10)).verify(token, "access").error == TokenError::expired);
  check(signer(kKey + "?").verify(token, "access").error == TokenError::bad_signature);
  // An altered first signature character: the signature no longer matches.
  const auto dot = token.rfind('.');
  std::string t = token;
  t[dot + 1] = t[dot + 1] == 'A' ? 'B' : 'A';
  check(!ours().verify(t, "access"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 8192) return 0;
  const auto rest = fuzz::text(data + 1, size - 1);
  if (data[0] % 2 == 0)
    client_token(rest);
  else
    issue_round_trip(rest);
  return 0;
}
