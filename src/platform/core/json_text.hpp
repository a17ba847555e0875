#pragma once
// Writing JSON text directly, for hot paths where building a boost::json
// value only to serialize it costs more than the rest of the request. The
// output matches boost::json::serialize byte for byte (tested).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ts::json_text {

// Appends v as a quoted JSON string: " \ and control characters escaped
// (\b \f \n \r \t, others as \u00XX); other bytes are copied unchanged.
void append_string(std::string& out, std::string_view v);
void append_int(std::string& out, std::int64_t v);
// The string, or null when there is none.
void append_string_or_null(std::string& out, const std::optional<std::string>& v);

}  // namespace ts::json_text
