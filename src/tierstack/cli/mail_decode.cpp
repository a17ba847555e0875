// Decoding an e-mail message for the operator (mail_decode.hpp).
#include "tierstack/cli/mail_decode.hpp"

#include <utility>

#include "platform/core/text.hpp"

namespace tierstack {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;  // lower-case name, value

struct Split {
  std::string_view head, body;
};

// Headers end at the first empty line (CRLF or LF line ends).
Split split_message(std::string_view raw) {
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\n') continue;
    if (i + 1 < raw.size() && raw[i + 1] == '\n') return {raw.substr(0, i), raw.substr(i + 2)};
    if (i + 2 < raw.size() && raw[i + 1] == '\r' && raw[i + 2] == '\n')
      return {raw.substr(0, i), raw.substr(i + 3)};
  }
  if (raw.starts_with("\r\n")) return {{}, raw.substr(2)};
  if (raw.starts_with("\n")) return {{}, raw.substr(1)};
  return {raw, {}};
}

// The line starting at pos without its CR LF or LF; pos moves past it.
std::string_view next_line(std::string_view text, std::size_t& pos) {
  auto eol = text.find('\n', pos);
  if (eol == std::string_view::npos) eol = text.size();
  std::string_view line = text.substr(pos, eol - pos);
  if (line.ends_with('\r')) line.remove_suffix(1);
  pos = eol + 1;
  return line;
}

