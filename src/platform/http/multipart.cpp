#include "platform/http/multipart.hpp"

#include <utility>

#include "platform/core/text.hpp"
#include "platform/http/error.hpp"

namespace ts::http {
namespace {

// DRF's wording for a body it cannot parse, so clients see one style.
[[noreturn]] void fail(std::string_view why) {
  throw HttpError(400, "Multipart form parse error - " + std::string(why));
}

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

// RFC 2046 bchars (bcharsnospace plus space).
bool is_bchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '\'':
    case '(':
    case ')':
    case '+':
    case '_':
    case ',':
    case '-':
    case '.':
    case '/':
    case ':':
    case '=':
    case '?':
    case ' ':
      return true;
    default:
      return false;
  }
}

using core::to_lower;
using core::trim_ows;

void skip_ows(std::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
}

struct Param {
  std::string name;  // lower case
  std::string value;
};

// `type/subtype` or `form-data` followed by `; name=value` pairs, values a
// token or a quoted-string. Returns false on any syntax error.
bool parse_header_value(std::string_view text, std::string& head, std::vector<Param>& params) {
  text = trim_ows(text);
  const auto semi = text.find(';');
  head = to_lower(trim_ows(text.substr(0, semi)));
  if (head.empty()) return false;
  for (char c : head)
    if (!is_tchar(c) && c != '/') return false;
  if (semi == std::string_view::npos) return true;
  std::string_view rest = text.substr(semi + 1);
  while (true) {
    skip_ows(rest);
    if (rest.empty()) return true;  // a trailing ';' is tolerated, as browsers never send one
    std::size_t n = 0;
    while (n < rest.size() && is_tchar(rest[n])) ++n;
    if (n == 0) return false;
    Param p{to_lower(rest.substr(0, n)), {}};
    rest.remove_prefix(n);
    skip_ows(rest);
    if (rest.empty() || rest.front() != '=') return false;
    rest.remove_prefix(1);
    skip_ows(rest);
    if (!rest.empty() && rest.front() == '"') {
      rest.remove_prefix(1);
      bool closed = false;
      while (!rest.empty()) {
        char c = rest.front();
        rest.remove_prefix(1);
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\') {
          if (rest.empty()) return false;
          c = rest.front();
          rest.remove_prefix(1);
        }
        if (c == '\r' || c == '\n' || c == '\0') return false;
        p.value.push_back(c);
      }
      if (!closed) return false;
    } else {
      std::size_t m = 0;
      while (m < rest.size() && is_tchar(rest[m])) ++m;
      if (m == 0) return false;
      p.value.assign(rest.substr(0, m));
      rest.remove_prefix(m);
    }
    for (const auto& q : params)
      if (q.name == p.name) return false;  // a repeated parameter is ambiguous
    params.push_back(std::move(p));
    skip_ows(rest);
    if (rest.empty()) return true;
    if (rest.front() != ';') return false;
    rest.remove_prefix(1);
  }
}

const Param* find_param(const std::vector<Param>& params, std::string_view name) {
  for (const auto& p : params)
    if (p.name == name) return &p;
  return nullptr;
}

// RFC 5987 ext-value: charset'language'percent-encoded. Only UTF-8 and
// ISO-8859-1's ASCII subset are meaningful to us; other charsets are refused.
std::optional<std::string> decode_ext_value(std::string_view v) {
  const auto q1 = v.find('\'');
  if (q1 == std::string_view::npos) return std::nullopt;
  const auto q2 = v.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return std::nullopt;
  const auto charset = to_lower(v.substr(0, q1));
  if (charset != "utf-8" && charset != "iso-8859-1") return std::nullopt;
  return core::percent_decode(v.substr(q2 + 1), {.allow_nul = false});
}

