#pragma once
// Result<T, E>: a value or an error, for domain functions whose failures are
// ordinary outcomes (validation, declines) rather than exceptions.
#include <type_traits>
#include <utility>
#include <variant>

namespace shop::domain {

template <class E>
struct Failure {
  E error;
};

template <class E>
Failure<std::decay_t<E>> failure(E&& error) {
  return {std::forward<E>(error)};
}

template <class T, class E>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}
  template <class G>
  Result(Failure<G> f) : data_(std::in_place_index<1>, E(std::move(f.error))) {}

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const E& error() const { return std::get<1>(data_); }

 private:
  std::variant<T, E> data_;
};

// The value of a Result that has nothing to return beyond success.
struct Done {
  friend bool operator==(Done, Done) = default;
};

}  // namespace shop::domain
