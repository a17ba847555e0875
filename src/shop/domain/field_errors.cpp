#include "shop/domain/field_errors.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "platform/core/text.hpp"

namespace shop::domain {

namespace msg {
std::string max_length(std::size_t n) {
  return "Ensure this field has no more than " + std::to_string(n) + " characters.";
}
std::string min_length(std::size_t n) {
  return "Ensure this field has at least " + std::to_string(n) + " characters.";
}
}  // namespace msg

void FieldErrors::add(std::string_view field, std::string message) {
  for (auto& item : items_) {
    if (item.field == field) {
      item.messages.push_back(std::move(message));
      return;
    }
  }
  items_.push_back({std::string(field), {std::move(message)}});
}

const std::vector<std::string>* FieldErrors::find(std::string_view field) const {
  for (const auto& item : items_)
    if (item.field == field) return &item.messages;
  return nullptr;
}

boost::json::object FieldErrors::to_json() const {
  boost::json::object out;
  for (const auto& item : items_) {
    boost::json::array messages;
    for (const auto& m : item.messages) messages.emplace_back(m);
    out[item.field] = std::move(messages);
  }
  return out;
}

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

namespace {
bool is_python_space(unsigned char c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
}
}  // namespace

std::string_view strip(std::string_view text) {
  return ts::core::trim_if(text, is_python_space);
}

std::string python_float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  // Shortest round-trip digits, as Python's repr picks them.
  std::array<char, 64> buf{};
  auto [end, ec] =
      std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::scientific);
  std::string_view sci(buf.data(), static_cast<std::size_t>(end - buf.data()));
  std::string out;
  if (sci.front() == '-') {
    out.push_back('-');
    sci.remove_prefix(1);
  }
  const auto e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos))
    if (c != '.') digits.push_back(c);
  const int exp10 =
      static_cast<int>(std::strtol(std::string(sci.substr(e_pos + 1)).c_str(), nullptr, 10));
  const int n = static_cast<int>(digits.size());
  if (exp10 >= -4 && exp10 < 16) {
    if (exp10 >= 0) {
      if (n > exp10 + 1) {
        out += digits.substr(0, static_cast<std::size_t>(exp10) + 1) + "." +
               digits.substr(static_cast<std::size_t>(exp10) + 1);
      } else {
        out += digits + std::string(static_cast<std::size_t>(exp10 + 1 - n), '0') + ".0";
      }
    } else {
      out += "0." + std::string(static_cast<std::size_t>(-exp10 - 1), '0') + digits;
    }
    return out;
  }
  out.push_back(digits[0]);
  if (n > 1) out += "." + digits.substr(1);
  out += exp10 < 0 ? "e-" : "e+";
  const int a = std::abs(exp10);
  if (a < 10) out.push_back('0');
  out += std::to_string(a);
  return out;
}

std::string python_number_text(const boost::json::value& value) {
  if (value.is_int64()) return std::to_string(value.get_int64());
  if (value.is_uint64()) return std::to_string(value.get_uint64());
  if (value.is_double()) return python_float_repr(value.get_double());
  return {};
}

std::optional<std::string> read_char_value(const boost::json::value& value, std::string_view field,
                                           const CharFieldSpec& spec, FieldErrors& errors) {
  std::string text;
  if (value.is_null()) {
    errors.add(field, std::string(msg::kNull));
    return std::nullopt;
  } else if (value.is_string()) {
    text = std::string(value.get_string());
  } else if (value.is_number()) {
    text = python_number_text(value);  // DRF is lenient with numbers, not with bools
  } else {
    errors.add(field, std::string(msg::kNotString));
    return std::nullopt;
  }
  if (spec.trim) text = std::string(strip(text));
  // DRF checks blank first and, if blank, skips every other validator.
  if (text.empty() || (spec.trim && strip(text).empty())) {
    if (!spec.allow_blank) {
      errors.add(field, std::string(msg::kBlank));
      return std::nullopt;
    }
    return text;
  }
  bool ok = true;
  if (spec.valid != nullptr && !spec.valid(text)) {
    errors.add(field, std::string(spec.invalid_message));
    ok = false;
  }
  const auto len = utf8_length(text);
  if (spec.max_length != 0 && len > spec.max_length) {
    errors.add(field, msg::max_length(spec.max_length));
    ok = false;
  }
  if (spec.min_length != 0 && len < spec.min_length) {
    errors.add(field, msg::min_length(spec.min_length));
    ok = false;
  }
  if (text.find('\0') != std::string::npos) {
    errors.add(field, std::string(msg::kNullCharacters));
    ok = false;
  }
  if (!ok) return std::nullopt;
  return text;
}

std::optional<std::string> read_char_field(const boost::json::object& body, std::string_view field,
                                           const CharFieldSpec& spec, FieldErrors& errors) {
  const auto* value = body.if_contains(field);
  if (value == nullptr) {
    errors.add(field, std::string(msg::kRequired));
    return std::nullopt;
  }
  return read_char_value(*value, field, spec, errors);
}

namespace {
// 1 and 0 as Python compares them (1 == 1.0 == True); nullopt for other numbers.
std::optional<bool> numeric_truth(const boost::json::value& v) {
  if (v.is_int64())
    return v.get_int64() == 1   ? std::optional(true)
           : v.get_int64() == 0 ? std::optional(false)
                                : std::nullopt;
  if (v.is_uint64())
    return v.get_uint64() == 1   ? std::optional(true)
           : v.get_uint64() == 0 ? std::optional(false)
                                 : std::nullopt;
  const double d = v.get_double();
  return d == 1.0 ? std::optional(true) : d == 0.0 ? std::optional(false) : std::nullopt;
}

template <std::size_t N>
bool one_of(std::string_view s, const std::array<std::string_view, N>& words) {
  for (auto w : words)
    if (s == w) return true;
  return false;
}
}  // namespace

std::optional<bool> parse_drf_boolean(const boost::json::value& value) {
  static constexpr std::array<std::string_view, 14> kTrue = {
      "t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1"};
  static constexpr std::array<std::string_view, 14> kFalse = {
      "f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0"};
  if (value.is_bool()) return value.get_bool();
  if (value.is_number()) return numeric_truth(value);
  if (value.is_string()) {
    std::string_view s = value.get_string();
    if (one_of(s, kTrue)) return true;
    if (one_of(s, kFalse)) return false;
  }
  return std::nullopt;
}

std::optional<bool> parse_django_boolean(const boost::json::value& value) {
  if (value.is_bool()) return value.get_bool();
  if (value.is_number()) return numeric_truth(value);
  if (value.is_string()) {
    std::string_view s = value.get_string();
    if (s == "t" || s == "True" || s == "1") return true;
    if (s == "f" || s == "False" || s == "0") return false;
  }
  return std::nullopt;
}

bool is_falsy(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      return true;
    case boost::json::kind::bool_:
      return !value.get_bool();
    case boost::json::kind::int64:
      return value.get_int64() == 0;
    case boost::json::kind::uint64:
      return value.get_uint64() == 0;
    case boost::json::kind::double_:
      return value.get_double() == 0.0;
    case boost::json::kind::string:
      return value.get_string().empty();
    case boost::json::kind::array:
      return value.get_array().empty();
    case boost::json::kind::object:
      return value.get_object().empty();
  }
  return false;
}

}  // namespace shop::domain
