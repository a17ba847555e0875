// libFuzzer target: the microblog's Accept-Language negotiation
// (microblog/domain/i18n best_locale) and the placeholder substitution that
// puts user-supplied text (usernames, post bodies) into translated strings.
#include <algorithm>
#include <cctype>
#include <string>

#include "fuzz_check.hpp"
#include "microblog/domain/i18n.hpp"

namespace {
using fuzz::check;
using microblog::domain::best_locale;

bool mentions_es(std::string_view h) {
  std::string lower(h);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("es") != std::string::npos;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto header = fuzz::text(data, size);
  const std::string best = best_locale(header);
  check(best == "en" || best == "es");
  // Spanish is only ever chosen when the client named it.
  check(best == "en" || mentions_es(header));
  // Deterministic, and a header that names only the other language as well
  // (with a lower weight) never changes the answer.
  check(best_locale(header) == best);
  check(best_locale(std::string(header) + ",zz;q=0.5") == best);

  // User text in a translated message: every placeholder is replaced once,
  // and text inside the substituted value is never expanded again.
  const std::string value(header.substr(0, std::min<std::size_t>(header.size(), 256)));
  const std::string out =
      microblog::domain::trf(best, "%(username)s said %(username)s", {{"username", value}});
  check(out == value + " said " + value);
  return 0;
}
