// libFuzzer target: query strings and application/x-www-form-urlencoded
// bodies (platform/http: form_decode, Request::query_param), which every
// handler reads from untrusted clients.
//   - query_param(name) must agree with a straightforward reading of the
//     query: the first pair whose decoded key is name, its decoded value
//     (absent when that value's escape is malformed);
//   - encoding any decoded pairs and decoding them again gives them back.
#include <string>
#include <utility>
#include <vector>

#include "fuzz_check.hpp"
#include "platform/http/message.hpp"

namespace {

using fuzz::check;
using ts::http::form_decode;

std::string form_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

struct Pair {
  std::optional<std::string> key, value;
  bool has_eq;
};

std::vector<Pair> split(std::string_view q) {
  std::vector<Pair> out;
  while (true) {
    const auto amp = q.find('&');
    const auto pair = q.substr(0, amp);
    const auto eq = pair.find('=');
    // Empty pairs ("a&&b", a trailing '&') are no parameters.
    if (pair.empty()) {
      if (amp == std::string_view::npos) break;
      q.remove_prefix(amp + 1);
      continue;
    }
    out.push_back({form_decode(pair.substr(0, eq)),
                   eq == std::string_view::npos ? std::optional<std::string>("")
                                                : form_decode(pair.substr(eq + 1)),
                   eq != std::string_view::npos});
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = fuzz::text(data, size);
  if (const auto d = form_decode(input)) {
    check(d->size() <= input.size());
    check(form_decode(form_encode(*d)) == d);
  }

  ts::http::Request req;
  req.query = std::string(input);
  if (input.empty()) {
    check(!req.query_param(""));
    return 0;
  }
  const auto pairs = split(input);
  std::vector<std::pair<std::string, std::string>> decoded;
  for (std::size_t i = 0; i < pairs.size() && i < 64; ++i) {
    const auto& p = pairs[i];
    if (!p.key) continue;
    // The first pair with this key decides.
    bool first = true;
    for (std::size_t j = 0; j < i; ++j)
      if (pairs[j].key == p.key) first = false;
    if (!first) continue;
    check(req.query_param(*p.key) == p.value);
    if (p.value) decoded.emplace_back(*p.key, *p.value);
  }
  check(!req.query_param(std::string(input) + "\x01never-a-key"));

  // Encode what decoded and read it back through query_param.
  ts::http::Request again;
  for (const auto& [k, v] : decoded) {
    if (!again.query.empty()) again.query += '&';
    again.query += form_encode(k) + "=" + form_encode(v);
  }
  for (const auto& [k, v] : decoded) check(again.query_param(k) == v);
  return 0;
}
