#include "platform/auth/jwt.hpp"

#include "platform/auth/crypto.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ostream>
#include <string>
#include <vector>

namespace ts::auth {
// Readable gtest failure messages.
void PrintTo(TokenError e, std::ostream* os) {
  *os << to_string(e);
}
}  // namespace ts::auth

using namespace ts::auth;
using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

namespace {

const std::string kSecret = "0123456789abcdef0123456789abcdef";  // exactly 32 bytes
const Clock::time_point kT0 = Clock::time_point(std::chrono::seconds(1'700'000'000));

// A clock the test can move; the signer reads it through a reference.
struct FakeClock {
  Clock::time_point now = kT0;
};

TokenOptions options_with(FakeClock& clock, std::chrono::seconds leeway = 0s) {
  TokenOptions o;
  o.leeway = leeway;
  o.clock = [&clock] { return clock.now; };
  return o;
}

std::string b64(std::string_view s) {
  return base64url_encode(s);
}

// Signs header.payload by hand (independently of TokenSigner) with any digest.
std::string hand_sign(std::string_view header, std::string_view payload, const EVP_MD* md,
                      std::string_view secret = kSecret) {
  const std::string input = b64(header) + "." + b64(payload);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), out, &len);
  return input + "." + b64(std::string_view(reinterpret_cast<const char*>(out), len));
}

std::vector<std::string> segments(const std::string& token) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto dot = token.find('.', start);
    out.push_back(token.substr(start, dot - start));
    if (dot == std::string::npos) return out;
    start = dot + 1;
  }
}

constexpr const char* kHeader = R"({"alg":"HS256","typ":"JWT"})";
// Far-future claims for hand-made tokens (exp 2100-01-01).
constexpr const char* kClaims =
    R"({"sub":"42","iat":1700000000,"exp":4102444800,"jti":"00112233445566778899aabbccddeeff","token_type":"access"})";

}  // namespace

TEST(Jwt, SecretMustBeLongEnough) {
  EXPECT_THROW(TokenSigner(std::string(31, 'x')), std::invalid_argument);
  EXPECT_THROW(TokenSigner(""), std::invalid_argument);
  EXPECT_NO_THROW(TokenSigner(std::string(32, 'x')));
  TokenOptions hs512;
  hs512.algorithm = "HS512";
  EXPECT_THROW(TokenSigner(std::string(32, 'x'), "", hs512), std::invalid_argument);
  EXPECT_NO_THROW(TokenSigner(std::string(64, 'x'), "", hs512));
  TokenOptions rs;
  rs.algorithm = "RS256";
  EXPECT_THROW(TokenSigner(std::string(64, 'x'), "", rs), std::invalid_argument);
  TokenOptions none;
  none.algorithm = "none";
  EXPECT_THROW(TokenSigner(std::string(64, 'x'), "", none), std::invalid_argument);
}

