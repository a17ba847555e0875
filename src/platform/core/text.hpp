#pragma once
// The text helpers every layer needs: trimming, ASCII case, hex and
// percent-encoding. One copy here instead of one per file that needed it.
// All of them work on bytes: they are ASCII-aware and pass any other byte
// (UTF-8 included) through unchanged.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ts::core {

// s without the leading and trailing bytes for which is_space(byte) holds.
template <class Pred>
constexpr std::string_view trim_if(std::string_view s, Pred is_space) {
  while (!s.empty() && is_space(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && is_space(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// ASCII white space as C's isspace in the "C" locale: space \t \n \v \f \r.
constexpr bool is_ascii_space(unsigned char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}
std::string_view trim(std::string_view s);
// HTTP's optional white space (RFC 9110 §5.6.3): spaces and tabs only, so a
// stray CR or LF stays visible to whoever checks the field.
std::string_view trim_ows(std::string_view s);

constexpr char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
std::string to_lower(std::string_view s);
// Equal but for the case of ASCII letters (header names, schemes, tokens).
// Inline: header lookups call it for every field of every request.
constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

// A non-negative decimal number written as 1 to `max_digits` ASCII digits
// and nothing else (no sign, no spaces); max_digits at most 18, so the value
// always fits.
constexpr std::optional<std::int64_t> parse_digits(std::string_view s, std::size_t max_digits) {
  if (s.empty() || s.size() > max_digits || max_digits > 18) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Lowercase hex, two characters a byte.
std::string hex_encode(std::string_view bytes);
// Lowercase hex only (every format we read writes it so); nullopt on an odd
// length or any other character.
std::optional<std::string> hex_decode(std::string_view text);
// The value of one hex digit of either case, or -1.
constexpr int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 percent-encoding of everything but the unreserved characters
// (A-Z a-z 0-9 - . _ ~), uppercase hex: safe as a query value, a path
// segment or an application/x-www-form-urlencoded field. Through Boost.URL.
std::string percent_encode(std::string_view s);

struct PercentDecoding {
  bool plus_as_space = false;  // application/x-www-form-urlencoded: '+' is a space
  bool allow_nul = true;       // false: "%00" is refused (a path, a file name)
};
// Decodes %XX escapes (either case) through Boost.URL; nullopt on a '%' not
// followed by two hex digits. Other bytes are kept as they are.
std::optional<std::string> percent_decode(std::string_view s, PercentDecoding how = {});

}  // namespace ts::core
