// Money parsing/formatting against DRF DecimalField(8,2); expected values were
// produced by Python's decimal module with DRF's validate_precision rules.
#include "shop/domain/money.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <string>

namespace shop::domain {
namespace {

// "ok:<formatted>" or the error message, for compact tables.
std::string outcome(const Result<Money, std::string>& r) {
  return r ? "ok:" + r.value().to_string() : r.error();
}
std::string text(std::string_view s) {
  return outcome(parse_price(s));
}
std::string json(std::string_view s) {
  return outcome(parse_price(boost::json::parse(s)));
}

const std::string kInvalid(msg::kInvalidNumber);
const std::string kDigits(msg::kMaxDigits);
const std::string kWhole(msg::kMaxWholeDigits);
const std::string kPlaces(msg::kMaxDecimalPlaces);

TEST(Money, FormatsTwoDecimals) {
  EXPECT_EQ(Money::from_cents(3000000).to_string(), "30000.00");
  EXPECT_EQ(Money::from_cents(12499999).to_string(), "124999.99");
  EXPECT_EQ(Money::from_cents(120099).to_string(), "1200.99");
  EXPECT_EQ(Money::from_cents(5).to_string(), "0.05");
  EXPECT_EQ(Money::from_cents(0).to_string(), "0.00");
  EXPECT_EQ(Money::from_cents(-550).to_string(), "-5.50");
  EXPECT_EQ(Money::from_cents(INT64_MIN).to_string(), "-92233720368547758.08");
}

TEST(Money, Arithmetic) {
  const auto a = Money::from_cents(120099), b = Money::from_cents(1);
  EXPECT_EQ((a + b).cents(), 120100);
  EXPECT_EQ((a - b).cents(), 120098);
  EXPECT_EQ((a * 3).cents(), 360297);
  EXPECT_LT(b, a);
}

TEST(Money, ParsesValidStrings) {
  EXPECT_EQ(text("30000"), "ok:30000.00");
  EXPECT_EQ(text("124999.99"), "ok:124999.99");
  EXPECT_EQ(text("999999.99"), "ok:999999.99");
  EXPECT_EQ(text("1e3"), "ok:1000.00");
  EXPECT_EQ(text("1e5"), "ok:100000.00");
  EXPECT_EQ(text("1e-2"), "ok:0.01");
  EXPECT_EQ(text(".5"), "ok:0.50");
  EXPECT_EQ(text("5."), "ok:5.00");
  EXPECT_EQ(text("+1.25"), "ok:1.25");
  EXPECT_EQ(text("0.00"), "ok:0.00");
  EXPECT_EQ(text("00000001.10"), "ok:1.10");  // leading zeros are not digits
  EXPECT_EQ(text("000000000.5"), "ok:0.50");
  EXPECT_EQ(text("1_000"), "ok:1000.00");  // Python's Decimal drops underscores
}

TEST(Money, StripsWhitespace) {
  EXPECT_EQ(text(" 7.5 "), "ok:7.50");
  EXPECT_EQ(text("\t42\n"), "ok:42.00");
  EXPECT_EQ(text("4 2"), kInvalid);
}

TEST(Money, NegativeValuesParse) {
  // DecimalField(8,2) itself has no lower bound; product validation adds one.
  EXPECT_EQ(text("-5"), "ok:-5.00");
  EXPECT_EQ(text("-999999.99"), "ok:-999999.99");
  EXPECT_EQ(text("-0"), "ok:0.00");
}

TEST(Money, RejectsNonNumbers) {
  for (const char* s : {"", "   ", "abc", "12,5", "1e", "e3", ".", "-", "+-1", "0x10", "NaN", "nan",
                        "Infinity", "-inf", "sNaN", "1.2.3", "_", "12abc"})
    EXPECT_EQ(text(s), kInvalid) << s;
}

TEST(Money, CountsDigitsLikeDrf) {
  EXPECT_EQ(text("1234567.00"), kDigits);  // 9 digits in total, checked first
  EXPECT_EQ(text("123456.789"), kDigits);
  EXPECT_EQ(text("1e999999999999"), kDigits);
  EXPECT_EQ(text("12.345"), kPlaces);
  EXPECT_EQ(text("1.500"), kPlaces);  // trailing zeros count
  EXPECT_EQ(text("0.000"), kPlaces);
  EXPECT_EQ(text("0.001"), kPlaces);
  EXPECT_EQ(text("1234567"), kWhole);
  EXPECT_EQ(text("1000000"), kWhole);
  EXPECT_EQ(text("1E+6"), kWhole);
}

TEST(Money, RejectsOverlongStrings) {
  EXPECT_EQ(text(std::string(1001, '1')), std::string(msg::kStringTooLarge));
  EXPECT_EQ(text(std::string(1000, '1')), kDigits);
}

TEST(Money, JsonNumbersAsPythonSeesThem) {
  EXPECT_EQ(json("30000"), "ok:30000.00");
  EXPECT_EQ(json("1200.99"), "ok:1200.99");
  EXPECT_EQ(json("1e3"), "ok:1000.00");  // a float: "1000.0"
  EXPECT_EQ(json("0.1"), "ok:0.10");
  EXPECT_EQ(json("123456.0"), "ok:123456.00");
  EXPECT_EQ(json("99999999"), kWhole);     // int: 8 digits, 8 before the point
  EXPECT_EQ(json("99999999.0"), kDigits);  // float "99999999.0": 9 digits
  EXPECT_EQ(json("1234567.0"), kWhole);    // float "1234567.0": 8 digits, 7 whole
  EXPECT_EQ(json("1e-7"), kPlaces);        // "1e-07"
  EXPECT_EQ(json("1e20"), kDigits);        // "1e+20"
  EXPECT_EQ(json("100000000000000000000"), kDigits);
}

TEST(Money, JsonOtherKinds) {
  EXPECT_EQ(json("\"30000\""), "ok:30000.00");
  EXPECT_EQ(json("\" 1.5 \""), "ok:1.50");
  EXPECT_EQ(json("true"), kInvalid);
  EXPECT_EQ(json("[1]"), kInvalid);
  EXPECT_EQ(json("{}"), kInvalid);
  EXPECT_EQ(json("null"), "This field may not be null.");
}

TEST(DecimalLiteral, KeepsCoefficientAndExponent) {
  auto d = parse_decimal_literal("0012.50");
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->negative);
  EXPECT_EQ(d->digits, "1250");
  EXPECT_EQ(d->exponent, -2);
  d = parse_decimal_literal("-0.000");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->negative);
  EXPECT_EQ(d->digits, "0");
  EXPECT_EQ(d->exponent, -3);
  d = parse_decimal_literal("1e_3");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->exponent, 3);
  EXPECT_FALSE(parse_decimal_literal("1e+"));
}

TEST(ClientAmount, ExactValueOfAnyForm) {
  auto a = parse_client_amount(boost::json::value("1200.99"));
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->exact);
  EXPECT_EQ(a->value.cents(), 120099);
  a = parse_client_amount(boost::json::parse("1200.990"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value.cents(), 120099);
  a = parse_client_amount(boost::json::value("30000.000"));
  ASSERT_TRUE(a && a->exact);
  EXPECT_EQ(a->value.cents(), 3000000);
  a = parse_client_amount(boost::json::value(30000));
  ASSERT_TRUE(a && a->exact);
  EXPECT_EQ(a->value.cents(), 3000000);
}

TEST(ClientAmount, InexactOrHugeIsNotExact) {
  auto a = parse_client_amount(boost::json::value("12.345"));
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->exact);
  a = parse_client_amount(boost::json::value("1e30"));
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->exact);
  EXPECT_FALSE(parse_client_amount(boost::json::value("abc")));
  EXPECT_FALSE(parse_client_amount(boost::json::value(true)));
}

}  // namespace
}  // namespace shop::domain