TEST(Jwt, IssueProducesStandardHeaderAndClaims) {
  FakeClock clock;
  const TokenSigner signer(kSecret, "", options_with(clock));
  const auto token = signer.issue("access", {{"sub", "42"}, {"role", "admin"}}, 900s);
  const auto parts = segments(token);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(base64url_decode(parts[0]), std::optional<std::string>(kHeader));

  const auto claims = boost::json::parse(*base64url_decode(parts[1])).as_object();
  EXPECT_EQ(claims.at("sub").as_string(), "42");
  EXPECT_EQ(claims.at("role").as_string(), "admin");
  EXPECT_EQ(claims.at("iat").as_int64(), 1'700'000'000);
  EXPECT_EQ(claims.at("exp").as_int64(), 1'700'000'900);
  EXPECT_EQ(claims.at("token_type").as_string(), "access");
  EXPECT_FALSE(claims.contains("iss"));
  const auto jti = std::string(claims.at("jti").as_string());
  EXPECT_EQ(jti.size(), 32u);
  EXPECT_EQ(jti.find_first_not_of("0123456789abcdef"), std::string::npos);
  // jti differs per token.
  const auto other =
      boost::json::parse(*base64url_decode(segments(signer.issue("access", {}, 900s))[1]));
  EXPECT_NE(other.as_object().at("jti").as_string(), jti);
}

TEST(Jwt, RoundTrip) {
  FakeClock clock;
  const TokenSigner signer(kSecret, "", options_with(clock));
  const auto token = signer.issue("access", {{"sub", "42"}}, 900s);
  const auto out = signer.verify(token, "access");
  ASSERT_TRUE(out.ok()) << out.message;
  EXPECT_EQ(out.claims->at("sub").as_string(), "42");
  EXPECT_EQ(out.claims->at("token_type").as_string(), "access");
}

// Token made with python3's hmac/hashlib (not our code):
//   b64u = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
//   inp = b64u(b'{"alg":"HS256","typ":"JWT"}') + "." + b64u(b'{"sub":"42","iat":1700000000,'
//         b'"exp":1700003600,"jti":"00112233445566778899aabbccddeeff","token_type":"access"}')
//   inp + "." + b64u(hmac.new(b"0123456789abcdef0123456789abcdef", inp.encode(),
//                              hashlib.sha256).digest())
TEST(Jwt, VerifiesIndependentlyMadeToken) {
  const std::string token =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
      "eyJzdWIiOiI0MiIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzNjAwLCJqdGkiOiIwMDExMjIzMzQ0NTU2Njc3"
      "ODg5OWFhYmJjY2RkZWVmZiIsInRva2VuX3R5cGUiOiJhY2Nlc3MifQ."
      "TX4R4rUEmeI3jfMl-3pg3ZkG7IZ1LOtStAr8kyIk1FI";
  FakeClock clock;
  clock.now = kT0 + 60s;
  const TokenSigner signer(kSecret, "", options_with(clock));
  const auto out = signer.verify(token, "access");
  ASSERT_TRUE(out.ok()) << out.message;
  EXPECT_EQ(out.claims->at("sub").as_string(), "42");
  clock.now = kT0 + 3600s;
  EXPECT_EQ(signer.verify(token, "access").error, TokenError::expired);
}

TEST(Jwt, ExpiryUsesInjectedClockAndLeeway) {
  FakeClock clock;
  const TokenSigner strict(kSecret, "", options_with(clock, 0s));
  const TokenSigner lenient(kSecret, "", options_with(clock, 10s));
  const auto token = strict.issue("access", {}, 60s);

  clock.now = kT0 + 59s;
  EXPECT_TRUE(strict.verify(token, "access").ok());
  clock.now = kT0 + 60s;
  const auto expired = strict.verify(token, "access");
  EXPECT_FALSE(expired.ok());
  EXPECT_EQ(expired.error, TokenError::expired);
  EXPECT_FALSE(expired.message.empty());
  EXPECT_FALSE(expired.claims.has_value());

  clock.now = kT0 + 69s;
  EXPECT_TRUE(lenient.verify(token, "access").ok());
  clock.now = kT0 + 70s;
  EXPECT_EQ(lenient.verify(token, "access").error, TokenError::expired);
}

TEST(Jwt, DefaultLeewayIsTenSeconds) {
  EXPECT_EQ(TokenOptions{}.leeway, 10s);
  EXPECT_EQ(TokenOptions{}.algorithm, "HS256");
}

TEST(Jwt, TokenFromTheFutureIsNotYetValid) {
  FakeClock clock;
  const TokenSigner signer(kSecret, "", options_with(clock, 5s));
  const auto token = signer.issue("access", {}, 600s);
  clock.now = kT0 - 6s;  // verifier's clock behind the issuer's by more than the leeway
  EXPECT_EQ(signer.verify(token, "access").error, TokenError::not_yet_valid);
  clock.now = kT0 - 5s;
  EXPECT_TRUE(signer.verify(token, "access").ok());

  clock.now = kT0;
  const auto nbf = signer.issue("access", {{"nbf", 1'700'000'100}}, 600s);
  EXPECT_EQ(signer.verify(nbf, "access").error, TokenError::not_yet_valid);
  clock.now = kT0 + 95s;
  EXPECT_TRUE(signer.verify(nbf, "access").ok());
}

TEST(Jwt, WrongTypeIsRejected) {
  FakeClock clock;
  const TokenSigner signer(kSecret, "", options_with(clock));
  const auto refresh = signer.issue("refresh", {}, 900s);
  const auto out = signer.verify(refresh, "access");
  EXPECT_EQ(out.error, TokenError::wrong_type);
  EXPECT_FALSE(out.ok());
  EXPECT_TRUE(signer.verify(refresh, "refresh").ok());
}

TEST(Jwt, IssuerIsCheckedWhenConfigured) {
  FakeClock clock;
  const TokenSigner shop(kSecret, "shop", options_with(clock));
  const TokenSigner blog(kSecret, "microblog", options_with(clock));
  const TokenSigner anyone(kSecret, "", options_with(clock));
  const auto token = shop.issue("access", {}, 900s);
  EXPECT_TRUE(shop.verify(token, "access").ok());
  EXPECT_EQ(shop.verify(token, "access").claims->at("iss").as_string(), "shop");
  EXPECT_EQ(blog.verify(token, "access").error, TokenError::wrong_issuer);
  EXPECT_EQ(shop.verify(anyone.issue("access", {}, 900s), "access").error,
            TokenError::wrong_issuer);
}

TEST(Jwt, ReservedClaimsCannotBeOverridden) {
  FakeClock clock;
  const TokenSigner signer(kSecret, "", options_with(clock));
  EXPECT_THROW(signer.issue("access", {{"exp", 1}}, 60s), std::invalid_argument);
  EXPECT_THROW(signer.issue("access", {{"token_type", "admin"}}, 60s), std::invalid_argument);
  EXPECT_THROW(signer.issue("access", {{"jti", "x"}}, 60s), std::invalid_argument);
  EXPECT_THROW(signer.issue("access", {}, 0s), std::invalid_argument);
}

TEST(Jwt, TamperedPayloadIsRejected) {
  FakeClock clock;
  const TokenSigner signer(kSecret, "", options_with(clock));
  const auto parts = segments(signer.issue("access", {{"sub", "42"}}, 900s));
  auto claims = boost::json::parse(*base64url_decode(parts[1])).as_object();
  claims["sub"] = "1";  // privilege escalation attempt
  const std::string forged = parts[0] + "." + b64(boost::json::serialize(claims)) + "." + parts[2];
  EXPECT_EQ(signer.verify(forged, "access").error, TokenError::bad_signature);
}

TEST(Jwt, TamperedSignatureIsRejected) {
  FakeClock clock;
  const TokenSigner signer(kSecret, "", options_with(clock));
  const auto token = signer.issue("access", {}, 900s);
  auto parts = segments(token);
  auto sig = *base64url_decode(parts[2]);
  sig[0] = static_cast<char>(sig[0] ^ 1);
  EXPECT_EQ(signer.verify(parts[0] + "." + parts[1] + "." + b64(sig), "access").error,
            TokenError::bad_signature);
  // Truncated signature (still valid base64url).
  EXPECT_EQ(signer.verify(parts[0] + "." + parts[1] + "." + b64(sig.substr(0, 16)), "access").error,
            TokenError::bad_signature);
}

TEST(Jwt, OtherSecretIsRejected) {
  FakeClock clock;
  const TokenSigner ours(kSecret, "", options_with(clock));
  const TokenSigner theirs(std::string(32, 'k'), "", options_with(clock));
  EXPECT_EQ(ours.verify(theirs.issue("access", {}, 900s), "access").error,
            TokenError::bad_signature);
}

TEST(Jwt, AlgNoneIsRejectedInAnyCase) {
  FakeClock clock;
  const TokenSigner signer(kSecret, "", options_with(clock));
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    const std::string header = std::string(R"({"alg":")") + alg + R"(","typ":"JWT"})";
    const std::string unsigned_token = b64(header) + "." + b64(kClaims) + ".";
    const auto out = signer.verify(unsigned_token, "access");
    EXPECT_EQ(out.error, TokenError::algorithm_not_allowed) << alg;
    EXPECT_FALSE(out.ok());
    // Even with a (valid HS256) signature attached, alg none is refused.
    const auto real = segments(hand_sign(kHeader, kClaims, EVP_sha256()));
    EXPECT_EQ(signer.verify(b64(header) + "." + b64(kClaims) + "." + real[2], "access").error,
              TokenError::algorithm_not_allowed);
  }
}

TEST(Jwt, OtherAlgorithmsAreRejected) {
  FakeClock clock;
  const TokenSigner signer(kSecret, "", options_with(clock));
  // Sanity: the hand-signing helper makes tokens we accept.
  EXPECT_TRUE(signer.verify(hand_sign(kHeader, kClaims, EVP_sha256()), "access").ok());
  // Correctly signed with the same secret, but HS512: not the configured algorithm.
  const auto hs512 = hand_sign(R"({"alg":"HS512","typ":"JWT"})", kClaims, EVP_sha512());
  EXPECT_EQ(signer.verify(hs512, "access").error, TokenError::algorithm_not_allowed);
  // HS512 header over an HS256 MAC: still refused on the header.
  EXPECT_EQ(
      signer.verify(hand_sign(R"({"alg":"HS512","typ":"JWT"})", kClaims, EVP_sha256()), "access")
          .error,
      TokenError::algorithm_not_allowed);
  for (const char* header : {R"({"alg":"hs256","typ":"JWT"})", R"({"alg":"RS256","typ":"JWT"})",
                             R"({"alg":"","typ":"JWT"})"}) {
    EXPECT_EQ(signer.verify(hand_sign(header, kClaims, EVP_sha256()), "access").error,
              TokenError::algorithm_not_allowed)
        << header;
  }
}

TEST(Jwt, ConfiguredHs512SignerRejectsHs256) {
  FakeClock clock;
  auto o = options_with(clock);
  o.algorithm = "HS512";
  const std::string secret64(64, 's');
  const TokenSigner signer(secret64, "", o);
  const auto token = signer.issue("access", {}, 60s);
  EXPECT_EQ(base64url_decode(segments(token)[0]),
            std::optional<std::string>(R"({"alg":"HS512","typ":"JWT"})"));
  EXPECT_TRUE(signer.verify(token, "access").ok());
  EXPECT_EQ(signer.verify(hand_sign(kHeader, kClaims, EVP_sha256(), secret64), "access").error,
            TokenError::algorithm_not_allowed);
}

TEST(Jwt, MalformedTokensAreRejected) {
  FakeClock clock;
  const TokenSigner signer(kSecret, "", options_with(clock));
  const auto token = signer.issue("access", {}, 900s);
  const auto parts = segments(token);
  const std::string cases[] = {
      "",
      ".",
      "..",
      "abc",
      parts[0] + "." + parts[1],  // two segments
      token + ".",                // four segments
      token + "." + parts[2],
      " " + token,  // whitespace
      token + " ",
      token + "\n",
      parts[0] + ". " + parts[1] + "." + parts[2],
      parts[0] + "." + parts[1] + "=" + "." + parts[2],  // padding
      parts[0] + "." + parts[1] + ".",                   // empty signature
      parts[0] + "." + parts[1] + "." + parts[2] + "=",
      "." + parts[1] + "." + parts[2],  // empty header
      b64("not json") + "." + parts[1] + "." + parts[2],
      b64("[1,2]") + "." + parts[1] + "." + parts[2],
      b64(R"({"typ":"JWT"})") + "." + parts[1] + "." + parts[2],  // no alg
      b64(R"({"alg":256})") + "." + parts[1] + "." + parts[2],
      std::string(10000, 'a') + "." + parts[1] + "." + parts[2],
  };
  for (const auto& c : cases) {
    const auto out = signer.verify(c, "access");
    EXPECT_FALSE(out.ok()) << c;
    EXPECT_EQ(out.error, TokenError::malformed) << c;
  }
}

TEST(Jwt, HeaderWithCritOrWrongTypIsRejected) {
  FakeClock clock;
  const TokenSigner signer(kSecret, "", options_with(clock));
  EXPECT_EQ(
      signer.verify(hand_sign(R"({"alg":"HS256","crit":["exp"]})", kClaims, EVP_sha256()), "access")
          .error,
      TokenError::malformed);
  EXPECT_EQ(
      signer.verify(hand_sign(R"({"alg":"HS256","typ":"JWE"})", kClaims, EVP_sha256()), "access")
          .error,
      TokenError::malformed);
  // typ is optional.
  EXPECT_TRUE(signer.verify(hand_sign(R"({"alg":"HS256"})", kClaims, EVP_sha256()), "access").ok());
}

TEST(Jwt, ExpMustBePresentAndNumeric) {
  FakeClock clock;
  const TokenSigner signer(kSecret, "", options_with(clock));
  const char* payloads[] = {
      R"({"token_type":"access"})",
      R"({"exp":"4102444800","token_type":"access"})",
      R"({"exp":null,"token_type":"access"})",
      R"({"exp":true,"token_type":"access"})",
      R"({"exp":[4102444800],"token_type":"access"})",
      R"({"exp":4102444800,"iat":"now","token_type":"access"})",
      R"({"exp":4102444800,"nbf":{},"token_type":"access"})",
      R"({"exp":4102444800})",  // no token_type
      R"({"exp":4102444800,"token_type":7})",
      "[]",
      "not json",
  };
  for (const char* p : payloads) {
    const auto out = signer.verify(hand_sign(kHeader, p, EVP_sha256()), "access");
    EXPECT_EQ(out.error, TokenError::malformed) << p;
    EXPECT_FALSE(out.ok()) << p;
  }
  // Fractional NumericDate is allowed.
  EXPECT_TRUE(
      signer
          .verify(hand_sign(kHeader, R"({"exp":4102444800.5,"token_type":"access"})", EVP_sha256()),
                  "access")
          .ok());
  EXPECT_EQ(
      signer
          .verify(hand_sign(kHeader, R"({"exp":1600000000.5,"token_type":"access"})", EVP_sha256()),
                  "access")
          .error,
      TokenError::expired);
}

TEST(Jwt, ErrorNames) {
  EXPECT_EQ(to_string(TokenError::algorithm_not_allowed), "algorithm_not_allowed");
  EXPECT_EQ(to_string(TokenError::expired), "expired");
}
