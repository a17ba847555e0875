#pragma once
// Column decoders of shop import-django (import_django.cpp): each reads the
// text of one source column as SQLite or PostgreSQL return it. Rows come from
// a database we did not write, so every function accepts any text.
#include <cstdint>
#include <optional>
#include <string>

namespace shop::commands::import_rows {

// A UTC datetime ("2021-06-29 16:03:10.03086+00", "2021-06-29T16:03:10Z") →
// "2021-06-29T16:03:10.030860Z"; nullopt for NULL or anything else.
std::optional<std::string> normalize_timestamp(const std::optional<std::string>& in);
// A decimal ("30000", "1200.99", "-1" is not) → cents; nullopt otherwise.
std::optional<std::int64_t> decimal_cents(const std::optional<std::string>& in);
// The ASCII digits of s, in order.
std::string digits_only(const std::string& s);
// "visa", "mastercard", "amex", "discover" or "other" for a digits-only number.
std::string card_brand(const std::string& digits);
// Whitespace runs become one space, ends trimmed.

}  // namespace shop::commands::import_rows
