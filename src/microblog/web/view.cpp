#include "microblog/web/view.hpp"

#include <stdexcept>

#include "platform/core/text.hpp"

namespace microblog::web::view {

void data::set(std::string key, data value) {
  for (auto& [k, v] : object_)
    if (k == key) {
      v = std::move(value);
      return;
    }
  if (object_.empty()) object_.reserve(8);  // most objects have a handful of keys
  object_.emplace_back(std::move(key), std::move(value));
}

const data* data::get(std::string_view key) const {
  for (const auto& [k, v] : object_)
    if (k == key) return &v;
  return nullptr;
}

void data::push_back(data value) {
  list_.push_back(std::move(value));
}

void escape_html(std::string_view s, std::string& out) {
  std::size_t run = 0;  // start of the pending unescaped run
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char* rep = nullptr;
    switch (s[i]) {
      case '&':
        rep = "&amp;";
        break;
      case '<':
        rep = "&lt;";
        break;
      case '>':
        rep = "&gt;";
        break;
      case '"':
        rep = "&quot;";
        break;
      case '\'':
        rep = "&apos;";
        break;
      case '\x1f':  // reserved as a marker in cached markup (web/page.cpp)
        rep = "&#31;";
        break;
      default:
        continue;
    }
    out.append(s.data() + run, i - run);
    out.append(rep);
    run = i + 1;
  }
  out.append(s.data() + run, s.size() - run);
}

namespace {

// Spaces and tabs around a tag's name are no part of it.
using ts::core::trim_ows;

bool blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

std::vector<std::string> split_name(std::string_view name) {
  std::vector<std::string> out;
  if (name == ".") return out;
  while (true) {
    const auto dot = name.find('.');
    out.emplace_back(name.substr(0, dot));
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
  }
  return out;
}

struct Piece {
  bool tag;
  char sigil;  // 0 (variable), '{', '&', '#', '^', '/', '!', '>', '='
  std::string_view body;
};

[[noreturn]] void parse_error(const std::string& what, std::size_t line_no) {
  throw std::runtime_error(what + " on line " + std::to_string(line_no));
}

// Splits one line of a template into its text and its tags.
void split_line(std::string_view line, std::size_t line_no, std::vector<Piece>& pieces) {
  pieces.clear();
  for (std::size_t i = 0; i < line.size();) {
    const auto o = line.find("{{", i);
    if (o == std::string_view::npos) {
      pieces.push_back({false, 0, line.substr(i)});
      break;
    }
    if (o > i) pieces.push_back({false, 0, line.substr(i, o - i)});
    const bool triple = line.compare(o, 3, "{{{") == 0;
    const std::size_t open_len = triple ? 3 : 2;
    const auto c = line.find(triple ? "}}}" : "}}", o + open_len);
    if (c == std::string_view::npos) parse_error("unclosed tag", line_no);
    auto inner = trim_ows(line.substr(o + open_len, c - o - open_len));
    char sigil = triple ? '{' : 0;
    if (!triple && !inner.empty() &&
        std::string_view("#^/!&>=").find(inner[0]) != std::string_view::npos) {
      sigil = inner[0];
      inner = trim_ows(inner.substr(1));
    }
    if (inner.empty() && sigil != '!') parse_error("empty tag", line_no);
    pieces.push_back({true, sigil, inner});
    i = c + (triple ? 3 : 2);
  }
}

// A line holding only section tags (and comments) and whitespace is
// "standalone": it leaves nothing in the output, not even its newline.
bool standalone_line(const std::vector<Piece>& pieces) {
  bool blocks = false, standalone = true;
  for (const auto& p : pieces) {
    if (!p.tag) {
      standalone = standalone && blank(p.body);
    } else if (p.sigil == '#' || p.sigil == '^' || p.sigil == '/' || p.sigil == '!') {
      blocks = true;
    } else {
      standalone = false;
    }
  }
  return standalone && blocks;
}

}  // namespace

