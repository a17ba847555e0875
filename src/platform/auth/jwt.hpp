#pragma once
// Signed bearer tokens (JWT, RFC 7519) for the APIs: HMAC only, one allowed
// algorithm per signer (HS256 unless configured), typed tokens ("access",
// "refresh", ...) so one kind cannot stand in for another.
#include <boost/json/object.hpp>

#include "platform/auth/crypto.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ts::auth {

enum class TokenError {
  malformed,              // not three base64url segments of JSON, bad/missing claims
  bad_signature,          // signature does not match (tampered, or another secret)
  algorithm_not_allowed,  // header alg is "none" or anything but the configured one
  expired,                // now > exp + leeway
  wrong_type,             // token_type differs from what the caller expects
  not_yet_valid,          // nbf or iat lies in the future (beyond the leeway)
  wrong_issuer,           // signer has an issuer and iss does not equal it
};

std::string_view to_string(TokenError e);

struct VerifyOutcome {
  std::optional<boost::json::object> claims;  // set exactly when verification succeeded
  TokenError error = TokenError::malformed;   // meaningful only when !ok()
  std::string message;                        // for logs; safe to show to the client

  bool ok() const { return claims.has_value(); }
  explicit operator bool() const { return ok(); }
};

struct TokenOptions {
  // "HS256", "HS384" or "HS512"; tokens naming any other alg are rejected.
  std::string algorithm = "HS256";
  // Tolerated clock difference between the instances that issue and verify
  // tokens (all ours, NTP-synchronised): 10 s. Applies to exp, nbf and iat.
  std::chrono::seconds leeway{10};
  // Source of "now"; tests inject a fixed clock. Defaults to system_clock::now.
  std::function<std::chrono::system_clock::time_point()> clock;
};

class TokenSigner {
 public:
  // The secret must be at least as long as the MAC output (32 bytes for
  // HS256, 48 for HS384, 64 for HS512); otherwise std::invalid_argument, as
  // for an unsupported algorithm or a negative leeway.
  explicit TokenSigner(std::string secret, std::string issuer_or_empty = "",
                       TokenOptions options = {});

  // Header {"alg":"HS256","typ":"JWT"}; claims are extra_claims plus exp, iat,
  // jti (32 hex chars), token_type and, when configured, iss. extra_claims
  // must not set those itself (std::invalid_argument); lifetime must be > 0.
  std::string issue(std::string_view token_type, boost::json::object extra_claims,
                    std::chrono::seconds lifetime) const;

  VerifyOutcome verify(std::string_view token, std::string_view expected_type) const;

 private:
  std::string mac(std::string_view signing_input) const;
  std::chrono::system_clock::time_point now() const;

  std::string secret_;
  std::string issuer_;
  TokenOptions options_;
  // HS256: the key's HMAC state prepared once (OpenSSL's one-shot HMAC set the
  // key up again for every token).
  std::shared_ptr<const HmacKey> hs256_;
};

}  // namespace ts::auth
