#include "platform/http/multipart.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "platform/http/error.hpp"

using ts::http::HttpError;
using ts::http::multipart_boundary;
using ts::http::MultipartLimits;
using ts::http::parse_multipart;

namespace {

// A body as browsers send it: CRLF lines, closing delimiter, trailing CRLF.
std::string form_body(std::string_view boundary,
                      std::initializer_list<std::pair<std::string, std::string>> parts) {
  std::string out;
  for (const auto& [headers, body] : parts) {
    out += "--" + std::string(boundary) + "\r\n" + headers + "\r\n\r\n" + body + "\r\n";
  }
  out += "--" + std::string(boundary) + "--\r\n";
  return out;
}

int status_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const HttpError& e) {
    return e.status();
  }
  return 0;
}

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const HttpError& e) {
    return std::string(e.body().at("detail").as_string());
  }
  return "";
}

}  // namespace

TEST(MultipartBoundary, TokenAndQuotedForms) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=----WebKitFormBoundaryx7Yz"),
            "----WebKitFormBoundaryx7Yz");
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data;BOUNDARY=abc"), "abc");
  EXPECT_EQ(multipart_boundary(R"(multipart/form-data; charset=utf-8; boundary="a b:c?")"),
            "a b:c?");
  EXPECT_EQ(status_of([] { (void)multipart_boundary(R"(multipart/form-data; boundary="q\"x")"); }),
            400)
      << "a quote is not a boundary character";
}

TEST(MultipartBoundary, OtherMediaTypesAreNotMultipart) {
  EXPECT_EQ(multipart_boundary("application/json"), std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/mixed; boundary=abc"), std::nullopt);
  EXPECT_FALSE(ts::http::is_multipart_form("text/plain"));
  EXPECT_TRUE(ts::http::is_multipart_form(" multipart/form-data ; boundary=x"));
}

TEST(MultipartBoundary, MissingOrInvalidBoundaryIs400) {
  EXPECT_EQ(status_of([] { (void)multipart_boundary("multipart/form-data"); }), 400);
  EXPECT_EQ(message_of([] { (void)multipart_boundary("multipart/form-data"); }),
            "Multipart form parse error - Invalid boundary in multipart: None");
  EXPECT_EQ(status_of([] { (void)multipart_boundary("multipart/form-data; boundary="); }), 400);
  EXPECT_EQ(status_of([] { (void)multipart_boundary("multipart/form-data; boundary=\"\""); }), 400);
  EXPECT_EQ(status_of([] {
              (void)multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a'));
            }),
            400);
  EXPECT_EQ(status_of([] { (void)multipart_boundary("multipart/form-data; boundary=\"ab \""); }),
            400)
      << "a boundary may not end in a space";
  EXPECT_EQ(status_of([] { (void)multipart_boundary("multipart/form-data; boundary=\"abc"); }), 400)
      << "unterminated quoted-string";
  EXPECT_EQ(
      status_of([] { (void)multipart_boundary("multipart/form-data; boundary=a; boundary=b"); }),
      400)
      << "a repeated parameter is ambiguous";
}

TEST(MultipartParse, FieldsAndFiles) {
  const std::string png("\x89PNG\r\n\x1a\n\0\0binary--XYZ\r\n-", 22);
  const auto body = form_body(
      "XYZ", {{"Content-Disposition: form-data; name=\"name\"", "Apple Watch"},
              {"Content-Disposition: form-data; name=\"description\"", ""},
              {"Content-Disposition: form-data; name=\"image\"; filename=\"watch.png\"\r\n"
               "Content-Type: image/png",
               png}});
  const auto form = parse_multipart(body, "XYZ");
  ASSERT_EQ(form.parts.size(), 3u);
  EXPECT_EQ(form.parts[0].name, "name");
  EXPECT_EQ(form.parts[0].body, "Apple Watch");
  EXPECT_FALSE(form.parts[0].filename.has_value());
  EXPECT_EQ(form.parts[0].content_type, "");
  EXPECT_EQ(form.parts[1].body, "");
  const auto* image = form.find("image");
  ASSERT_NE(image, nullptr);
  EXPECT_EQ(image->filename, "watch.png");
  EXPECT_EQ(image->content_type, "image/png");
  EXPECT_EQ(image->body, png) << "CR, LF, NUL and a boundary-like text without CRLF survive";
  EXPECT_EQ(form.find("missing"), nullptr);
}

TEST(MultipartParse, QuotedParametersAndEscapes) {
  const auto body = form_body(
      "b",
      {{R"(content-disposition: FORM-DATA; filename="a \"quoted\" \\name.jpg"; name=file)", "x"},
       {"Content-Disposition: form-data; name=\"n\"; filename*=UTF-8''%e2%82%ac%20rates.txt", "y"},
       {"Content-Disposition: form-data; name=\"semi;colon\"", "z"}});
  const auto form = parse_multipart(body, "b");
  ASSERT_EQ(form.parts.size(), 3u);
  EXPECT_EQ(form.parts[0].name, "file");
  EXPECT_EQ(form.parts[0].filename, R"(a "quoted" \name.jpg)");
  EXPECT_EQ(form.parts[1].filename, "\xe2\x82\xac rates.txt");
  EXPECT_EQ(form.parts[2].name, "semi;colon");
}

TEST(MultipartParse, PreambleEpilogueAndPadding) {
  const std::string body =
      "This is a preamble.\r\n--b  \t\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
      "--b--\r\nan epilogue that is ignored";
  const auto form = parse_multipart(body, "b");
  ASSERT_EQ(form.parts.size(), 1u);
  EXPECT_EQ(form.parts[0].body, "1");
}

TEST(MultipartParse, EmptyFormIsFine) {
  EXPECT_TRUE(parse_multipart("--b--\r\n", "b").parts.empty());
  EXPECT_TRUE(parse_multipart("--b--", "b").parts.empty());
}

TEST(MultipartParse, MissingFinalBoundaryIs400) {
  const std::string cut = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue";
  EXPECT_EQ(status_of([&] { (void)parse_multipart(cut, "b"); }), 400);
  EXPECT_EQ(message_of([&] { (void)parse_multipart(cut, "b"); }),
            "Multipart form parse error - body ends without the closing boundary");
  const std::string after_delimiter =
      "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--b";
  EXPECT_EQ(status_of([&] { (void)parse_multipart(after_delimiter, "b"); }), 400);
  const std::string in_headers = "--b\r\nContent-Disposition: form-data; name=\"a\"";
  EXPECT_EQ(status_of([&] { (void)parse_multipart(in_headers, "b"); }), 400);
}

TEST(MultipartParse, MalformedBodiesAre400) {
  auto st = [](const std::string& body) {
    return status_of([&] { (void)parse_multipart(body, "b"); });
  };
  EXPECT_EQ(st(""), 400) << "empty body";
  EXPECT_EQ(st("no delimiter here"), 400);
  EXPECT_EQ(st("--bX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--"), 400)
      << "a different boundary";
  EXPECT_EQ(st("--b\r\n\r\n1\r\n--b--"), 400) << "no headers, so no Content-Disposition";
  EXPECT_EQ(st("--b\r\nContent-Type: text/plain\r\n\r\n1\r\n--b--"), 400);
  EXPECT_EQ(st("--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n1\r\n--b--"), 400);
  EXPECT_EQ(st("--b\r\nContent-Disposition: form-data\r\n\r\n1\r\n--b--"), 400) << "no name";
  EXPECT_EQ(st("--b\r\nContent-Disposition: form-data; name=\"a\r\n\r\n1\r\n--b--"), 400);
  EXPECT_EQ(st("--b\r\nContent-Disposition form-data\r\n\r\n1\r\n--b--"), 400) << "no colon";
  EXPECT_EQ(st("--b\r\nContent-Disposition: form-data;\r\n name=\"a\"\r\n\r\n1\r\n--b--"), 400)
      << "folded header";
  EXPECT_EQ(st("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--bjunk\r\n--b--"),
            400)
      << "text glued to a delimiter";
  EXPECT_EQ(st("--b\nContent-Disposition: form-data; name=\"a\"\n\n1\n--b--"), 400)
      << "bare LF line ends";
  EXPECT_EQ(st("--b\r\nContent-Disposition: form-data; name=\"a\"; name=\"b\"\r\n\r\n1\r\n--b--"),
            400);
}

TEST(MultipartParse, TooManyPartsIs400) {
  std::string body;
  for (int i = 0; i < 5; ++i)
    body +=
        "--b\r\nContent-Disposition: form-data; name=\"f" + std::to_string(i) + "\"\r\n\r\nv\r\n";
  body += "--b--\r\n";
  EXPECT_EQ(parse_multipart(body, "b", MultipartLimits{.max_parts = 5}).parts.size(), 5u);
  EXPECT_EQ(status_of([&] { (void)parse_multipart(body, "b", MultipartLimits{.max_parts = 4}); }),
            400);
}

TEST(MultipartParse, HugePartsAre413) {
  const std::string big(100'000, 'x');
  const auto file =
      form_body("b", {{"Content-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"", big}});
  const auto field = form_body("b", {{"Content-Disposition: form-data; name=\"name\"", big}});
  MultipartLimits limits{.max_part_bytes = 100'000, .max_field_bytes = 1000};
  EXPECT_EQ(parse_multipart(file, "b", limits).parts.at(0).body.size(), big.size());
  EXPECT_EQ(status_of([&] { (void)parse_multipart(field, "b", limits); }), 413)
      << "fields have a smaller limit than files";
  limits.max_part_bytes = 99'999;
  EXPECT_EQ(status_of([&] { (void)parse_multipart(file, "b", limits); }), 413);
  // A huge part that is also unterminated is refused for its size, without a full scan result.
  const std::string cut = "--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n" + big;
  EXPECT_EQ(status_of([&] { (void)parse_multipart(cut, "b", limits); }), 413);
}

TEST(MultipartParse, HugeHeaderBlockIs400) {
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: " + std::string(10'000, 'p') +
      "\r\n\r\nv\r\n--b--";
  EXPECT_EQ(status_of([&] { (void)parse_multipart(body, "b"); }), 400);
  EXPECT_EQ(parse_multipart(body, "b", MultipartLimits{.max_header_bytes = 20'000}).parts.size(),
            1u);
}

TEST(MultipartParse, RequestHelperChecksTheContentType) {
  ts::http::Request req;
  req.body = form_body("zz", {{"Content-Disposition: form-data; name=\"a\"", "1"}});
  EXPECT_EQ(status_of([&] { (void)ts::http::parse_multipart_form(req); }), 415);
  req.headers.set("Content-Type", "application/json");
  EXPECT_EQ(status_of([&] { (void)ts::http::parse_multipart_form(req); }), 415);
  req.headers.set("Content-Type", "multipart/form-data; boundary=zz");
  const auto form = ts::http::parse_multipart_form(req);
  ASSERT_EQ(form.parts.size(), 1u);
  EXPECT_EQ(form.parts[0].body, "1");
  req.headers.set("Content-Type", "multipart/form-data; boundary=other");
  EXPECT_EQ(status_of([&] { (void)ts::http::parse_multipart_form(req); }), 400);
}
