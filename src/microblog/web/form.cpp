#include "microblog/web/form.hpp"

#include "platform/http/message.hpp"

namespace microblog::web {

std::optional<std::string_view> find_cookie(std::string_view h, std::string_view name) {
  while (!h.empty()) {
    const auto semi = h.find(';');
    auto item = h.substr(0, semi);
    h = semi == std::string_view::npos ? std::string_view{} : h.substr(semi + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    const auto eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == name) return item.substr(eq + 1);
  }
  return std::nullopt;
}

std::map<std::string, std::string> parse_form(std::string_view body) {
  std::map<std::string, std::string> out;
  while (!body.empty()) {
    auto amp = body.find('&');
    auto item = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    // An empty pair ("a=1&&b=2") names no field (WHATWG urlencoded parsing,
    // as Request::query_param reads a query).
    if (item.empty()) continue;
    auto eq = item.find('=');
    auto k = ts::http::form_decode(item.substr(0, eq));
    auto v = ts::http::form_decode(eq == std::string_view::npos ? "" : item.substr(eq + 1));
    if (k && v) out.emplace(*k, *v);
  }
  return out;
}

}  // namespace microblog::web
