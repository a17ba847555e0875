#include "tierstack/db/sql_quote.hpp"

#include <stdexcept>

namespace tierstack {

namespace {

std::string quote(std::string_view s, char q) {
  if (s.find('\0') != std::string_view::npos)
    throw std::invalid_argument("SQL text must not contain a NUL byte");
  std::string out(1, q);
  for (char c : s) {
    if (c == q) out += q;
    out += c;
  }
  out += q;
  return out;
}

}  // namespace

std::string quote_ident(std::string_view name) {
  return quote(name, '"');
}

std::string quote_literal(std::string_view text) {
  return quote(text, '\'');
}

}  // namespace tierstack
