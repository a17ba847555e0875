#include "platform/db/connection.hpp"

#include "platform/core/log.hpp"
#include "platform/db/engines.hpp"

#include <charconv>
#include <cmath>

namespace ts::db {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view to_string(Dialect d) noexcept {
  return d == Dialect::sqlite ? "sqlite" : "postgres";
}

Dialect dialect_of(std::string_view url) {
  if (starts_with(url, "sqlite:")) return Dialect::sqlite;
  if (starts_with(url, "postgresql://") || starts_with(url, "postgres://"))
    return Dialect::postgres;
  throw Error("unsupported database URL scheme (expected sqlite:///path or postgresql://...): " +
              redact_url(url));
}

std::string redact_url(std::string_view url) {
  // scheme://user:password@host -> scheme://user:***@host
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const auto auth_start = scheme_end + 3;
  const auto at = url.find('@', auth_start);
  const auto slash = url.find('/', auth_start);
  if (at == std::string_view::npos || (slash != std::string_view::npos && slash < at)) {
    // No userinfo; a password may still hide in the query string.
    const auto pw = url.find("password=");
    if (pw == std::string_view::npos) return std::string(url);
    auto end = url.find('&', pw);
    std::string out(url.substr(0, pw + 9));
    out += "***";
    if (end != std::string_view::npos) out += url.substr(end);
    return out;
  }
  const auto colon = url.find(':', auth_start);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

namespace detail {

std::string sqlite_path_from_url(std::string_view url) {
  if (!starts_with(url, "sqlite://"))
    throw Error("SQLite URL must look like sqlite:///absolute/path.db");
  std::string_view rest = url.substr(9);
  if (rest == ":memory:") return ":memory:";
  if (rest.empty() || rest[0] != '/')
    throw Error("SQLite URL must name an absolute path (sqlite:///absolute/path.db)");
  std::string path;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '%' && i + 2 < rest.size() && hex_digit(rest[i + 1]) >= 0 &&
        hex_digit(rest[i + 2]) >= 0) {
      path += static_cast<char>(hex_digit(rest[i + 1]) * 16 + hex_digit(rest[i + 2]));
      i += 2;
    } else {
      path += rest[i];
    }
  }
  return path;
}

std::string param_text(const Value& v) {
  const auto& var = v.variant();
  if (auto* s = std::get_if<std::string>(&var)) return *s;
  if (auto* i = std::get_if<std::int64_t>(&var)) return std::to_string(*i);
  if (auto* b = std::get_if<bool>(&var)) return *b ? "true" : "false";
  if (auto* d = std::get_if<double>(&var)) {
    if (std::isnan(*d)) return "NaN";
    if (std::isinf(*d)) return *d > 0 ? "Infinity" : "-Infinity";
    char buf[64];
    auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, *d);
    return std::string(buf, ptr);
  }
  return {};
}

std::string scrub_params(std::string message, const Params& params) {
  auto replace_all = [&message](const std::string& needle, const std::string& with) {
    if (needle.empty()) return;
    for (auto pos = message.find(needle); pos != std::string::npos;
         pos = message.find(needle, pos + with.size()))
      message.replace(pos, needle.size(), with);
  };
  for (const Value& p : params) {
    if (p.is_null()) continue;
    const std::string text = param_text(p);
    replace_all('"' + text + '"', "\"***\"");
    replace_all('\'' + text + '\'', "'***'");
    if (text.size() >= 4) replace_all(text, "***");
  }
  return message;
}

}  // namespace detail

std::unique_ptr<Connection> connect(std::string_view url, const ConnectOptions& options) {
  switch (dialect_of(url)) {
    case Dialect::sqlite:
      return detail::connect_sqlite(detail::sqlite_path_from_url(url), options);
    case Dialect::postgres:
      return detail::connect_postgres(std::string(url), options);
  }
  throw Error("unsupported database URL");
}

std::size_t Connection::query_each(std::string_view sql, const Params& params, RowSink sink) {
  const Result result = query(sql, params);
  std::vector<CellView> cells;
  for (const Row& row : result) {
    cells.clear();
    for (std::size_t i = 0; i < row.size(); ++i) cells.push_back(row.at(i).view());
    sink(RowView(result.columns(), cells));
  }
  return result.size();
}

Transaction::Transaction(Connection& conn, TxMode mode) : conn_(conn) {
  if (conn_.in_transaction()) throw Error("a transaction is already open on this connection");
  const bool pg = conn_.dialect() == Dialect::postgres;
  const char* begin = mode == TxMode::write ? (pg ? "BEGIN" : "BEGIN IMMEDIATE")
                                            : (pg ? "BEGIN READ ONLY" : "BEGIN DEFERRED");
  conn_.query(begin);
  active_ = true;
}

Transaction::~Transaction() {
  if (!active_) return;
  try {
    rollback();
  } catch (const std::exception& e) {
    // A dead connection rolls back by itself; the pool discards it.
    ts::log::warn("transaction rollback failed", {{"error", e.what()}});
  }
}

void Transaction::commit() {
  if (!active_) throw Error("commit() on a transaction that is no longer active");
  if (conn_.transaction_failed()) {
    rollback();
    throw Error("transaction was aborted by an earlier failed statement; rolled back");
  }
  active_ = false;
  try {
    conn_.query("COMMIT");
  } catch (...) {
    // SQLite keeps the transaction open when COMMIT fails (e.g. a deferred
    // constraint); never leave it dangling on a pooled connection.
    if (conn_.healthy() && conn_.in_transaction()) {
      try {
        conn_.query("ROLLBACK");
      } catch (...) {
      }
    }
    throw;
  }
}

void Transaction::rollback() {
  if (!active_) return;
  active_ = false;
  if (conn_.in_transaction()) conn_.query("ROLLBACK");
}

}  // namespace ts::db
