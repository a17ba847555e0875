#pragma once
// Small cryptographic building blocks shared by the auth module and the apps:
// CSPRNG output, base64 codecs, HMAC-SHA256, SHA-256 and constant-time
// comparison. Byte strings are carried in std::string (raw bytes, not text).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

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

std::string hex_encode(std::string_view bytes);
// Lowercase hex only (that is what every format we read produces).
std::optional<std::string> hex_decode(std::string_view text);

// Raw 32-byte HMAC-SHA256 tag; any key length is accepted.
std::string hmac_sha256(std::string_view key, std::string_view data);
// Lowercase hex SHA-256 digest of data.
std::string sha256_hex(std::string_view data);

// True when a and b are equal. The time taken depends only on the lengths,
// never on where the contents differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace ts::auth
