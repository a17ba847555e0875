#pragma once
// Owns: quoting for the few statements whose names or values cannot be bound
// as parameters — CREATE DATABASE's name, ALTER SYSTEM's value, a table or
// column name read from the catalogue (db copy). Every other statement binds
// its values ($1, $2 … through platform/db). One helper, unit-tested.
#include <string>
#include <string_view>

namespace tierstack {

// "name" with every " doubled: an SQL identifier in both SQLite and PostgreSQL.
std::string quote_ident(std::string_view name);
// 'text' with every ' doubled: an SQL string literal (PostgreSQL with
// standard_conforming_strings, its default since 9.1, and SQLite). Throws
// std::invalid_argument for a NUL byte, which neither can hold.
std::string quote_literal(std::string_view text);

}  // namespace tierstack
