#include "platform/http/wire.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include <vector>

#include "platform/core/text.hpp"

namespace ts::http::wire {

namespace bhttp = boost::beast::http;

void set_request_line(Request& req, const bhttp::request_header<>& header) {
  req.method_text = std::string(header.method_string());
  req.method = parse_method(req.method_text);
  req.version = header.version();
  req.target = std::string(header.target());
  if (const auto q = req.target.find('?'); q != std::string::npos) {
    req.path = req.target.substr(0, q);
    req.query = req.target.substr(q + 1);
  } else {
    req.path = req.target;
  }
}

void set_fields_and_body(Request& req, bhttp::request<bhttp::string_body>&& msg) {
  req.headers.reserve(16);
  for (const auto& f : msg) req.headers.add(f.name_string(), f.value());
  req.body = std::move(msg.body());
}

void set_fields(Request& req, const bhttp::request_header<>& header) {
  req.headers.reserve(16);
  for (const auto& f : header) req.headers.add(f.name_string(), f.value());
}

std::optional<FramingError> check_framing(const bhttp::request_header<>& header) {
  const bool http11 = header.version() >= 11;
  if (http11) {
    const auto hosts = header.count(bhttp::field::host);
    if (hosts == 0) return FramingError{400, "Missing Host header."};
    if (hosts > 1) return FramingError{400, "More than one Host header."};
  }
  const auto codings = header.count(bhttp::field::transfer_encoding);
  if (codings == 0) return std::nullopt;
  // RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty
  // framing, and one with both it and Content-Length may be a smuggling attempt.
  if (!http11) return FramingError{400, "Transfer-Encoding is not allowed in HTTP/1.0."};
  if (header.count(bhttp::field::content_length) > 0)
    return FramingError{400, "Transfer-Encoding and Content-Length together."};
  if (codings > 1 || !iequals(core::trim_ows(header[bhttp::field::transfer_encoding]), "chunked"))
    return FramingError{501, "Transfer-Encoding other than chunked is not implemented."};
  return std::nullopt;
}

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string client_address(const std::string& peer, const Headers& headers, unsigned hops) {
  if (hops == 0) return peer;
  // Several X-Forwarded-For field lines are one list, in order (RFC 9110
  // 5.3): a proxy may add its own line after one the client sent.
  std::vector<std::string_view> parts;
  for (const auto& field : headers) {
    if (!iequals(field.name, "X-Forwarded-For")) continue;
    std::string_view rest = field.value;
    while (true) {
      auto comma = rest.find(',');
      auto item = rest.substr(0, comma);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (!item.empty()) parts.push_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  // Each trusted proxy appended the address it received the request from;
  // the entry `hops` from the right is the one the outermost proxy saw. With
  // fewer entries the request skipped a trusted proxy, and the leftmost entry
  // may be one the client wrote itself: the peer is all we know.
  if (parts.size() < hops) return peer;
  return std::string(parts[parts.size() - hops]);
}

std::optional<Parsed> parse_and_route(std::string_view bytes, const Router& router) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(boost::none);
  parser.eager(false);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (!parser.is_header_done()) {
    const auto n = parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    if (ec || n == 0) return std::nullopt;
    used += n;
  }
  if (check_framing(parser.get())) return std::nullopt;
  Parsed out;
  set_request_line(out.request, parser.get());
  if (out.request.path.empty() || out.request.path.front() != '/') {
    out.match.kind = Router::Match::bad_path;
  } else {
    out.match = router.match(out.request.method, out.request.path, out.request.query);
  }
  std::size_t limit = 1 << 20;
  if (out.match.kind == Router::Match::found) limit = out.match.route->options.body_limit;
  // Beast checks Content-Length against the limit only while finishing the
  // header, before the route was known; check it here, as the server does.
  if (parser.content_length() && *parser.content_length() > limit) return std::nullopt;
  parser.body_limit(limit);
  parser.eager(true);
  while (!parser.is_done()) {
    const auto n = parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    // need_more with nothing consumed: the rest of the input is an incomplete
    // piece (e.g. half a chunk header); feeding it again would loop forever.
    if (ec == bhttp::error::need_more && n == 0) {
      parser.put_eof(ec);
      if (ec) return std::nullopt;
      break;
    }
    if (ec && ec != bhttp::error::need_more) return std::nullopt;
    if (n == 0 && used == bytes.size()) return std::nullopt;
    used += n;
  }
  set_fields_and_body(out.request, parser.release());
  if (out.match.kind == Router::Match::found) out.request.params = out.match.params;
  return out;
}

}  // namespace ts::http::wire
