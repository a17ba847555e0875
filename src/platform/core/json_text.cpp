#include "platform/core/json_text.hpp"

#include <array>
#include <charconv>

#include "platform/core/text.hpp"

namespace ts::json_text {

namespace {
// Bytes that must be escaped: control characters, '"' and '\\'.
constexpr auto kEscape = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  t['"'] = t['\\'] = true;
  return t;
}();
}  // namespace

void append_string(std::string& out, std::string_view v) {
  out.push_back('"');
  std::size_t run = 0;  // start of the pending run of bytes copied as they are
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (!kEscape[c]) continue;
    out.append(v.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += core::hex_encode(v.substr(i, 1));  // two characters: no allocation
    }
  }
  out.append(v.data() + run, v.size() - run);
  out.push_back('"');
}

void append_string_or_null(std::string& out, const std::optional<std::string>& v) {
  if (v)
    append_string(out, *v);
  else
    out += "null";
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace ts::json_text
