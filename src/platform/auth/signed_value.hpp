#pragma once
// Tamper-proof, expiring values for cookies and e-mailed links (password
// reset, e-mail confirmation). Not encrypted: the payload is readable by
// whoever holds the token. Each purpose ("session", "password-reset", ...)
// signs with its own key derived from the secret, so a value made for one
// purpose never verifies for another.
//
// A reset link should also become useless once used: put something in the
// payload that changes when the password does (e.g. a hash of the current
// password hash) and compare it after unsign.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ts::auth {

// Token "<base64url payload>.<unix seconds expiry>.<base64url mac>"; safe in
// cookies and URLs without further escaping. secret must be at least 32
// bytes and purpose non-empty (std::invalid_argument).
std::string sign(std::string_view secret, std::string_view purpose, std::string_view payload,
                 std::chrono::system_clock::time_point expires_at);

// The payload when token was made by sign() with the same secret and purpose
// and now is before its expiry; std::nullopt otherwise (tampered, expired,
// wrong purpose or secret, malformed). Constant-time MAC comparison.
std::optional<std::string> unsign(std::string_view secret, std::string_view purpose,
                                  std::string_view token,
                                  std::chrono::system_clock::time_point now);

}  // namespace ts::auth
