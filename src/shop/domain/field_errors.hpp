#pragma once
// FieldErrors: field -> messages, in the order the original serializer reports
// them, plus DRF-compatible readers for the field types the API accepts.
// Inputs are JSON objects; handlers turn form/multipart bodies into objects of
// strings first, so one reader serves every content type.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shop::domain {

// Messages of the original (DRF 3.12 / Django 3.2), shared by all validators.
namespace msg {
inline constexpr std::string_view kRequired = "This field is required.";
inline constexpr std::string_view kNull = "This field may not be null.";
inline constexpr std::string_view kBlank = "This field may not be blank.";
inline constexpr std::string_view kNotString = "Not a valid string.";
inline constexpr std::string_view kInvalidValue = "Enter a valid value.";
inline constexpr std::string_view kNullCharacters = "Null characters are not allowed.";
inline constexpr std::string_view kInvalidBoolean = "Must be a valid boolean.";
std::string max_length(std::size_t n);  // "Ensure this field has no more than N characters."
std::string min_length(std::size_t n);  // "Ensure this field has at least N characters."
}  // namespace msg

struct FieldError {
  std::string field;
  std::vector<std::string> messages;
};

class FieldErrors {
 public:
  void add(std::string_view field, std::string message);
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  const std::vector<FieldError>& items() const { return items_; }
  // Messages of one field, or nullptr when it has none.
  const std::vector<std::string>* find(std::string_view field) const;
  // {"field": ["message", ...], ...} — DRF's serializer.errors shape.
  boost::json::object to_json() const;

 private:
  std::vector<FieldError> items_;
};

// Number of Unicode code points in UTF-8 text (Python's len()).
std::size_t utf8_length(std::string_view text);
// Python's str.strip() for ASCII whitespace (incl. \x1c-\x1f, as Python does).
std::string_view strip(std::string_view text);

struct CharFieldSpec {
  std::size_t max_length = 0;  // 0 = unlimited
  std::size_t min_length = 0;
  bool allow_blank = false;
  bool trim = true;
  // An extra validator (a model RegexValidator); runs before the length checks,
  // and like DRF all failing validators report, not only the first.
  bool (*valid)(std::string_view) = nullptr;
  std::string_view invalid_message = msg::kInvalidValue;
};

// DRF CharField.run_validation on body[field]: missing, null, non-string
// (numbers are coerced as DRF does), blank, validators. Errors go to `errors`.
std::optional<std::string> read_char_field(const boost::json::object& body, std::string_view field,
                                           const CharFieldSpec& spec, FieldErrors& errors);
// The same on a value already taken out of the body.
std::optional<std::string> read_char_value(const boost::json::value& value, std::string_view field,
                                           const CharFieldSpec& spec, FieldErrors& errors);

// DRF BooleanField: true/false, 1/0 and the words DRF accepts ("true", "on", "yes", "t", ...).
std::optional<bool> parse_drf_boolean(const boost::json::value& value);
// Django's model BooleanField.to_python (what a raw assignment accepts):
// true/false, 1/0 and the strings "True"/"False"/"t"/"f"/"1"/"0" only.
std::optional<bool> parse_django_boolean(const boost::json::value& value);

// Python's truthiness of a JSON value ("" / 0 / false / null / [] / {} are falsy).
bool is_falsy(const boost::json::value& value);

// Python's repr() of a float ("1000.0", "1200.99", "1e+16", "1.5e-05"): what
// DRF sees when a JSON body carries a non-integer number.
std::string python_float_repr(double value);
// str() of a JSON number as Python prints it ("30000", "1200.99", "1e+16").
std::string python_number_text(const boost::json::value& value);

}  // namespace shop::domain
