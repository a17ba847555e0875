#include "platform/core/text.hpp"

#include <boost/url/decode_view.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace ts::core {

std::string_view trim(std::string_view s) {
  return trim_if(s, is_ascii_space);
}

std::string_view trim_ows(std::string_view s) {
  return trim_if(s, [](unsigned char c) { return c == ' ' || c == '\t'; });
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = ascii_lower(c);
  return out;
}

std::string hex_encode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 0x0f];
  }
  return out;
}

std::optional<std::string> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  auto lower_digit = [](char c) { return c >= 'A' && c <= 'F' ? -1 : hex_digit(c); };
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = lower_digit(text[i]);
    const int lo = lower_digit(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

std::string percent_encode(std::string_view s) {
  // Boost.URL's defaults are the ones we want: uppercase hex (RFC 3986
  // §2.1 "should"), and a space is %20, never '+'.
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

std::optional<std::string> percent_decode(std::string_view s, PercentDecoding how) {
  // Most path segments and form fields have nothing to decode.
  if (s.find_first_of(how.plus_as_space ? "%+" : "%") == std::string_view::npos)
    return std::string(s);
  if (!how.allow_nul && s.find("%00") != std::string_view::npos) return std::nullopt;
  const auto valid = boost::urls::make_pct_string_view(s);
  if (!valid) return std::nullopt;
  boost::urls::encoding_opts opts;
  opts.space_as_plus = how.plus_as_space;
  const auto decoded = valid->decode(opts);
  return std::string(decoded.begin(), decoded.end());
}

}  // namespace ts::core
