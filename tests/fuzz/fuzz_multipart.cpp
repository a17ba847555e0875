// libFuzzer target: a multipart/form-data request body and its Content-Type,
// from a client, through the platform's parser (src/platform/http/multipart.cpp)
// as the shop's product upload uses it. The input is "<content-type>\n<body>".
// Besides the sanitizers it checks what handlers rely on and traps when one
// breaks: every refusal is a 400, 413 or 415 HttpError (never another
// exception), and an accepted form honours its limits and names every part.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "platform/http/error.hpp"
#include "platform/http/message.hpp"
#include "platform/http/multipart.hpp"

namespace {

using ts::http::HttpError;
using ts::http::MultipartForm;
using ts::http::MultipartLimits;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// Small limits, so the fuzzer reaches every limit with short inputs.
constexpr MultipartLimits kLimits{
    .max_parts = 8, .max_part_bytes = 512, .max_field_bytes = 128, .max_header_bytes = 256};

void check_form(const MultipartForm& form, std::string_view body, const MultipartLimits& limits) {
  check(form.parts.size() <= limits.max_parts);
  std::size_t total = 0;
  for (const auto& part : form.parts) {
    check(part.body.size() <= (part.filename ? limits.max_part_bytes : limits.max_field_bytes));
    total += part.body.size();
    check(form.find(part.name) != nullptr);
    for (const auto& h : part.headers) check(part.headers.contains(h.name));
  }
  // The parts are slices of the body: together never larger than it.
  check(total <= body.size());
}

void expect_http_refusal(const HttpError& e) {
  check(e.status() == 400 || e.status() == 413 || e.status() == 415);
  check(!e.body().is_null());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  const std::string_view content_type =
      newline == std::string_view::npos ? input : input.substr(0, newline);
  const std::string_view body =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  // The Content-Type on its own.
  std::optional<std::string> boundary;
  try {
    boundary = ts::http::multipart_boundary(content_type);
    if (boundary) {
      check(!boundary->empty() && boundary->size() <= 70);
      check(ts::http::is_multipart_form(content_type));
    }
  } catch (const HttpError& e) {
    expect_http_refusal(e);
    check(ts::http::is_multipart_form(content_type));
  }

  // The whole request, as a handler parses it.
  ts::http::Request req;
  req.headers.add("Content-Type", content_type);
  req.body = std::string(body);
  try {
    const auto form = ts::http::parse_multipart_form(req, kLimits);
    check(boundary.has_value());
    check_form(form, body, kLimits);
  } catch (const HttpError& e) {
    expect_http_refusal(e);
  }

  // The body with a fixed boundary and the default limits.
  try {
    const auto form = ts::http::parse_multipart(body, "----tierstack");
    check_form(form, body, MultipartLimits{});
  } catch (const HttpError& e) {
    expect_http_refusal(e);
  }
  return 0;
}
