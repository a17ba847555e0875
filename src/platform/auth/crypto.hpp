#pragma once
// Small cryptographic building blocks shared by the auth module and the apps:
// CSPRNG output, base64 codecs, HMAC-SHA256, SHA-256 and constant-time
// comparison. Byte strings are carried in std::string (raw bytes, not text).
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "platform/core/text.hpp"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace ts::auth {

// Initialises libsodium once (thread-safe); throws std::runtime_error if it cannot.
void ensure_sodium();

// n bytes from the operating system CSPRNG.
std::string random_bytes(std::size_t n);
// nbytes of randomness as URL-safe base64 without padding (cookie/URL friendly).
std::string random_token(std::size_t nbytes = 32);
// nbytes of randomness as 2*nbytes lowercase hex characters.
std::string random_hex(std::size_t nbytes);

// RFC 4648 section 5 alphabet, no padding. Decoding is strict: padding,
// whitespace, characters outside the alphabet and non-canonical trailing bits
// all yield std::nullopt.
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

// RFC 4648 section 4 alphabet with '=' padding; decoding is equally strict
// (padding required, no whitespace).
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// Lowercase hex (platform/core/text.hpp); decoding takes lowercase only.
using core::hex_decode;
using core::hex_encode;

// Raw 32-byte HMAC-SHA256 tag; any key length is accepted.
std::string hmac_sha256(std::string_view key, std::string_view data);

// An HMAC-SHA256 key with its inner and outer pads already hashed: a tag under
// it costs two SHA-256 blocks fewer than hmac_sha256(key, data). It hashes with
// OpenSSL, whose SHA-256 uses the CPU's SHA extensions where they exist (about
// five times faster than libsodium's portable code on this project's
// machines). The prepared state is wiped when the key is destroyed.
class HmacKey {
 public:
  explicit HmacKey(std::string_view key);
  HmacKey(const HmacKey&);
  HmacKey& operator=(const HmacKey&) = delete;
  // hmac_sha256(key, data), as raw 32 bytes. Thread-safe.
  std::string tag(std::string_view data) const;

 private:
  struct FreeCtx {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, FreeCtx> inner_;  // SHA-256 state after key ^ ipad
  std::unique_ptr<evp_md_ctx_st, FreeCtx> outer_;  // SHA-256 state after key ^ opad
};

// The prepared key HMAC-SHA256(secret, label), as used by signed values and
// CSRF tokens to give every purpose its own key. Kept in a small per-thread
// cache, so a service with one secret derives each purpose's key once per
// thread instead of once per token. The reference is valid until the next
// call on the same thread.
const HmacKey& derived_hmac_key(std::string_view secret, std::string_view label);
// Lowercase hex SHA-256 digest of data.
std::string sha256_hex(std::string_view data);

// True when a and b are equal. The time taken depends only on the lengths,
// never on where the contents differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace ts::auth
