#pragma once
// multipart/form-data (RFC 7578 over RFC 2046) for request bodies the server
// has already read in full (the route's body_limit bounds them). Strict:
// anything malformed is an HttpError 400 with a message naming the problem,
// exceeding a limit is a 413; a handler never sees a half-parsed form.
//
//   const auto form = ts::http::parse_multipart_form(req, {.max_parts = 16});
//   if (const auto* image = form.find("image")) ... image->filename, image->body
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/http/message.hpp"

namespace ts::http {

struct MultipartPart {
  std::string name;                     // Content-Disposition name="..."
  std::optional<std::string> filename;  // filename="..." (or filename*=UTF-8''...), if any
  std::string content_type;             // the part's Content-Type, "" when absent
  Headers headers;                      // every header of the part, as sent
  std::string body;
};

struct MultipartLimits {
  std::size_t max_parts = 64;
  std::size_t max_part_bytes = 16 << 20;   // body of one part with a filename (a file)
  std::size_t max_field_bytes = 1 << 20;   // body of one part without a filename (a field)
  std::size_t max_header_bytes = 8 << 10;  // the header block of one part
};

struct MultipartForm {
  std::vector<MultipartPart> parts;  // in body order
  // First part of that name, or nullptr.
  const MultipartPart* find(std::string_view name) const;
};

// The boundary parameter of a multipart/form-data Content-Type (quoted or
// not). nullopt when the media type is something else; HttpError 400 when it
// is multipart/form-data with a missing or invalid boundary (1-70 characters
// of RFC 2046's bchars, not ending in a space).
std::optional<std::string> multipart_boundary(std::string_view content_type);

// True when the Content-Type's media type is multipart/form-data.
bool is_multipart_form(std::string_view content_type);

// Parses a complete body with the given boundary. A preamble before the first
// delimiter and an epilogue after the closing one are ignored (RFC 2046);
// lines end in CRLF. Every part needs Content-Disposition: form-data with a
// name.
MultipartForm parse_multipart(std::string_view body, std::string_view boundary,
                              const MultipartLimits& limits = {});

// parse_multipart on req.body with the boundary of req's Content-Type; 415
// when the request is not multipart/form-data.
MultipartForm parse_multipart_form(const Request& req, const MultipartLimits& limits = {});

}  // namespace ts::http
