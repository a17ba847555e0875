#pragma once
// Parameter values and query results, identical for SQLite and PostgreSQL.
//
//   Result r = conn.query("SELECT id, email, active FROM users WHERE id = $1", {id});
//   for (const Row& row : r) {
//     auto id = row.get<std::int64_t>("id");
//     auto active = row.get<bool>(2);          // SQLite 0/1 and PostgreSQL t/f alike
//     auto nick = row.get<std::optional<std::string>>("nick");
//   }
//
// A large result can be streamed instead (Connection::query_each): each row is
// handed to a callback as a RowView whose text cells point into the engine's
// buffer (no copy, no allocation per row) and is gone when the callback returns.
//
// Cells are converted leniently between representations (an integer stored as
// text reads as an integer) but never silently lose information: a failed
// conversion or a NULL read into a non-optional type throws ts::db::Error.
#include "platform/db/error.hpp"

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace ts::db {

// One cell without ownership: text points into memory someone else owns.
using CellView = std::variant<std::nullptr_t, std::int64_t, double, std::string_view, bool>;

class Value {
 public:
  using Variant = std::variant<std::nullptr_t, std::int64_t, double, std::string, bool>;

  Value() noexcept : v_(nullptr) {}
  Value(std::nullptr_t) noexcept : v_(nullptr) {}
  Value(std::nullopt_t) noexcept : v_(nullptr) {}
  Value(bool b) noexcept : v_(b) {}
  template <std::integral T>
  requires(!std::same_as<T, bool>) Value(T i) : v_(to_int64(i)) {}
  template <std::floating_point T>
  Value(T d) noexcept : v_(static_cast<double>(d)) {}
  // A null pointer becomes SQL NULL.
  Value(const char* s) : v_(s ? Variant(std::string(s)) : Variant(nullptr)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  // cppcheck-suppress passedByValue ; a sink: moved into the variant
  Value(std::string s) noexcept : v_(std::move(s)) {}
  template <class T>
  Value(const std::optional<T>& o) : v_(nullptr) {
    if (o) *this = Value(*o);
  }

  bool is_null() const noexcept { return std::holds_alternative<std::nullptr_t>(v_); }
  const Variant& variant() const noexcept { return v_; }
  // The cell as a view (text refers to this Value).
  CellView view() const noexcept;
  bool operator==(const Value&) const = default;

 private:
  template <class T>
  static std::int64_t to_int64(T i) {
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(std::int64_t)) {
      if (i > static_cast<T>(std::numeric_limits<std::int64_t>::max()))
        throw Error("integer parameter does not fit in a signed 64-bit column");
    }
    return static_cast<std::int64_t>(i);
  }
  Variant v_;
};

using Params = std::vector<Value>;

namespace detail {
// Conversions used by Row::get and RowView::get; they throw Error naming the column.
std::int64_t as_int64(const CellView& v, std::string_view column);
double as_double(const CellView& v, std::string_view column);
std::string as_string(const CellView& v, std::string_view column);
bool as_bool(const CellView& v, std::string_view column);
inline std::int64_t as_int64(const Value& v, std::string_view c) {
  return as_int64(v.view(), c);
}
inline double as_double(const Value& v, std::string_view c) {
  return as_double(v.view(), c);
}
inline std::string as_string(const Value& v, std::string_view c) {
  return as_string(v.view(), c);
}
inline bool as_bool(const Value& v, std::string_view c) {
  return as_bool(v.view(), c);
}
[[noreturn]] void throw_null(std::string_view column);
[[noreturn]] void throw_out_of_range(std::string_view column);

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

// T: std::int64_t (or any integer type, range-checked), double, std::string,
// bool, or std::optional of one of them (NULL -> std::nullopt).
template <class T>
T convert(const CellView& v, std::string_view col) {
  if constexpr (is_optional<T>::value) {
    if (std::holds_alternative<std::nullptr_t>(v)) return std::nullopt;
    return convert<typename T::value_type>(v, col);
  } else {
    if (std::holds_alternative<std::nullptr_t>(v)) throw_null(col);
    if constexpr (std::same_as<T, bool>) {
      return as_bool(v, col);
    } else if constexpr (std::same_as<T, std::int64_t>) {
      return as_int64(v, col);
    } else if constexpr (std::integral<T>) {
      const std::int64_t i = as_int64(v, col);
      if (i < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
          (i > 0 && static_cast<std::uint64_t>(i) >
                        static_cast<std::uint64_t>(std::numeric_limits<T>::max())))
        throw_out_of_range(col);
      return static_cast<T>(i);
    } else if constexpr (std::floating_point<T>) {
      return static_cast<T>(as_double(v, col));
    } else {
      static_assert(std::same_as<T, std::string>, "unsupported type for Row::get");
      return as_string(v, col);
    }
  }
}
}  // namespace detail

class Row {
 public:
  Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<Value> cells)
      : columns_(std::move(columns)), cells_(std::move(cells)) {}

  std::size_t size() const noexcept { return cells_.size(); }
  const Value& at(std::size_t i) const;
  const Value& at(std::string_view column) const { return at(index_of(column)); }
  bool is_null(std::size_t i) const { return at(i).is_null(); }
  bool is_null(std::string_view column) const { return at(column).is_null(); }
  // Position of a column by name; throws Error when there is none.
  std::size_t index_of(std::string_view column) const;

  // T: std::int64_t (or any integer type, range-checked), double, std::string,
  // bool, or std::optional of one of them (NULL -> std::nullopt).
  template <class T>
  T get(std::size_t i) const {
    return detail::convert<T>(at(i).view(), column_name(i));
  }
  template <class T>
  T get(std::string_view column) const {
    return get<T>(index_of(column));
  }

 private:
  std::string_view column_name(std::size_t i) const;

  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<Value> cells_;
};

