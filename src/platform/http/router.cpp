#include "platform/http/router.hpp"

#include <stdexcept>

#include "platform/core/text.hpp"

namespace ts::http {

struct Router::Node {
  std::unordered_map<std::string, std::unique_ptr<Node>> literal;
  std::unique_ptr<Node> param;  // at most one parameter child per node
  std::string param_name;
  bool param_int = false;
  std::array<Route*, kMethodCount> by_method{};

  bool has_routes() const {
    for (auto* r : by_method)
      if (r) return true;
    return false;
  }
};

namespace {
bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Splits "/a/b/" into {"a","b",""}: a trailing slash is an empty last segment,
// so "/a/b" and "/a/b/" are different paths, as in the original APIs.
template <class F>
bool for_each_segment(std::string_view path, F&& f) {
  if (path.empty() || path.front() != '/') return false;
  path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    if (!f(path.substr(0, slash))) return false;
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}
}  // namespace

std::optional<std::string> decode_segment(std::string_view s) {
  // An encoded NUL is refused: no name or id has one, and C APIs behind a
  // handler would cut the value short there.
  return core::percent_decode(s, {.allow_nul = false});
}

Router::Router(TrailingSlash policy) : policy_(policy), root_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

Route& Router::add(Method method, std::string_view pattern, Handler handler, RouteOptions options) {
  if (method == Method::other) throw std::invalid_argument("route method must be a known method");
  Node* node = root_.get();
  const bool ok = for_each_segment(pattern, [&](std::string_view seg) {
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      std::string_view inner = seg.substr(1, seg.size() - 2);
      bool is_int = false;
      if (const auto colon = inner.find(':'); colon != std::string_view::npos) {
        if (inner.substr(colon + 1) != "int") return false;
        is_int = true;
        inner = inner.substr(0, colon);
      }
      if (!node->param) {
        node->param = std::make_unique<Node>();
        node->param_name = std::string(inner);
        node->param_int = is_int;
      } else if (node->param_name != inner || node->param_int != is_int) {
        return false;  // two differently named parameters at one position is ambiguous
      }
      node = node->param.get();
    } else {
      auto& child = node->literal[std::string(seg)];
      if (!child) child = std::make_unique<Node>();
      node = child.get();
    }
    return true;
  });
  if (!ok) throw std::invalid_argument("bad route pattern: " + std::string(pattern));
  auto& slot = node->by_method[static_cast<std::size_t>(method)];
  if (slot) throw std::invalid_argument("duplicate route: " + std::string(pattern));
  routes_.push_back(std::make_unique<Route>(
      Route{method, std::string(pattern), std::move(handler), std::move(options)}));
  slot = routes_.back().get();
  return *slot;
}

bool Router::lookup(std::string_view path, const Node*& out,
                    std::vector<std::pair<std::string, std::string>>& params, bool& bad) const {
  const Node* node = root_.get();
  const bool ok = for_each_segment(path, [&](std::string_view seg) {
    if (auto it = node->literal.find(std::string(seg)); it != node->literal.end()) {
      node = it->second.get();
      return true;
    }
    if (!node->param || seg.empty()) return false;
    auto decoded = decode_segment(seg);
    if (!decoded) {
      bad = true;
      return false;
    }
    if (node->param_int && !all_digits(*decoded)) return false;
    params.emplace_back(node->param_name, std::move(*decoded));
    node = node->param.get();
    return true;
  });
  if (!ok || !node->has_routes()) return false;
  out = node;
  return true;
}

Router::Match Router::match(Method method, std::string_view path, std::string_view query) const {
  Match m;
  const Node* node = nullptr;
  bool bad = false;
  if (!lookup(path, node, m.params, bad)) {
    if (bad) {
      m.kind = Match::bad_path;
      return m;
    }
    if (policy_ == TrailingSlash::redirect_get &&
        (method == Method::get || method == Method::head) && !path.empty() && path.back() != '/') {
      std::string slashed(path);
      slashed.push_back('/');
      std::vector<std::pair<std::string, std::string>> ignored;
      if (lookup(slashed, node, ignored, bad) &&
          (node->by_method[static_cast<std::size_t>(Method::get)] != nullptr)) {
        m.kind = Match::redirect;
        m.location = std::move(slashed);
        if (!query.empty()) m.location.append("?").append(query);
        return m;
      }
    }
    m.params.clear();
    if (fallback_) {
      m.kind = Match::found;
      m.route = fallback_.get();
      return m;
    }
    m.kind = Match::not_found;
    return m;
  }
  const auto idx = static_cast<std::size_t>(method);
  const Route* r = method == Method::other ? nullptr : node->by_method[idx];
  if (!r && method == Method::head) r = node->by_method[static_cast<std::size_t>(Method::get)];
  if (r) {
    m.kind = Match::found;
    m.route = r;
    return m;
  }
  for (std::size_t i = 0; i < kMethodCount; ++i) {
    if (!node->by_method[i]) continue;
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += method_name(static_cast<Method>(i));
    if (static_cast<Method>(i) == Method::get &&
        !node->by_method[static_cast<std::size_t>(Method::head)])
      m.allow += ", HEAD";
  }
  if (!node->by_method[static_cast<std::size_t>(Method::options)]) m.allow += ", OPTIONS";
  m.kind = Match::method_not_allowed;
  return m;
}

void Router::set_fallback(Handler handler, RouteOptions options) {
  fallback_ = std::make_unique<Route>(
      Route{Method::get, "unmatched", std::move(handler), std::move(options)});
}

std::vector<Route*> Router::routes() {
  std::vector<Route*> out;
  for (auto& r : routes_) out.push_back(r.get());
  if (fallback_) out.push_back(fallback_.get());
  return out;
}

}  // namespace ts::http
