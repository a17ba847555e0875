#pragma once
// Between Beast's parsed messages and Request. Shared by the server and the
// fuzz target (tests/fuzz), so the fuzzer runs the server's own code.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "platform/http/message.hpp"
#include "platform/http/router.hpp"

namespace ts::http::wire {

// Method, version, target, path and query from the request line.
void set_request_line(Request& req, const boost::beast::http::request_header<>& header);
// Header fields and body, moved out of the parsed message.
void set_fields_and_body(Request& req,
                         boost::beast::http::request<boost::beast::http::string_body>&& msg);
// Header fields only, copied from a header whose body is not read yet.
void set_fields(Request& req, const boost::beast::http::request_header<>& header);

// What RFC 9112 requires of a request's framing that Beast's parser lets
// through: HTTP/1.1 needs exactly one Host (400 otherwise); the only
// Transfer-Encoding accepted is exactly "chunked" on HTTP/1.1 without a
// Content-Length (501 for another coding, 400 for the rest), so a body is
// never framed by a Content-Length beside a coding we do not apply. The
// status and detail of the answer, or nullopt when the framing is sound.
struct FramingError {
  int status;
  std::string detail;
};
std::optional<FramingError> check_framing(const boost::beast::http::request_header<>& header);

// The client address: the peer, or with trusted proxies in front, the
// X-Forwarded-For entry the outermost trusted proxy added. A list shorter
// than the number of trusted hops did not come through all of them (or was
// written by the client): the peer is used then, never a client's entry.
std::string client_address(const std::string& peer, const Headers& headers, unsigned trusted_hops);
bool valid_request_id(std::string_view id);

// Everything the server does with untrusted bytes before a handler runs:
// parse one request (header limit 16 KiB, framing checks, body limit by
// route), route it,
// decode parameters. Returns the routed request, or nullopt when the bytes
// are not a complete, valid request. For fuzzing and tests.
struct Parsed {
  Request request;
  Router::Match match;
};
std::optional<Parsed> parse_and_route(std::string_view bytes, const Router& router);

}  // namespace ts::http::wire
