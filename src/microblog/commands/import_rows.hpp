#pragma once
// Column decoders of microblog import-flask (import_flask.cpp): each reads
// the text of one source column as SQLite or PostgreSQL return it. Rows come
// from a database we did not write, so every function accepts any text.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace microblog::commands::import_rows {

// Days since 1970-01-01 of a proleptic Gregorian date.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);
// A naive UTC DATETIME ("2024-09-26 04:57:00.123456", "2024-09-26 04:57:00")
// → microseconds since the epoch; nullopt for NULL or anything else.
std::optional<std::int64_t> utc_micros(const std::optional<std::string>& in);
// The first n code points of valid UTF-8 text.
std::string first_chars(const std::string& s, std::size_t n);

}  // namespace microblog::commands::import_rows
