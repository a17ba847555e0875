#pragma once
// The microblog's template engine: the subset of mustache its templates use
// ({{name}}, {{{name}}} / {{&name}}, {{#section}}, {{^inverted}}, {{! comment}},
// dotted names, {{.}}), standalone section lines removed as the mustache spec
// says. Partials are expanded by the caller before parsing.
//
// Why our own instead of kainjow's: a parsed Template is immutable and shared
// by every thread, a render appends to one output string, and the data model
// keeps small objects in a flat vector (no map node per key) and can point to
// a shared table (the UI strings) instead of copying it. GET /index spent a
// third of its CPU building and walking kainjow's data (docs/performance.md).
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace microblog::web::view {

class data {
 public:
  enum class type : std::uint8_t { object, string, list, bool_true, bool_false, ref };

  data() = default;  // an empty object
  explicit data(type t) : type_(t) {}
  data(bool b) : type_(b ? type::bool_true : type::bool_false) {}
  data(std::string s) : type_(type::string), str_(std::move(s)) {}
  data(std::string_view s) : type_(type::string), str_(s) {}
  data(const char* s) : type_(type::string), str_(s) {}

  // A value that stands for `target` (which must outlive it): shared tables.
  static data ref(const data& target) {
    data d(type::ref);
    d.ref_ = &target;
    return d;
  }

  // Objects: set replaces an existing key.
  void set(std::string key, data value);
  const data* get(std::string_view key) const;
  // Lists.
  void push_back(data value);
  void reserve(std::size_t n) { list_.reserve(n); }

  type kind() const { return type_; }
  bool is_list() const { return type_ == type::list; }
  bool is_object() const { return type_ == type::object; }
  const std::vector<data>& list_value() const { return list_; }
  const std::string& string_value() const { return str_; }
  // The value itself, or what a ref points to.
  const data& deref() const { return type_ == type::ref ? *ref_ : *this; }
  // Section semantics (as kainjow's): missing, false and empty lists are false.
  bool is_falsey() const {
    const auto& d = deref();
    return d.type_ == type::bool_false || (d.type_ == type::list && d.list_.empty());
  }

 private:
  type type_ = type::object;
  std::string str_;
  std::vector<std::pair<std::string, data>> object_;
  std::vector<data> list_;
  // The analyzer's WebKit rule takes ref()/deref() for reference counting; here
  // they make and follow a plain pointer to a value the caller keeps alive.
  // NOLINTNEXTLINE(clang-analyzer-webkit.NoUncountedMemberChecker): not a ref count
  const data* ref_ = nullptr;
};

// Appends s to out with & < > " ' escaped.
void escape_html(std::string_view s, std::string& out);

class Template {
 public:
  // Throws std::runtime_error naming the problem (unclosed tag or section,
  // mismatched close, delimiter changes, partials left unexpanded).
  explicit Template(std::string_view source);
  void render(const data& root, std::string& out) const;

 private:
  enum class kind : std::uint8_t { text, var, raw, section, inverted };
  struct Node {
    kind k;
    std::string text;               // text, or the name as written
    std::vector<std::string> path;  // the name split at dots; empty for "."
    std::size_t end = 0;            // section: index of the node after its close
  };
  std::vector<Node> nodes_;
  void render_range(std::size_t b, std::size_t e, std::vector<const data*>& stack,
                    std::string& out) const;
};

}  // namespace microblog::web::view
