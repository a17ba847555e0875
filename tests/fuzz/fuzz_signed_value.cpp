// libFuzzer target: signed values (platform/auth/signed_value) as they arrive
// in the microblog's session cookie and in e-mailed links. The first byte
// picks what the rest is:
//   even: a token from a client → unsign() must refuse it unless it is one
//         of ours, and a session payload that verifies decodes like Page does;
//   odd:  a payload → sign() then unsign() must give it back, and the token
//         must fail for another purpose, after its expiry and when altered.
#include <boost/json.hpp>

#include <chrono>
#include <string>

#include "fuzz_check.hpp"
#include "platform/auth/crypto.hpp"
#include "platform/auth/signed_value.hpp"

namespace {

using fuzz::check;
using namespace std::chrono;

const std::string kSecret = "fuzz-secret-0123456789abcdef-0123456789abcdef";
// A fixed clock, so a seed token made for it stays valid forever.
const system_clock::time_point kNow = system_clock::time_point(seconds(1'800'000'000));
const system_clock::time_point kExpiry = kNow + hours(1);

void client_token(std::string_view token) {
  const auto payload = ts::auth::unsign(kSecret, "session", token, kNow);
  if (!payload) return;
  // Only a token sign() made can verify: it does so again, and for no other
  // purpose or secret.
  const auto again = ts::auth::unsign(kSecret, "session", token, kNow);
  check(again && *again == *payload);
  check(!ts::auth::unsign(kSecret, "password-reset", token, kNow));
  check(!ts::auth::unsign(kSecret + "x", "session", token, kNow));
  // The session payload as microblog::web::Page reads it.
  boost::system::error_code ec;
  const auto v = boost::json::parse(*payload, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.as_object();
    if (auto* f = o.if_contains("f"); f && f->is_array())
      for (const auto& x : f->as_array()) (void)x.is_string();
  }
}

void payload_round_trip(std::string_view payload) {
  // unsign() refuses tokens over 16 KiB; stay well inside that.
  if (payload.size() > 8192) return;
  const std::string token = ts::auth::sign(kSecret, "session", payload, kExpiry);
  // Safe in a cookie and a URL without escaping.
  for (char c : token)
    check((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.');
  const auto back = ts::auth::unsign(kSecret, "session", token, kNow);
  check(back && *back == payload);
  check(!ts::auth::unsign(kSecret, "password-reset", token, kNow));
  check(!ts::auth::unsign(kSecret, "session", token, kExpiry + seconds(1)));
  check(!ts::auth::unsign(std::string(kSecret.rbegin(), kSecret.rend()), "session", token, kNow));
  // Any single altered character either breaks the token or (a base64 alias)
  // still yields exactly the signed payload; never another payload.
  const std::size_t at = payload.size() % token.size();
  for (char c : {'A', '0', '.', '_'}) {
    std::string t = token;
    if (t[at] == c) continue;
    t[at] = c;
    const auto r = ts::auth::unsign(kSecret, "session", t, kNow);
    check(!r || *r == payload);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto rest = fuzz::text(data + 1, size - 1);
  if (data[0] % 2 == 0)
    client_token(rest);
  else
    payload_round_trip(rest);
  return 0;
}
