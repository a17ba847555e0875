// libFuzzer target: the two readers of raw request text every microblog page
// runs before its view (src/microblog/web/form.cpp, compiled in unchanged):
// find_cookie() on the Cookie header, for the session cookie, and
// parse_form() on an urlencoded POST body. The input is used as both.
//   find_cookie: the value lies inside the header, right after "session="
//     at the start of a ';'-separated item (leading SP/HTAB skipped), holds
//     no ';' and does not end in SP/HTAB; no earlier item is the session
//     cookie; with no answer, no item starts with "session="; appending
//     another session cookie never changes the first one.
//   parse_form: at most one entry per '&'-separated pair; encoding the
//     result and parsing it again gives it back; it agrees with
//     Request::query_param on the same text wherever that finds a value;
//     a pair put in front decides its name, one appended never overrides.
#include <map>
#include <string>

#include "fuzz_check.hpp"
#include "microblog/web/form.hpp"
#include "platform/core/text.hpp"
#include "platform/http/message.hpp"

namespace {

using fuzz::check;
using microblog::web::find_cookie;
using microblog::web::parse_form;
using ts::core::percent_encode;

constexpr std::string_view kName = "session";
constexpr std::string_view kPrefix = "session=";

bool blank(char c) {
  return c == ' ' || c == '\t';
}

// Whether the item holding position `at` starts there: only SP/HTAB between
// the previous ';' (or the start of the header) and `at`.
bool starts_item(std::string_view h, std::size_t at) {
  while (at > 0 && blank(h[at - 1])) --at;
  return at == 0 || h[at - 1] == ';';
}

void cookie(std::string_view h) {
  const auto v = find_cookie(h, kName);
  if (v) {
    check(v->data() >= h.data() + kPrefix.size() && v->data() + v->size() <= h.data() + h.size());
    const auto at = static_cast<std::size_t>(v->data() - h.data()) - kPrefix.size();
    check(h.substr(at, kPrefix.size()) == kPrefix);
    check(starts_item(h, at));
    check(v->find(';') == std::string_view::npos);
    check(v->empty() || !blank(v->back()));
    // The value runs to the next ';' (or the end), trailing SP/HTAB aside.
    const auto rest = h.substr(at + kPrefix.size() + v->size());
    for (char c : rest.substr(0, rest.find(';'))) check(blank(c));
    // The first session cookie wins: none in the items before it.
    check(!find_cookie(h.substr(0, at), kName));
  } else {
    for (auto at = h.find(kPrefix); at != std::string_view::npos; at = h.find(kPrefix, at + 1))
      check(!starts_item(h, at));
  }
  const std::string more = std::string(h) + "; session=later";
  const auto w = find_cookie(more, kName);
  check(w && *w == (v ? *v : std::string_view("later")));
  // Another cookie's name merely containing "session" is not it.
  check(find_cookie("xsession=1; session_id=2", kName) == std::nullopt);
}

std::string encode(const std::map<std::string, std::string>& m) {
  std::string out;
  for (const auto& [k, v] : m) {
    if (!out.empty()) out += '&';
    out += percent_encode(k) + "=" + percent_encode(v);
  }
  return out;
}

void form(std::string_view body) {
  const auto out = parse_form(body);
  std::size_t pairs = 1;
  for (char c : body) pairs += c == '&';
  check(out.size() <= pairs);
  check(parse_form(encode(out)) == out);

  ts::http::Request req;
  req.query = std::string(body);
  // query_param reads the whole body each time: the first 64 names are
  // enough to compare the two readers and keep an input's cost linear (a
  // 1 KB body of 500 pairs cost ~1 ms under ASan, so the campaign crawled).
  std::size_t compared = 0;
  for (const auto& [k, v] : out) {
    if (++compared > 64) break;
    if (const auto q = req.query_param(k)) check(*q == v);
  }

  // A pair in front decides its name; one appended never overrides.
  const std::string name = out.empty() ? "csrf_token" : out.begin()->first;
  const auto front = parse_form(percent_encode(name) + "=first&" + std::string(body));
  check(front.at(name) == "first");
  const auto back = parse_form(std::string(body) + "&" + percent_encode(name) + "=last");
  check(back.at(name) == (out.contains(name) ? out.at(name) : "last"));
  for (const auto& [k, v] : out) check(back.at(k) == v);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = fuzz::text(data, size);
  cookie(input);
  form(input);
  return 0;
}
