#include "platform/auth/crypto.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

using namespace ts::auth;

TEST(Crypto, RandomBytesHaveRequestedLengthAndDiffer) {
  EXPECT_EQ(random_bytes(0).size(), 0u);
  const auto a = random_bytes(32);
  const auto b = random_bytes(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
}

TEST(Crypto, RandomTokenIsUrlSafeUnpadded) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const auto t = random_token(32);
    EXPECT_EQ(t.size(), 43u);  // ceil(32 * 4 / 3) without '='
    EXPECT_EQ(
        t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos)
        << t;
    ASSERT_TRUE(base64url_decode(t).has_value());
    EXPECT_EQ(base64url_decode(t)->size(), 32u);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 50u);
}

TEST(Crypto, RandomHex) {
  const auto h = random_hex(16);
  EXPECT_EQ(h.size(), 32u);
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(h, random_hex(16));
}

// RFC 4648 section 10 test vectors.
TEST(Crypto, Base64KnownVectors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (auto [plain, encoded] : cases) {
    EXPECT_EQ(base64_encode(plain), encoded);
    ASSERT_TRUE(base64_decode(encoded).has_value()) << encoded;
    EXPECT_EQ(*base64_decode(encoded), plain);
  }
}

TEST(Crypto, Base64UrlKnownVectors) {
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  // 0xfb 0xff exercises the two alphabet differences.
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64_encode("\xfb\xff"), "+/8=");
  // Every character of both alphabets, in order (decoded by libsodium, encoded by us).
  const std::string std_alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string url_alphabet = std_alphabet;
  url_alphabet[62] = '-';
  url_alphabet[63] = '_';
  ASSERT_TRUE(base64_decode(std_alphabet).has_value());
  EXPECT_EQ(base64_encode(*base64_decode(std_alphabet)), std_alphabet);
  ASSERT_TRUE(base64url_decode(url_alphabet).has_value());
  EXPECT_EQ(base64url_encode(*base64url_decode(url_alphabet)), url_alphabet);
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_decode("-_8"), std::optional<std::string>("\xfb\xff"));
}

TEST(Crypto, Base64RoundTripAllLengthsAndBytes) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t n = 0; n <= all.size(); n += 1) {
    const std::string s = all.substr(0, n);
    EXPECT_EQ(base64url_decode(base64url_encode(s)), s) << n;
    EXPECT_EQ(base64_decode(base64_encode(s)), s) << n;
  }
}

TEST(Crypto, Base64UrlRejectsInvalidInput) {
  EXPECT_FALSE(base64url_decode("Zg==").has_value());    // padding
  EXPECT_FALSE(base64url_decode("Zm9v+g").has_value());  // standard alphabet
  EXPECT_FALSE(base64url_decode("Zm9v/g").has_value());
  EXPECT_FALSE(base64url_decode("Zm 9v").has_value());  // whitespace
  EXPECT_FALSE(base64url_decode("Zm9v\n").has_value());
  EXPECT_FALSE(base64url_decode("Z").has_value());   // impossible length
  EXPECT_FALSE(base64url_decode("Zh").has_value());  // non-zero trailing bits
  EXPECT_FALSE(base64url_decode("Zm9v.Zg").has_value());
  EXPECT_FALSE(base64url_decode(std::string_view("Zm\0v", 4)).has_value());
  EXPECT_TRUE(base64url_decode("").has_value());
}

TEST(Crypto, Base64RejectsInvalidInput) {
  EXPECT_FALSE(base64_decode("Zg").has_value());  // padding required
  EXPECT_FALSE(base64_decode("Zg=").has_value());
  EXPECT_FALSE(base64_decode("Zg===").has_value());
  EXPECT_FALSE(base64_decode("Z===").has_value());
  EXPECT_FALSE(base64_decode("Zh==").has_value());      // non-zero trailing bits
  EXPECT_FALSE(base64_decode("Zm9v-_8=").has_value());  // URL alphabet
  EXPECT_FALSE(base64_decode("Zm9v Zg==").has_value());
  EXPECT_FALSE(base64_decode("Zg==Zg==").has_value());  // data after padding
  EXPECT_FALSE(base64_decode("****").has_value());
}

TEST(Crypto, HexRoundTripAndStrictness) {
  EXPECT_EQ(hex_encode(std::string_view("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(hex_decode("0001abff"), std::optional<std::string>(std::string("\x00\x01\xab\xff", 4)));
  EXPECT_FALSE(hex_decode("abc").has_value());
  EXPECT_FALSE(hex_decode("ABCD").has_value());
  EXPECT_FALSE(hex_decode("zz").has_value());
}

// RFC 4231 test case 2 and FIPS 180-2 "abc" (also checked with python3 hmac/hashlib).
TEST(Crypto, HmacSha256AndSha256KnownVectors) {
  EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231 test case 6: a key longer than the block size is hashed first.
  EXPECT_EQ(hex_encode(hmac_sha256(std::string(131, '\xaa'),
                                   "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Crypto, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_FALSE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}