// Header fields, folded lines joined (RFC 5322 2.2.3).
Headers parse_headers(std::string_view head) {
  Headers h;
  std::size_t pos = 0;
  while (pos < head.size()) {
    const auto line = next_line(head, pos);
    if (line.empty()) continue;
    if ((line.front() == ' ' || line.front() == '\t') && !h.empty()) {
      h.back().second += " ";
      h.back().second += ts::core::trim(line);
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    h.emplace_back(ts::core::to_lower(ts::core::trim(line.substr(0, colon))),
                   std::string(ts::core::trim(line.substr(colon + 1))));
  }
  return h;
}

std::string header(const Headers& h, std::string_view name) {
  for (const auto& [k, v] : h)
    if (k == name) return v;
  return "";
}

// "text/plain; charset=utf-8" -> "text/plain".
std::string media_type(std::string_view value) {
  return ts::core::to_lower(ts::core::trim(value.substr(0, value.find(';'))));
}

// A parameter of a structured header value (boundary, charset, filename),
// quoted or not; "" when absent.
std::string param(std::string_view value, std::string_view name) {
  std::size_t pos = value.find(';');
  while (pos != std::string_view::npos) {
    const auto next = value.find(';', pos + 1);
    auto item = ts::core::trim(value.substr(
        pos + 1, next == std::string_view::npos ? std::string_view::npos : next - pos - 1));
    const auto eq = item.find('=');
    if (eq != std::string_view::npos &&
        ts::core::to_lower(ts::core::trim(item.substr(0, eq))) == name) {
      auto v = ts::core::trim(item.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"') {
        // A quoted value may hold ';': take it up to its closing quote.
        const auto start = value.find('"', pos + 1) + 1;
        return std::string(value.substr(start, value.find('"', start) - start));
      }
      return std::string(v);
    }
    pos = next;
  }
  return "";
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Bytes in a single-byte Latin charset as UTF-8; UTF-8 and US-ASCII (and
// charsets not known here) stay as they are.
std::string to_utf8(std::string bytes, std::string_view charset) {
  const auto cs = ts::core::to_lower(charset);
  if (cs != "iso-8859-1" && cs != "latin1" && cs != "iso-8859-15" && cs != "windows-1252")
    return bytes;
  std::string out;
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out += ch;
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

std::string crlf_to_lf(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!(s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n')) out += s[i];
  return out;
}

// One encoded word's text: B is base64, Q is quoted-printable with '_' a space.
std::string decode_word(char encoding, std::string_view text) {
  if (encoding == 'B' || encoding == 'b') return decode_base64_lenient(text);
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_') {
      out += ' ';
    } else if (text[i] == '=' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The body of a leaf part, its transfer encoding and charset undone.
std::string decode_body(const Headers& h, std::string_view body) {
  const auto cte = ts::core::to_lower(ts::core::trim(header(h, "content-transfer-encoding")));
  std::string bytes = cte == "base64"             ? decode_base64_lenient(body)
                      : cte == "quoted-printable" ? decode_quoted_printable(body)
                                                  : std::string(body);
  return to_utf8(std::move(bytes), param(header(h, "content-type"), "charset"));
}

// The parts of a multipart body: what lies between "--boundary" lines.
std::vector<std::string_view> multipart_parts(std::string_view body, const std::string& boundary) {
  std::vector<std::string_view> parts;
  const std::string delim = "--" + boundary;
  std::size_t start = std::string_view::npos;  // of the current part
  std::size_t pos = 0;
  while (pos < body.size()) {
    const std::size_t line_start = pos;
    const auto line = next_line(body, pos);
    if (line.starts_with(delim)) {
      if (start != std::string_view::npos) {
        // The line break before the delimiter belongs to it.
        std::size_t end = line_start;
        if (end > start && body[end - 1] == '\n') --end;
        if (end > start && body[end - 1] == '\r') --end;
        parts.push_back(body.substr(start, end - start));
      }
      if (ts::core::trim(line.substr(delim.size())) == "--") return parts;
      start = pos;
    }
  }
  if (start != std::string_view::npos && start < body.size())
    parts.push_back(body.substr(start));  // no closing delimiter
  return parts;
}

struct Found {
  std::string plain, html;
  bool have_plain = false, have_html = false;
};

// Walks a part (recursively through multiparts): the first text/plain and
// text/html that are not attachments, and the attachments.
void walk(const Headers& h, std::string_view body, Found& f, MailMessage& m, int depth) {
  const auto ctype_header = header(h, "content-type");
  const auto type = ctype_header.empty() ? std::string("text/plain") : media_type(ctype_header);
  if (type.starts_with("multipart/") && depth < 16) {
    const auto boundary = param(ctype_header, "boundary");
    if (!boundary.empty()) {
      for (const auto part : multipart_parts(body, boundary)) {
        const auto s = split_message(part);
        walk(parse_headers(s.head), s.body, f, m, depth + 1);
      }
      return;
    }
  }
  const auto disposition = header(h, "content-disposition");
  auto name = decode_header_value(param(disposition, "filename"));
  if (name.empty()) name = decode_header_value(param(ctype_header, "name"));
  const bool attachment =
      media_type(disposition) == "attachment" || (type != "text/plain" && type != "text/html") ||
      (f.have_plain && type == "text/plain") || (f.have_html && type == "text/html");
  std::string decoded = decode_body(h, body);
  if (attachment) {
    m.attachments.push_back((name.empty() ? std::string("(unnamed)") : name) + " (" + type + ", " +
                            std::to_string(decoded.size()) + " bytes)");
  } else if (type == "text/plain") {
    f.plain = crlf_to_lf(decoded);
    f.have_plain = true;
  } else {
    f.html = crlf_to_lf(decoded);
    f.have_html = true;
  }
}

}  // namespace

std::string decode_base64_lenient(std::string_view text) {
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (const char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '+') v = 62;
    if (c == '/') v = 63;
    if (c == '=') break;
    if (v < 0) continue;  // line breaks and anything else
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

std::string decode_quoted_printable(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out += text[i];
      continue;
    }
    // A soft line break: '=' ending a line (trailing blanks allowed).
    std::size_t j = i + 1;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
    if (j < text.size() && (text[j] == '\n' || text[j] == '\r')) {
      if (text[j] == '\r' && j + 1 < text.size() && text[j + 1] == '\n') ++j;
      i = j;
    } else if (j == text.size()) {
      i = j;
    } else if (i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += '=';  // not an escape: kept as written
    }
  }
  return out;
}

std::string decode_header_value(std::string_view v) {
  std::string out;
  std::size_t pos = 0;
  bool last_was_word = false;
  std::string pending_space;  // whitespace after an encoded word, dropped before the next one
  while (pos < v.size()) {
    const auto start = v.find("=?", pos);
    // =?charset?E?text?=
    const auto q1 = start == std::string_view::npos ? start : v.find('?', start + 2);
    const auto q2 = q1 == std::string_view::npos ? q1 : v.find('?', q1 + 1);
    const auto end = q2 == std::string_view::npos ? q2 : v.find("?=", q2 + 1);
    if (end == std::string_view::npos || q2 != q1 + 2) {
      out += pending_space;
      out += v.substr(pos);
      break;
    }
    const auto between = v.substr(pos, start - pos);
    if (!(last_was_word && ts::core::trim(between).empty()))
      out += pending_space + std::string(between);
    pending_space.clear();
    const auto charset = v.substr(start + 2, q1 - start - 2);
    auto word = to_utf8(decode_word(v[q1 + 1], v.substr(q2 + 1, end - q2 - 1)),
                        charset.substr(0, charset.find('*')));  // RFC 2231 language suffix
    out += word;
    pos = end + 2;
    last_was_word = true;
    const auto ws_end = v.find_first_not_of(" \t", pos);
    pending_space = std::string(
        v.substr(pos, ws_end == std::string_view::npos ? v.size() - pos : ws_end - pos));
    pos += pending_space.size();
  }
  return out;
}

MailMessage decode_mail(std::string_view raw) {
  const auto s = split_message(raw);
  const auto h = parse_headers(s.head);
  MailMessage m;
  m.from = decode_header_value(header(h, "from"));
  m.to = decode_header_value(header(h, "to"));
  m.date = header(h, "date");
  m.subject = decode_header_value(header(h, "subject"));
  Found f;
  walk(h, s.body, f, m, 0);
  if (f.have_plain) {
    m.text = std::move(f.plain);
  } else if (f.have_html) {
    m.text = std::move(f.html);
    m.html_only = true;
  }
  return m;
}

}  // namespace tierstack
