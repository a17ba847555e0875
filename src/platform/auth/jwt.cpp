#include "platform/auth/jwt.hpp"

#include "platform/auth/crypto.hpp"
#include "platform/core/text.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <climits>
#include <cmath>
#include <stdexcept>

namespace ts::auth {
namespace {

namespace json = boost::json;

// Far above any token we issue; keeps hostile input from costing much.
constexpr std::size_t kMaxTokenBytes = 8192;

const EVP_MD* digest_for(std::string_view alg) {
  if (alg == "HS256") return EVP_sha256();
  if (alg == "HS384") return EVP_sha384();
  if (alg == "HS512") return EVP_sha512();
  return nullptr;
}

using core::iequals;

VerifyOutcome fail(TokenError e, std::string message) {
  VerifyOutcome out;
  out.error = e;
  out.message = std::move(message);
  return out;
}

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  // The object is a part of v, which a return without std::move would copy.
  // cppcheck-suppress returnStdMoveLocal
  return std::move(v.as_object());
}

// NumericDate (RFC 7519 section 2): a JSON number of seconds since the epoch.
std::optional<double> numeric_date(const json::value& v) {
  double d;
  if (v.is_int64()) {
    d = static_cast<double>(v.get_int64());
  } else if (v.is_uint64()) {
    d = static_cast<double>(v.get_uint64());
  } else if (v.is_double()) {
    d = v.get_double();
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(d)) return std::nullopt;
  return d;
}

constexpr std::string_view kReservedClaims[] = {"exp", "iat", "jti", "token_type", "iss"};

// The header's refusal, if any: not JSON, no or another algorithm than the
// configured one (never "none"), a typ other than JWT, critical extensions.
std::optional<VerifyOutcome> check_header(std::string_view header_b64, std::string_view algorithm) {
  const auto header_text = base64url_decode(header_b64);
  const auto header = header_text ? parse_object(*header_text) : std::nullopt;
  if (!header) return fail(TokenError::malformed, "header is not base64url-encoded JSON object");
  const auto* alg = header->if_contains("alg");
  if (alg == nullptr || !alg->is_string()) {
    return fail(TokenError::malformed, "header has no alg");
  }
  const std::string_view alg_name = alg->get_string();
  if (iequals(alg_name, "none")) {
    return fail(TokenError::algorithm_not_allowed, "unsigned tokens (alg none) are not accepted");
  }
  if (alg_name != algorithm) {
    return fail(TokenError::algorithm_not_allowed, "algorithm not allowed");
  }
  if (const auto* typ = header->if_contains("typ");
      typ != nullptr && (!typ->is_string() || !iequals(typ->get_string(), "JWT"))) {
    return fail(TokenError::malformed, "header typ is not JWT");
  }
  if (header->contains("crit")) {
    return fail(TokenError::malformed, "critical header extensions are not supported");
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(TokenError e) {
  switch (e) {
    case TokenError::malformed:
      return "malformed";
    case TokenError::bad_signature:
      return "bad_signature";
    case TokenError::algorithm_not_allowed:
      return "algorithm_not_allowed";
    case TokenError::expired:
      return "expired";
    case TokenError::wrong_type:
      return "wrong_type";
    case TokenError::not_yet_valid:
      return "not_yet_valid";
    case TokenError::wrong_issuer:
      return "wrong_issuer";
  }
  return "unknown";
}

TokenSigner::TokenSigner(std::string secret, std::string issuer_or_empty, TokenOptions options)
    : secret_(std::move(secret)),
      issuer_(std::move(issuer_or_empty)),
      options_(std::move(options)) {
  const EVP_MD* md = digest_for(options_.algorithm);
  if (md == nullptr) {
    throw std::invalid_argument("TokenSigner: unsupported algorithm " + options_.algorithm);
  }
  const auto min_len = static_cast<std::size_t>(EVP_MD_get_size(md));
  if (secret_.size() < min_len) {
    throw std::invalid_argument("TokenSigner: secret must be at least " + std::to_string(min_len) +
                                " bytes for " + options_.algorithm);
  }
  if (secret_.size() > INT_MAX) throw std::invalid_argument("TokenSigner: secret too long");
  if (options_.leeway.count() < 0) throw std::invalid_argument("TokenSigner: negative leeway");
  if (options_.algorithm == "HS256") hs256_ = std::make_shared<const HmacKey>(secret_);
}

std::chrono::system_clock::time_point TokenSigner::now() const {
  return options_.clock ? options_.clock() : std::chrono::system_clock::now();
}

std::string TokenSigner::mac(std::string_view signing_input) const {
  if (hs256_) return hs256_->tag(signing_input);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(digest_for(options_.algorithm), secret_.data(), static_cast<int>(secret_.size()),
           reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), out,
           &len) == nullptr) {
    throw std::runtime_error("HMAC computation failed");
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string TokenSigner::issue(std::string_view token_type, json::object extra_claims,
                               std::chrono::seconds lifetime) const {
  if (lifetime.count() <= 0)
    throw std::invalid_argument("TokenSigner::issue: lifetime must be > 0");
  for (auto name : kReservedClaims) {
    if (extra_claims.contains(name)) {
      throw std::invalid_argument("TokenSigner::issue: extra claim '" + std::string(name) +
                                  "' is set by the signer");
    }
  }
  const auto iat = std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch());
  json::object claims = std::move(extra_claims);
  claims["iat"] = iat.count();
  claims["exp"] = (iat + lifetime).count();
  claims["jti"] = random_hex(16);
  claims["token_type"] = token_type;
  if (!issuer_.empty()) claims["iss"] = issuer_;

  std::string header = R"({"alg":")" + options_.algorithm + R"(","typ":"JWT"})";
  std::string input = base64url_encode(header) + "." + base64url_encode(json::serialize(claims));
  const std::string signature = base64url_encode(mac(input));
  return input + "." + signature;
}

VerifyOutcome TokenSigner::verify(std::string_view token, std::string_view expected_type) const {
  if (token.size() > kMaxTokenBytes) return fail(TokenError::malformed, "token too long");
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(TokenError::malformed, "token must have exactly three segments");
  }
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_b64 = token.substr(dot2 + 1);

  // The header is read before the signature is checked only to refuse
  // algorithms up front; the MAC below always uses the configured algorithm.
  if (auto refused = check_header(header_b64, options_.algorithm)) return std::move(*refused);

  const auto payload_text = base64url_decode(payload_b64);
  if (!payload_text) return fail(TokenError::malformed, "payload segment is not base64url");
  const auto signature = base64url_decode(signature_b64);
  if (!signature || signature->empty()) {
    return fail(TokenError::malformed, "signature segment is not base64url");
  }
  const std::string expected_mac = mac(token.substr(0, dot2));
  if (!constant_time_equal(*signature, expected_mac)) {
    return fail(TokenError::bad_signature, "signature does not match");
  }

  auto claims = parse_object(*payload_text);
  if (!claims) return fail(TokenError::malformed, "payload is not base64url-encoded JSON object");

  const auto* exp_v = claims->if_contains("exp");
  const auto exp = exp_v ? numeric_date(*exp_v) : std::nullopt;
  if (!exp) return fail(TokenError::malformed, "exp claim missing or not a number");
  std::optional<double> nbf, iat;
  if (const auto* v = claims->if_contains("nbf")) {
    if (!(nbf = numeric_date(*v))) return fail(TokenError::malformed, "nbf claim is not a number");
  }
  if (const auto* v = claims->if_contains("iat")) {
    if (!(iat = numeric_date(*v))) return fail(TokenError::malformed, "iat claim is not a number");
  }
  const auto* type_v = claims->if_contains("token_type");
  if (type_v == nullptr || !type_v->is_string()) {
    return fail(TokenError::malformed, "token_type claim missing or not a string");
  }

  const double now_s = std::chrono::duration<double>(now().time_since_epoch()).count();
  const auto leeway = static_cast<double>(options_.leeway.count());
  if (now_s >= *exp + leeway) return fail(TokenError::expired, "token has expired");
  if (nbf && now_s + leeway < *nbf) return fail(TokenError::not_yet_valid, "token not yet valid");
  if (iat && now_s + leeway < *iat) {
    return fail(TokenError::not_yet_valid, "token issued in the future");
  }
  if (!issuer_.empty()) {
    const auto* iss = claims->if_contains("iss");
    if (iss == nullptr || !iss->is_string() || iss->get_string() != issuer_) {
      return fail(TokenError::wrong_issuer, "token issuer does not match");
    }
  }
  if (type_v->get_string() != expected_type) {
    return fail(TokenError::wrong_type, "token type does not match");
  }

  VerifyOutcome out;
  out.claims = std::move(*claims);
  return out;
}

}  // namespace ts::auth
