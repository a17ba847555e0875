#include "platform/db/value.hpp"

#include <charconv>
#include <cmath>
#include <system_error>

namespace ts::db {
namespace detail {
namespace {

[[noreturn]] void throw_conversion(std::string_view column, std::string_view target) {
  // The cell's content is deliberately left out of the message.
  throw Error("column '" + std::string(column) + "': value cannot be read as " +
              std::string(target));
}

bool parse_int64(std::string_view s, std::int64_t& out) {
  if (s.empty()) return false;
  const char* first = s.data();
  if (*first == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool parse_double(std::string_view s, double& out) {
  if (s.empty()) return false;
  // PostgreSQL spells the special values out; from_chars takes "inf"/"nan" too.
  if (s == "Infinity") {
    out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (s == "-Infinity") {
    out = -std::numeric_limits<double>::infinity();
    return true;
  }
  if (s == "NaN") {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  const char* first = s.data();
  if (*first == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

void throw_out_of_range(std::string_view column) {
  throw Error("column '" + std::string(column) + "': integer out of range for target type");
}

void throw_null(std::string_view column) {
  throw Error("column '" + std::string(column) +
              "' is NULL; read it as std::optional or test is_null()");
}

std::int64_t as_int64(const CellView& var, std::string_view column) {
  if (auto* i = std::get_if<std::int64_t>(&var)) return *i;
  if (auto* b = std::get_if<bool>(&var)) return *b ? 1 : 0;
  if (auto* d = std::get_if<double>(&var)) {
    // Only whole numbers inside the int64 range convert exactly.
    if (std::isfinite(*d) && std::trunc(*d) == *d && *d >= -9223372036854775808.0 &&
        *d < 9223372036854775808.0)
      return static_cast<std::int64_t>(*d);
    throw_conversion(column, "a 64-bit integer");
  }
  if (auto* s = std::get_if<std::string_view>(&var)) {
    std::int64_t out = 0;
    if (parse_int64(*s, out)) return out;
    throw_conversion(column, "a 64-bit integer");
  }
  throw_null(column);
}

double as_double(const CellView& var, std::string_view column) {
  if (auto* d = std::get_if<double>(&var)) return *d;
  if (auto* i = std::get_if<std::int64_t>(&var)) return static_cast<double>(*i);
  if (auto* s = std::get_if<std::string_view>(&var)) {
    double out = 0;
    if (parse_double(*s, out)) return out;
    throw_conversion(column, "a floating-point number");
  }
  if (std::holds_alternative<bool>(var)) throw_conversion(column, "a floating-point number");
  throw_null(column);
}

std::string as_string(const CellView& var, std::string_view column) {
  if (auto* s = std::get_if<std::string_view>(&var)) return std::string(*s);
  if (auto* i = std::get_if<std::int64_t>(&var)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&var)) {
    char buf[64];
    auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, *d);
    return std::string(buf, ptr);
  }
  if (auto* b = std::get_if<bool>(&var)) return *b ? "true" : "false";
  throw_null(column);
}

bool as_bool(const CellView& var, std::string_view column) {
  if (auto* b = std::get_if<bool>(&var)) return *b;
  if (auto* i = std::get_if<std::int64_t>(&var)) {
    if (*i == 0 || *i == 1) return *i == 1;
    throw_conversion(column, "a boolean");
  }
  if (auto* s = std::get_if<std::string_view>(&var)) {
    if (*s == "t" || *s == "true" || *s == "1" || *s == "TRUE") return true;
    if (*s == "f" || *s == "false" || *s == "0" || *s == "FALSE") return false;
    throw_conversion(column, "a boolean");
  }
  if (std::holds_alternative<double>(var)) throw_conversion(column, "a boolean");
  throw_null(column);
}

}  // namespace detail

namespace {

// A row's cell `i` exists (of `columns`); else the Error naming both.
void check_column_index(std::size_t i, std::size_t columns) {
  if (i >= columns)
    throw Error("column index " + std::to_string(i) + " out of range (row has " +
                std::to_string(columns) + " columns)");
}

}  // namespace

CellView Value::view() const noexcept {
  return std::visit(
      [](const auto& x) -> CellView {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::string>)
          return std::string_view(x);
        else
          return x;
      },
      v_);
}

const CellView& RowView::at(std::size_t i) const {
  check_column_index(i, cells_.size());
  return cells_[i];
}

std::string_view RowView::column_name(std::size_t i) const {
  if (i < columns_.size()) return columns_[i];
  return "?";
}

std::optional<std::string_view> RowView::text(std::size_t i, std::string& scratch) const {
  const CellView& v = at(i);
  if (const auto* s = std::get_if<std::string_view>(&v)) return *s;
  if (std::holds_alternative<std::nullptr_t>(v)) return std::nullopt;
  scratch = detail::as_string(v, column_name(i));
  return std::string_view(scratch);
}

const Value& Row::at(std::size_t i) const {
  check_column_index(i, cells_.size());
  return cells_[i];
}

std::size_t Row::index_of(std::string_view column) const {
  for (std::size_t i = 0; i < columns_->size(); ++i)
    if ((*columns_)[i] == column) return i;
  throw Error("result has no column named '" + std::string(column) + "'");
}

std::string_view Row::column_name(std::size_t i) const {
  if (i < columns_->size()) return (*columns_)[i];
  return "?";
}

const Row& Result::at(std::size_t i) const {
  if (i >= rows_.size())
    throw Error("row index " + std::to_string(i) + " out of range (result has " +
                std::to_string(rows_.size()) + " rows)");
  return rows_[i];
}

}  // namespace ts::db
