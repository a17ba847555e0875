// DRF field semantics shared by the validators.
#include "shop/domain/field_errors.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace shop::domain {
namespace {

TEST(FieldErrors, KeepsFieldOrderAndGroupsMessages) {
  FieldErrors e;
  e.add("phone_number", "Enter a valid value.");
  e.add("name", "This field may not be blank.");
  e.add("phone_number", "Ensure this field has no more than 10 characters.");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(boost::json::serialize(e.to_json()),
            R"({"phone_number":["Enter a valid value.","Ensure this field has no more than 10 )"
            R"(characters."],"name":["This field may not be blank."]})");
  ASSERT_NE(e.find("name"), nullptr);
  EXPECT_EQ(e.find("city"), nullptr);
}

TEST(PythonFloatRepr, MatchesPython) {
  EXPECT_EQ(python_float_repr(1000.0), "1000.0");
  EXPECT_EQ(python_float_repr(1200.99), "1200.99");
  EXPECT_EQ(python_float_repr(0.1), "0.1");
  EXPECT_EQ(python_float_repr(0.0001), "0.0001");
  EXPECT_EQ(python_float_repr(1.5e-5), "1.5e-05");
  EXPECT_EQ(python_float_repr(1e15), "1000000000000000.0");
  EXPECT_EQ(python_float_repr(1e16), "1e+16");
  EXPECT_EQ(python_float_repr(1.25e100), "1.25e+100");
  EXPECT_EQ(python_float_repr(-0.0), "-0.0");
  EXPECT_EQ(python_float_repr(-123456.78), "-123456.78");
}

TEST(CharField, RequiredNullTypeBlank) {
  const auto body =
      boost::json::parse(R"({"n":null,"b":true,"a":[],"s":"  ","num":9123456789})").as_object();
  FieldErrors e;
  const CharFieldSpec spec{};
  EXPECT_FALSE(read_char_field(body, "missing", spec, e));
  EXPECT_FALSE(read_char_field(body, "n", spec, e));
  EXPECT_FALSE(read_char_field(body, "b", spec, e));
  EXPECT_FALSE(read_char_field(body, "a", spec, e));
  EXPECT_FALSE(read_char_field(body, "s", spec, e));
  EXPECT_EQ(e.find("missing")->at(0), "This field is required.");
  EXPECT_EQ(e.find("n")->at(0), "This field may not be null.");
  EXPECT_EQ(e.find("b")->at(0), "Not a valid string.");
  EXPECT_EQ(e.find("a")->at(0), "Not a valid string.");
  EXPECT_EQ(e.find("s")->at(0), "This field may not be blank.");
  EXPECT_EQ(read_char_field(body, "num", spec, e), "9123456789");  // numbers are coerced
}

TEST(CharField, TrimsAndCountsCodePoints) {
  FieldErrors e;
  const CharFieldSpec spec{.max_length = 3};
  EXPECT_EQ(read_char_value(boost::json::value("  é€x "), "f", spec, e), "é€x");
  EXPECT_TRUE(e.empty());
  EXPECT_FALSE(read_char_value(boost::json::value("abcd"), "f", spec, e));
  EXPECT_EQ(e.find("f")->at(0), "Ensure this field has no more than 3 characters.");
}

TEST(CharField, ReportsNullCharacters) {
  FieldErrors e;
  EXPECT_FALSE(read_char_value(boost::json::value(std::string("a\0b", 3)), "f", {}, e));
  EXPECT_EQ(e.find("f")->at(0), "Null characters are not allowed.");
}

TEST(Booleans, DrfWords) {
  for (const char* s : {"true", "True", "TRUE", "t", "T", "1", "yes", "Yes", "y", "on", "ON"})
    EXPECT_EQ(parse_drf_boolean(boost::json::value(s)), true) << s;
  for (const char* s : {"false", "False", "f", "0", "no", "N", "off", "Off"})
    EXPECT_EQ(parse_drf_boolean(boost::json::value(s)), false) << s;
  for (const char* s : {"", "tRue", "2", "null", " true"})
    EXPECT_EQ(parse_drf_boolean(boost::json::value(s)), std::nullopt) << s;
  EXPECT_EQ(parse_drf_boolean(boost::json::parse("1")), true);
  EXPECT_EQ(parse_drf_boolean(boost::json::parse("0.0")), false);
  EXPECT_EQ(parse_drf_boolean(boost::json::parse("2")), std::nullopt);
  EXPECT_EQ(parse_drf_boolean(boost::json::parse("null")), std::nullopt);
}

TEST(Booleans, DjangoModelField) {
  for (const char* s : {"True", "t", "1"})
    EXPECT_EQ(parse_django_boolean(boost::json::value(s)), true) << s;
  for (const char* s : {"False", "f", "0"})
    EXPECT_EQ(parse_django_boolean(boost::json::value(s)), false) << s;
  // The original crashed (500) on these; they are now refused.
  for (const char* s : {"false", "true", "yes", "", "T"})
    EXPECT_EQ(parse_django_boolean(boost::json::value(s)), std::nullopt) << s;
  EXPECT_EQ(parse_django_boolean(boost::json::parse("true")), true);
  EXPECT_EQ(parse_django_boolean(boost::json::parse("0")), false);
  EXPECT_EQ(parse_django_boolean(boost::json::parse("1.0")), true);
  EXPECT_EQ(parse_django_boolean(boost::json::parse("5")), std::nullopt);
}

TEST(Falsy, PythonTruthiness) {
  for (const char* s : {"\"\"", "0", "0.0", "false", "null", "[]", "{}"})
    EXPECT_TRUE(is_falsy(boost::json::parse(s))) << s;
  for (const char* s : {"\" \"", "1", "true", "[0]", "\"0\""})
    EXPECT_FALSE(is_falsy(boost::json::parse(s))) << s;
}

}  // namespace
}  // namespace shop::domain
