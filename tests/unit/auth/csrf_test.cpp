#include "platform/auth/csrf.hpp"

#include "platform/auth/crypto.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

using namespace ts::auth;
using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

namespace {

const std::string kSecret = "csrf-secret-csrf-secret-csrf-sec";  // 32 bytes
const Clock::time_point kT0 = Clock::time_point(std::chrono::seconds(1'700'000'000));
constexpr auto kMaxAge = 2h;

}  // namespace

TEST(Csrf, TokenShapeAndRoundTrip) {
  const auto token = csrf_token(kSecret, "session-1", kT0);
  EXPECT_TRUE(token.starts_with("1700000000.")) << token;
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2);
  EXPECT_TRUE(csrf_verify(kSecret, "session-1", token, kT0, kMaxAge));
  EXPECT_TRUE(csrf_verify(kSecret, "session-1", token, kT0 + kMaxAge, kMaxAge));
  EXPECT_NE(token, csrf_token(kSecret, "session-1", kT0));  // random part differs
}

TEST(Csrf, OtherSessionIsRejected) {
  const auto token = csrf_token(kSecret, "session-1", kT0);
  EXPECT_FALSE(csrf_verify(kSecret, "session-2", token, kT0, kMaxAge));
  EXPECT_FALSE(csrf_verify(kSecret, "session-11", token, kT0, kMaxAge));
  EXPECT_FALSE(csrf_verify(kSecret, "", token, kT0, kMaxAge));
}

TEST(Csrf, OtherSecretIsRejected) {
  const auto token = csrf_token(kSecret, "session-1", kT0);
  EXPECT_FALSE(csrf_verify(std::string(32, 'z'), "session-1", token, kT0, kMaxAge));
}

TEST(Csrf, ExpiredAndFutureTokensAreRejected) {
  const auto token = csrf_token(kSecret, "s", kT0);
  EXPECT_FALSE(csrf_verify(kSecret, "s", token, kT0 + kMaxAge + 1s, kMaxAge));
  EXPECT_FALSE(csrf_verify(kSecret, "s", token, kT0 + 10s, 5s));
  EXPECT_TRUE(csrf_verify(kSecret, "s", token, kT0 + 5s, 5s));
  // Minted by an instance whose clock runs ahead: up to a minute is tolerated.
  EXPECT_TRUE(csrf_verify(kSecret, "s", token, kT0 - 60s, kMaxAge));
  EXPECT_FALSE(csrf_verify(kSecret, "s", token, kT0 - 61s, kMaxAge));
  EXPECT_FALSE(csrf_verify(kSecret, "s", token, kT0, -1s));
}

TEST(Csrf, TamperedTokensAreRejected) {
  const auto token = csrf_token(kSecret, "s", kT0);
  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 + 1);
  // Push the timestamp forward to extend the lifetime.
  const std::string later = "1700009999" + token.substr(dot1);
  EXPECT_FALSE(csrf_verify(kSecret, "s", later, kT0, kMaxAge));
  // Change the random part.
  std::string nonce = token;
  nonce[dot1 + 1] = nonce[dot1 + 1] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(csrf_verify(kSecret, "s", nonce, kT0, kMaxAge));
  // Change the MAC.
  auto tag = *base64url_decode(token.substr(dot2 + 1));
  tag[5] = static_cast<char>(tag[5] ^ 0x40);
  EXPECT_FALSE(
      csrf_verify(kSecret, "s", token.substr(0, dot2 + 1) + base64url_encode(tag), kT0, kMaxAge));
  // Truncated MAC.
  EXPECT_FALSE(csrf_verify(kSecret, "s", token.substr(0, token.size() - 2), kT0, kMaxAge));
}

TEST(Csrf, MalformedTokensAreRejected) {
  const auto token = csrf_token(kSecret, "s", kT0);
  const auto dot1 = token.find('.');
  const std::string cases[] = {
      "",
      "..",
      "1700000000",
      token + ".",
      token + "x.y",
      " " + token,
      token + " ",
      "+" + token,
      "-" + token.substr(0, dot1) + token.substr(dot1),
      token.substr(dot1),  // no timestamp
      std::string(200, 'a'),
  };
  for (const auto& c : cases) EXPECT_FALSE(csrf_verify(kSecret, "s", c, kT0, kMaxAge)) << c;
  // Sanity: the unmodified token is still good.
  EXPECT_TRUE(csrf_verify(kSecret, "s", token, kT0, kMaxAge));
}

TEST(Csrf, MisuseThrows) {
  EXPECT_THROW(csrf_token("short", "s", kT0), std::invalid_argument);
  EXPECT_THROW(csrf_token(kSecret, "", kT0), std::invalid_argument);
  EXPECT_THROW(csrf_verify("short", "s", "x", kT0, kMaxAge), std::invalid_argument);
}

// A token made with python3's hmac/hashlib (not our code):
//   key = hmac(secret, b"tierstack csrf v1", sha256); nonce = b64u(bytes(range(16)))
//   tag = hmac(key, b"6:abc123|1900000000." + nonce); token = "1900000000." + nonce + "." +
//   b64u(tag)
TEST(Csrf, KnownAnswerFromAnIndependentImplementation) {
  const std::string secret = "0123456789abcdef0123456789abcdef-secret";
  const std::string token =
      "1900000000.AAECAwQFBgcICQoLDA0ODw.O2QS5UMj43GtePJ3dbzJmtTvzagxmTH1a2ft7-ZZsPY";
  const auto now = Clock::time_point(std::chrono::seconds(1'900'000'100));
  EXPECT_TRUE(csrf_verify(secret, "abc123", token, now, kMaxAge));
  EXPECT_FALSE(csrf_verify(secret, "abc124", token, now, kMaxAge));
  EXPECT_FALSE(csrf_verify(kSecret, "abc123", token, now, kMaxAge));
}

TEST(Csrf, PreparedHmacKeyMatchesThePlainHmac) {
  const HmacKey key("Jefe");
  EXPECT_EQ(hex_encode(key.tag("what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 4231 test case 6: a key longer than a block is hashed first.
  EXPECT_EQ(hex_encode(HmacKey(std::string(131, '\xaa'))
                           .tag("Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  // An empty key and an empty message (checked with python3's hmac).
  EXPECT_EQ(hex_encode(HmacKey("").tag("")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  // The same prepared key, used again and copied, gives the same tags.
  const HmacKey copy = key;
  EXPECT_EQ(copy.tag("abc"), hmac_sha256("Jefe", "abc"));
  EXPECT_EQ(key.tag("abc"), hmac_sha256("Jefe", "abc"));
  EXPECT_EQ(derived_hmac_key(kSecret, "label").tag("m"),
            hmac_sha256(hmac_sha256(kSecret, "label"), "m"));
  EXPECT_NE(derived_hmac_key(kSecret, "label").tag("m"),
            derived_hmac_key(kSecret, "other").tag("m"));
}