Template::Template(std::string_view src) {
  std::vector<std::size_t> open;  // indexes of the open section nodes
  bool mergeable = false;         // the last node is text that may grow
  auto add_text = [&](std::string_view t) {
    if (t.empty()) return;
    if (mergeable) {
      nodes_.back().text.append(t);
    } else {
      nodes_.push_back({kind::text, std::string(t), {}, 0});
      mergeable = true;
    }
  };
  std::size_t pos = 0, line_no = 0;
  std::vector<Piece> pieces;
  while (pos < src.size()) {
    ++line_no;
    const auto eol = src.find('\n', pos);
    const auto line_end = eol == std::string_view::npos ? src.size() : eol + 1;
    const auto line = src.substr(pos, line_end - pos);
    auto fail = [&](const std::string& what) { parse_error(what, line_no); };
    split_line(line, line_no, pieces);
    const bool standalone = standalone_line(pieces);
    for (const auto& p : pieces) {
      if (!p.tag) {
        if (!standalone) add_text(p.body);
        continue;
      }
      switch (p.sigil) {
        case '!':
          break;
        case '>':
          fail("partial {{> " + std::string(p.body) + "}} was not expanded");
          break;
        case '=':
          fail("delimiter changes are not supported");
          break;
        case '#':
        case '^':
          open.push_back(nodes_.size());
          nodes_.push_back({p.sigil == '#' ? kind::section : kind::inverted, std::string(p.body),
                            split_name(p.body), 0});
          mergeable = false;
          break;
        case '/':
          if (open.empty()) fail("{{/" + std::string(p.body) + "}} closes no section");
          if (nodes_[open.back()].text != p.body)
            fail("{{/" + std::string(p.body) + "}} closes {{#" + nodes_[open.back()].text + "}}");
          nodes_[open.back()].end = nodes_.size();
          open.pop_back();
          mergeable = false;
          break;
        default:
          nodes_.push_back(
              {p.sigil == 0 ? kind::var : kind::raw, std::string(p.body), split_name(p.body), 0});
          mergeable = false;
      }
    }
    pos = line_end;
  }
  if (!open.empty())
    throw std::runtime_error("section {{#" + nodes_[open.back()].text + "}} is never closed");
}

namespace {

const data* lookup(const std::vector<std::string>& path, const std::vector<const data*>& stack) {
  if (path.empty()) return stack.back();
  const data* found = nullptr;
  for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
    const data& d = (*it)->deref();
    if (!d.is_object()) continue;
    if ((found = d.get(path[0]))) break;
  }
  for (std::size_t i = 1; found && i < path.size(); ++i) {
    const data& d = found->deref();
    found = d.is_object() ? d.get(path[i]) : nullptr;
  }
  return found;
}

}  // namespace

void Template::render_range(std::size_t b, std::size_t e, std::vector<const data*>& stack,
                            std::string& out) const {
  for (std::size_t i = b; i < e;) {
    const Node& n = nodes_[i];
    switch (n.k) {
      case kind::text:
        out.append(n.text);
        ++i;
        break;
      case kind::var:
      case kind::raw: {
        if (const data* v = lookup(n.path, stack)) {
          const data& d = v->deref();
          if (d.kind() == data::type::string) {
            if (n.k == kind::var)
              escape_html(d.string_value(), out);
            else
              out.append(d.string_value());
          } else if (d.kind() == data::type::bool_true) {
            out.append("true");
          } else if (d.kind() == data::type::bool_false) {
            out.append("false");
          }
        }
        ++i;
        break;
      }
      case kind::section: {
        const data* v = lookup(n.path, stack);
        if (v && !v->is_falsey()) {
          const data& d = v->deref();
          if (d.is_list()) {
            for (const auto& item : d.list_value()) {
              stack.push_back(&item);
              render_range(i + 1, n.end, stack, out);
              stack.pop_back();
            }
          } else {
            stack.push_back(&d);
            render_range(i + 1, n.end, stack, out);
            stack.pop_back();
          }
        }
        i = n.end;
        break;
      }
      case kind::inverted: {
        const data* v = lookup(n.path, stack);
        if (!v || v->is_falsey()) render_range(i + 1, n.end, stack, out);
        i = n.end;
        break;
      }
    }
  }
}

void Template::render(const data& root, std::string& out) const {
  std::vector<const data*> stack;
  stack.reserve(8);
  stack.push_back(&root);
  render_range(0, nodes_.size(), stack, out);
}

}  // namespace microblog::web::view
