#include "platform/core/text.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace std::string_literals;
using namespace ts::core;

namespace {

TEST(Trim, AsciiWhiteSpaceOnBothEnds) {
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \t\r\n\v\f"), "");
  EXPECT_EQ(trim("  a b \n"), "a b");
  EXPECT_EQ(trim("a"), "a");
  EXPECT_EQ(trim("\tx\ty\t"), "x\ty") << "inner white space stays";
}

TEST(Trim, NonAsciiBytesAreNotSpace) {
  // U+00A0 NO-BREAK SPACE and U+3000 IDEOGRAPHIC SPACE are text, not ASCII space.
  EXPECT_EQ(trim("\xC2\xA0x\xC2\xA0"), "\xC2\xA0x\xC2\xA0");
  EXPECT_EQ(trim(" \xE3\x80\x80 "), "\xE3\x80\x80");
  EXPECT_EQ(trim(" caf\xC3\xA9 "), "caf\xC3\xA9");
}

TEST(TrimOws, SpacesAndTabsOnly) {
  EXPECT_EQ(trim_ows(""), "");
  EXPECT_EQ(trim_ows(" \t chunked \t"), "chunked");
  EXPECT_EQ(trim_ows("\r\nx\r\n"), "\r\nx\r\n") << "CR and LF are not optional white space";
  EXPECT_EQ(trim_ows("  "), "");
}

TEST(TrimIf, TakesAnyPredicate) {
  auto digit = [](unsigned char c) { return c >= '0' && c <= '9'; };
  EXPECT_EQ(trim_if("12ab34", digit), "ab");
  EXPECT_EQ(trim_if("1234", digit), "");
  EXPECT_EQ(trim_if("", digit), "");
}

TEST(Case, AsciiLettersOnly) {
  EXPECT_EQ(to_lower(""), "");
  EXPECT_EQ(to_lower("Content-TYPE: X/Y 09"), "content-type: x/y 09");
  EXPECT_EQ(to_lower("\xC3\x84Z"), "\xC3\x84z") << "UTF-8 bytes pass unchanged";
  EXPECT_TRUE(iequals("Transfer-Encoding", "transfer-encoding"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("abc", "abd"));
  EXPECT_FALSE(iequals("abc", "ab"));
  EXPECT_FALSE(iequals("\xC3\xA4", "\xC3\x84")) << "no Unicode case folding";
  EXPECT_FALSE(iequals("[", "{")) << "only letters fold ('[' is 'A'-'Z' + 26)";
}

TEST(Hex, KnownAnswers) {
  EXPECT_EQ(hex_encode(""), "");
  EXPECT_EQ(hex_encode("\x00\x01\x7f\x80\xff"s), "00017f80ff");
  EXPECT_EQ(hex_encode("caf\xC3\xA9"), "636166c3a9");
  EXPECT_EQ(hex_decode(""), "");
  EXPECT_EQ(hex_decode("00017f80ff"), "\x00\x01\x7f\x80\xff"s);
}

TEST(Hex, DecodeRefusesOddLengthUppercaseAndNonHex) {
  for (const char* s : {"0", "abc", "0A", "FF", "zz", "0g", " 0", "0x00"}) {
    SCOPED_TRACE(s);
    EXPECT_EQ(hex_decode(s), std::nullopt);
  }
}

TEST(Hex, RoundTripsEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  const auto hex = hex_encode(all);
  EXPECT_EQ(hex.size(), 512u);
  EXPECT_EQ(hex_decode(hex), all);
}

TEST(Hex, DigitOfEitherCase) {
  EXPECT_EQ(hex_digit('0'), 0);
  EXPECT_EQ(hex_digit('9'), 9);
  EXPECT_EQ(hex_digit('a'), 10);
  EXPECT_EQ(hex_digit('F'), 15);
  EXPECT_EQ(hex_digit('g'), -1);
  EXPECT_EQ(hex_digit('/'), -1);
  EXPECT_EQ(hex_digit('\xC3'), -1);
}

TEST(PercentEncode, KnownAnswers) {
  EXPECT_EQ(percent_encode(""), "");
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~") << "unreserved characters stay";
  EXPECT_EQ(percent_encode("a b"), "a%20b") << "a space is %20, never +";
  EXPECT_EQ(percent_encode(":/?#[]@!$&'()*+,;="),
            "%3A%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D");
  EXPECT_EQ(percent_encode("%"), "%25");
  EXPECT_EQ(percent_encode("caf\xC3\xA9"), "caf%C3%A9") << "UTF-8 bytes, uppercase hex";
  EXPECT_EQ(percent_encode("\x00\x7f\xff"s), "%00%7F%FF");
}

TEST(PercentEncode, RoundTripsEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  const auto encoded = percent_encode(all);
  for (char c : encoded) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                            c == '~' || c == '%';
    EXPECT_TRUE(unreserved) << "only unreserved characters and escapes: " << c;
  }
  EXPECT_EQ(percent_decode(encoded), all);
  EXPECT_EQ(percent_decode(encoded, {.plus_as_space = true}), all);
}

TEST(PercentDecode, EscapesOfEitherCase) {
  EXPECT_EQ(percent_decode(""), "");
  EXPECT_EQ(percent_decode("plain"), "plain");
  EXPECT_EQ(percent_decode("%41%4a%4A"), "AJJ");
  EXPECT_EQ(percent_decode("%e2%82%ac"), "\xE2\x82\xAC");
  EXPECT_EQ(percent_decode("caf\xC3\xA9"), "caf\xC3\xA9") << "raw bytes are kept";
  EXPECT_EQ(percent_decode("100%25"), "100%");
}

TEST(PercentDecode, EveryOtherRawByteIsKept) {
  // As the hand-written decoders this replaced: only '%' (and '+' in a form)
  // mean anything; control characters, space, NUL and non-ASCII pass through.
  std::string raw;
  for (int c = 0; c < 256; ++c)
    if (c != '%' && c != '+') raw.push_back(static_cast<char>(c));
  EXPECT_EQ(percent_decode(raw), raw);
  EXPECT_EQ(percent_decode(raw, {.plus_as_space = true}), raw);
  EXPECT_EQ(percent_decode(raw, {.allow_nul = false}), raw) << "only an escaped NUL is refused";
  EXPECT_EQ(percent_decode(raw + "%41"), raw + "A");
}

TEST(PercentDecode, PlusOnlyWhereAsked) {
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_EQ(percent_decode("a+b%2B", {.plus_as_space = true}), "a b+");
}

TEST(PercentDecode, NulOnlyWhereAllowed) {
  EXPECT_EQ(percent_decode("a%00b"), "a\0b"s);
  EXPECT_EQ(percent_decode("a%00b", {.allow_nul = false}), std::nullopt);
  EXPECT_EQ(percent_decode("%2500", {.allow_nul = false}), "%00") << "an escaped '%' is no NUL";
}

TEST(PercentDecode, MalformedEscapesAreRefused) {
  for (const char* s : {"%", "%4", "a%", "%zz", "%4g", "%g4", "ok%2", "%%41"}) {
    SCOPED_TRACE(s);
    EXPECT_EQ(percent_decode(s), std::nullopt);
    EXPECT_EQ(percent_decode(s, {.plus_as_space = true}), std::nullopt);
  }
}

}  // namespace
