#pragma once
// Pure rules of the microblog: avatars, redirects, form checks, pagination.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace microblog::domain {

std::string md5_hex(std::string_view data);
// https://www.gravatar.com/avatar/<md5 of lower-cased email>?d=identicon&s=<size>
std::string avatar_url(std::string_view email, int size);

// Only local paths ("/x", not "//x", "/\x", no backslash, no scheme) may be a
// login redirect target (spec §10.5).
bool is_safe_next(std::string_view next);

// Code points in valid UTF-8 (bytes when invalid).
std::size_t utf8_length(std::string_view s);
bool valid_utf8(std::string_view s);
// A pragmatic e-mail syntax check: local@domain.tld, no spaces, ≤ 120 chars.
bool valid_email(std::string_view email);
// Usernames become URL path segments: 1–64 of letters, digits, '.', '_', '-'.
bool valid_username(std::string_view username);

// Password length in characters (ASVS 5.0 V6.2.1 and V6.2.9): at least 8, and
// at most 128 so that a long passphrase is allowed but a megabyte is not
// hashed. Registration (form and API) and password reset check it.
inline constexpr std::size_t kPasswordMin = 8;
inline constexpr std::size_t kPasswordMax = 128;
bool valid_password_length(std::string_view password);

// "?page=N" as the original read it: non-integers → 1, < 1 → 1.
int parse_page(const std::optional<std::string>& text, int fallback = 1);

}  // namespace microblog::domain