// One row of a streamed result (Connection::query_each), valid only inside
// the callback it is handed to. get<T> converts exactly as Row::get does.
class RowView {
 public:
  RowView(const std::vector<std::string>& columns, const std::vector<CellView>& cells) noexcept
      : columns_(columns), cells_(cells) {}
  RowView(const RowView&) = delete;
  RowView& operator=(const RowView&) = delete;

  std::size_t size() const noexcept { return cells_.size(); }
  const CellView& at(std::size_t i) const;
  bool is_null(std::size_t i) const { return std::holds_alternative<std::nullptr_t>(at(i)); }
  template <class T>
  T get(std::size_t i) const {
    return detail::convert<T>(at(i), column_name(i));
  }
  // A text cell without a copy (valid during the callback); another type is
  // converted into `scratch` as get<std::string> would; nullopt for NULL.
  std::optional<std::string_view> text(std::size_t i, std::string& scratch) const;
  std::string_view column_name(std::size_t i) const;

 private:
  const std::vector<std::string>& columns_;
  const std::vector<CellView>& cells_;
};

// A non-owning reference to a callable taking `const RowView&` (like
// std::function_ref): no allocation, the callable outlives the call it is
// passed to.
class RowSink {
 public:
  template <class F>
  requires(!std::same_as<std::remove_cvref_t<F>, RowSink>)
      // NOLINTNEXTLINE(bugprone-forwarding-reference-overload): constrained above
      RowSink(F&& fn)
  noexcept  // NOLINT(google-explicit-constructor): a callable converts
      : obj_(const_cast<void*>(static_cast<const void*>(&fn))),
        call_([](void* obj, const RowView& row) {
          (*static_cast<std::remove_reference_t<F>*>(obj))(row);
        }) {}
  void operator()(const RowView& row) const { call_(obj_, row); }

 private:
  void* obj_;
  void (*call_)(void*, const RowView&);
};

class Result {
 public:
  Result() : columns_(std::make_shared<std::vector<std::string>>()) {}
  Result(std::shared_ptr<const std::vector<std::string>> columns, std::vector<Row> rows,
         std::int64_t affected)
      : columns_(std::move(columns)), rows_(std::move(rows)), affected_(affected) {}

  const std::vector<std::string>& columns() const noexcept { return *columns_; }
  const std::vector<Row>& rows() const noexcept { return rows_; }
  std::size_t size() const noexcept { return rows_.size(); }
  bool empty() const noexcept { return rows_.empty(); }
  const Row& operator[](std::size_t i) const { return rows_[i]; }
  const Row& at(std::size_t i) const;
  auto begin() const noexcept { return rows_.begin(); }
  auto end() const noexcept { return rows_.end(); }
  // Rows changed by INSERT / UPDATE / DELETE (0 for other statements).
  std::int64_t affected_rows() const noexcept { return affected_; }

  // The first column of the only row, e.g. SELECT count(*). Throws Error when
  // the result does not have exactly one row.
  template <class T>
  T scalar() const {
    if (rows_.size() != 1)
      throw Error("expected exactly one row, got " + std::to_string(rows_.size()));
    return rows_[0].get<T>(0);
  }

 private:
  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<Row> rows_;
  std::int64_t affected_ = 0;
};

}  // namespace ts::db
