#pragma once
// Reading the scalar values the original's clients send (a number may come as
// a JSON number or as text: "8", 8 and 2028 alike).
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "platform/core/text.hpp"
#include "shop/domain/cards.hpp"
#include "shop/domain/field_errors.hpp"

namespace shop::domain {

// Text of a string or number value; nullopt otherwise.
inline std::optional<std::string> scalar_text(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64() || v.is_uint64()) return python_number_text(v);
  return std::nullopt;
}

// A card's month or year, as a number or as text.
inline std::optional<int> card_int(const boost::json::value& v) {
  const auto text = scalar_text(v);
  return text ? parse_card_int(*text) : std::nullopt;
}

// An object id, as a number or as decimal text (up to 18 digits).
inline std::optional<std::int64_t> id_value(const boost::json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() < (1ull << 62))
    return static_cast<std::int64_t>(v.get_uint64());
  if (v.is_string()) {
    const auto& s = v.get_string();
    return ts::core::parse_digits(std::string_view(s.data(), s.size()), 18);
  }
  return std::nullopt;
}

}  // namespace shop::domain
