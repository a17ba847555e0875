#include "platform/auth/signed_value.hpp"

#include "platform/auth/crypto.hpp"
#include "platform/auth/csrf.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace ts::auth;
using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

namespace {

const std::string kSecret = "signing-secret-signing-secret-32";  // 32 bytes
const Clock::time_point kT0 = Clock::time_point(std::chrono::seconds(1'700'000'000));

}  // namespace

TEST(SignedValue, RoundTrip) {
  const auto token = sign(kSecret, "password-reset", "user:42", kT0 + 1h);
  EXPECT_EQ(unsign(kSecret, "password-reset", token, kT0), std::optional<std::string>("user:42"));
  EXPECT_EQ(unsign(kSecret, "password-reset", token, kT0 + 1h - 1s),
            std::optional<std::string>("user:42"));
  // Safe for cookies and URLs as is.
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."),
      std::string::npos);
}

TEST(SignedValue, ArbitraryPayloadBytes) {
  const std::string payload("a.b\0c$\xff{\"json\":true}", 21);
  const auto token = sign(kSecret, "session", payload, kT0 + 1h);
  EXPECT_EQ(unsign(kSecret, "session", token, kT0), std::optional<std::string>(payload));
  const auto empty = sign(kSecret, "session", "", kT0 + 1h);
  EXPECT_EQ(unsign(kSecret, "session", empty, kT0), std::optional<std::string>(""));
}

TEST(SignedValue, ExpiredIsRejected) {
  const auto token = sign(kSecret, "session", "user:42", kT0 + 1h);
  EXPECT_FALSE(unsign(kSecret, "session", token, kT0 + 1h).has_value());
  EXPECT_FALSE(unsign(kSecret, "session", token, kT0 + 48h).has_value());
}

TEST(SignedValue, PurposesAreSeparated) {
  const auto reset = sign(kSecret, "password-reset", "user:42", kT0 + 1h);
  EXPECT_FALSE(unsign(kSecret, "session", reset, kT0).has_value());
  EXPECT_FALSE(unsign(kSecret, "password-reset2", reset, kT0).has_value());
  EXPECT_FALSE(unsign(kSecret, "password-rese", reset, kT0).has_value());
  EXPECT_TRUE(unsign(kSecret, "password-reset", reset, kT0).has_value());
}

TEST(SignedValue, OtherSecretIsRejected) {
  const auto token = sign(kSecret, "session", "user:42", kT0 + 1h);
  EXPECT_FALSE(unsign(std::string(32, 'q'), "session", token, kT0).has_value());
}

TEST(SignedValue, TamperedPayloadExpiryOrMacIsRejected) {
  const auto token = sign(kSecret, "session", "user:42", kT0 + 1h);
  const auto dot1 = token.find('.');
  const auto dot2 = token.rfind('.');
  // Swap in another payload.
  const std::string other_payload = base64url_encode("user:1") + token.substr(dot1);
  EXPECT_FALSE(unsign(kSecret, "session", other_payload, kT0).has_value());
  // Extend the expiry.
  const std::string later =
      token.substr(0, dot1 + 1) + std::to_string(1'800'000'000) + token.substr(dot2);
  EXPECT_FALSE(unsign(kSecret, "session", later, kT0).has_value());
  // Flip a MAC bit.
  auto tag = *base64url_decode(token.substr(dot2 + 1));
  tag[0] = static_cast<char>(tag[0] ^ 1);
  EXPECT_FALSE(unsign(kSecret, "session", token.substr(0, dot2 + 1) + base64url_encode(tag), kT0)
                   .has_value());
  // Sanity: untouched token still verifies.
  EXPECT_TRUE(unsign(kSecret, "session", token, kT0).has_value());
}

TEST(SignedValue, MalformedIsRejected) {
  const auto token = sign(kSecret, "session", "user:42", kT0 + 1h);
  const std::string cases[] = {
      "",
      ".",
      "..",
      "abc",
      "a.b",
      token + ".",
      "." + token,
      token + "=",
      " " + token,
      token + "\n",
      token.substr(0, token.rfind('.')),
      std::string(20000, 'a'),
  };
  for (const auto& c : cases) EXPECT_FALSE(unsign(kSecret, "session", c, kT0).has_value()) << c;
}

TEST(SignedValue, CsrfTokensAreNotSignedValues) {
  // Same secret, purpose named like the CSRF helper: still no cross-acceptance.
  const auto csrf = csrf_token(kSecret, "s", kT0);
  EXPECT_FALSE(unsign(kSecret, "csrf", csrf, kT0).has_value());
  const auto value = sign(kSecret, "csrf", "s", kT0 + 1h);
  EXPECT_FALSE(csrf_verify(kSecret, "s", value, kT0, 1h));
}

TEST(SignedValue, MisuseThrows) {
  EXPECT_THROW(sign("short", "session", "x", kT0 + 1h), std::invalid_argument);
  EXPECT_THROW(sign(kSecret, "", "x", kT0 + 1h), std::invalid_argument);
  EXPECT_THROW(unsign("short", "session", "x", kT0), std::invalid_argument);
}

// A token made with python3's hmac/hashlib (not our code), so the wire format
// cannot drift: sessions signed by an older build stay valid after a deploy.
//   key = hmac(secret, b"tierstack signed value v1\0session", sha256)
//   body = b64u(b'{"u":1}') + ".2000000000"; token = body + "." + b64u(hmac(key, body))
TEST(SignedValue, KnownAnswerFromAnIndependentImplementation) {
  const std::string secret = "0123456789abcdef0123456789abcdef-secret";
  const std::string token = "eyJ1IjoxfQ.2000000000.8C_DS4TsMrRClJWzGQZYWKOFqGWVjixLkveGV1L7tSg";
  EXPECT_EQ(sign(secret, "session", R"({"u":1})", Clock::from_time_t(2000000000)), token);
  EXPECT_EQ(unsign(secret, "session", token, Clock::from_time_t(1999999999)),
            std::optional<std::string>(R"({"u":1})"));
  // Many purposes on one thread (more than the prepared-key cache holds) stay right.
  for (int round = 0; round < 2; ++round)
    for (int i = 0; i < 40; ++i) {
      const std::string purpose = "p" + std::to_string(i);
      const auto t = sign(secret, purpose, "x", Clock::from_time_t(2000000000));
      EXPECT_TRUE(unsign(secret, purpose, t, Clock::from_time_t(1999999999)));
      EXPECT_FALSE(unsign(secret, "p" + std::to_string(i + 1), t, Clock::from_time_t(1999999999)));
    }
  EXPECT_EQ(unsign(secret, "session", token, Clock::from_time_t(1999999999)),
            std::optional<std::string>(R"({"u":1})"));
}