void parse_part_headers(std::string_view block, MultipartPart& part) {
  while (!block.empty()) {
    const auto eol = block.find("\r\n");
    const auto line = block.substr(0, eol);
    block.remove_prefix(eol == std::string_view::npos ? block.size() : eol + 2);
    if (line.empty()) fail("empty line inside part headers");
    if (line.front() == ' ' || line.front() == '\t') fail("folded part header");
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) fail("malformed part header");
    const auto name = line.substr(0, colon);
    for (char c : name)
      if (!is_tchar(c)) fail("malformed part header name");
    const auto value = trim_ows(line.substr(colon + 1));
    for (char c : value)
      if (c == '\0' || c == '\r' || c == '\n') fail("control character in part header");
    part.headers.add(name, value);
  }
  const auto disposition = part.headers.get("Content-Disposition");
  if (!disposition) fail("part without Content-Disposition");
  std::string kind;
  std::vector<Param> params;
  if (!parse_header_value(*disposition, kind, params)) fail("malformed Content-Disposition");
  if (kind != "form-data") fail("part disposition is not form-data");
  const auto* name = find_param(params, "name");
  if (!name) fail("part without a name");
  part.name = name->value;
  if (const auto* ext = find_param(params, "filename*")) {
    auto decoded = decode_ext_value(ext->value);
    if (!decoded) fail("malformed filename*");
    part.filename = std::move(*decoded);
  } else if (const auto* fn = find_param(params, "filename")) {
    part.filename = fn->value;
  }
  if (auto ct = part.headers.get("Content-Type")) part.content_type = std::string(*ct);
}

}  // namespace

const MultipartPart* MultipartForm::find(std::string_view name) const {
  for (const auto& p : parts)
    if (p.name == name) return &p;
  return nullptr;
}

bool is_multipart_form(std::string_view content_type) {
  const auto semi = content_type.find(';');
  return to_lower(trim_ows(content_type.substr(0, semi))) == "multipart/form-data";
}

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  if (!is_multipart_form(content_type)) return std::nullopt;
  std::string head;
  std::vector<Param> params;
  if (!parse_header_value(content_type, head, params)) fail("Invalid Content-Type header");
  const auto* b = find_param(params, "boundary");
  if (!b) fail("Invalid boundary in multipart: None");
  const auto& v = b->value;
  bool ok = !v.empty() && v.size() <= 70 && v.back() != ' ';
  for (char c : v) ok = ok && is_bchar(c);
  if (!ok) fail("Invalid boundary in multipart: " + v);
  return v;
}

MultipartForm parse_multipart(std::string_view body, std::string_view boundary,
                              const MultipartLimits& limits) {
  MultipartForm form;
  const std::string dash_boundary = "--" + std::string(boundary);
  const std::string delimiter = "\r\n" + dash_boundary;

  // The first delimiter opens the body, or follows a preamble line.
  std::size_t pos;
  if (body.substr(0, dash_boundary.size()) == dash_boundary) {
    pos = dash_boundary.size();
  } else {
    const auto p = body.find(delimiter);
    if (p == std::string_view::npos) fail("no opening boundary");
    pos = p + delimiter.size();
  }

  while (true) {
    // After a delimiter: "--" closes the body, else padding and CRLF.
    if (body.substr(pos, 2) == "--") return form;  // epilogue ignored
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, 2) != "\r\n") {
      if (pos >= body.size()) fail("body ends without the closing boundary");
      fail("malformed boundary line");
    }
    pos += 2;

    if (form.parts.size() >= limits.max_parts)
      fail("more than " + std::to_string(limits.max_parts) + " parts");

    MultipartPart part;
    std::size_t content;
    if (body.substr(pos, 2) == "\r\n") {
      content = pos + 2;  // no headers at all: rejected below (no Content-Disposition)
      parse_part_headers({}, part);
    } else {
      const auto end = body.find("\r\n\r\n", pos);
      if (end == std::string_view::npos) {
        if (body.size() - pos > limits.max_header_bytes) fail("part headers too large");
        fail("body ends inside part headers");
      }
      if (end - pos > limits.max_header_bytes) fail("part headers too large");
      parse_part_headers(body.substr(pos, end - pos), part);
      content = end + 4;
    }

    const auto next = body.find(delimiter, content);
    const std::size_t size = (next == std::string_view::npos ? body.size() : next) - content;
    const std::size_t limit = part.filename ? limits.max_part_bytes : limits.max_field_bytes;
    if (size > limit)
      throw HttpError(413, "Multipart part \"" + part.name + "\" is larger than " +
                               std::to_string(limit) + " bytes.");
    if (next == std::string_view::npos) fail("body ends without the closing boundary");
    part.body.assign(body.substr(content, size));
    form.parts.push_back(std::move(part));
    pos = next + delimiter.size();
  }
}

MultipartForm parse_multipart_form(const Request& req, const MultipartLimits& limits) {
  const auto ct = req.header("Content-Type");
  auto boundary = ct ? multipart_boundary(*ct) : std::nullopt;
  if (!boundary)
    throw HttpError(415, "Unsupported media type in request; expected multipart/form-data.");
  return parse_multipart(req.body, *boundary, limits);
}

}  // namespace ts::http
