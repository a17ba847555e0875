#include "platform/db/table.hpp"

namespace ts::db {

std::string values_placeholders(std::size_t rows, std::size_t cols) {
  std::string out;
  out.reserve(rows * (cols * 6 + 3));
  std::size_t n = 1;
  for (std::size_t r = 0; r < rows; ++r) {
    out += r ? ",(" : "(";
    for (std::size_t c = 0; c < cols; ++c) {
      if (c) out += ',';
      out += '$';
      out += std::to_string(n++);
    }
    out += ')';
  }
  return out;
}

std::string select_list(const std::vector<std::string>& columns, std::string_view alias) {
  std::string out;
  for (const auto& c : columns) {
    if (!out.empty()) out += ", ";
    if (!alias.empty()) {
      out += alias;
      out += '.';
    }
    out += c;
  }
  return out;
}

std::string insert_sql(std::string_view table, const std::vector<std::string>& columns,
                       std::size_t rows, std::string_view returning) {
  std::string out = "INSERT INTO ";
  out += table;
  out += " (";
  out += select_list(columns);
  out += ") VALUES ";
  out += values_placeholders(rows, columns.size());
  if (!returning.empty()) {
    out += " RETURNING ";
    out += returning;
  }
  return out;
}

void move_identity_past_ids(Connection& conn, std::string_view table) {
  if (conn.dialect() != Dialect::postgres) return;
  const std::string t(table);
  conn.query("SELECT setval(pg_get_serial_sequence('" + t + "', 'id'), MAX(id)) FROM " + t);
}

}  // namespace ts::db
