#pragma once
// Typed database errors shared by the SQLite and PostgreSQL engines.
// Messages carry the engine's error text and SQLSTATE / SQLite code, never
// parameter values (which may be passwords or personal data).
#include <stdexcept>
#include <string>
#include <utility>

namespace ts::db {

// Base of every error thrown by ts::db.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, std::string sqlstate = {})
      : std::runtime_error(what), sqlstate_(std::move(sqlstate)) {}
  // PostgreSQL SQLSTATE ("23505"), or the SQLite extended result code as text.
  const std::string& sqlstate() const noexcept { return sqlstate_; }

 private:
  std::string sqlstate_;
};

// A UNIQUE or PRIMARY KEY constraint rejected the row (SQLSTATE 23505).
class UniqueViolation : public Error {
 public:
  using Error::Error;
};

// A FOREIGN KEY constraint rejected the change (SQLSTATE 23503).
class ForeignKeyViolation : public Error {
 public:
  using Error::Error;
};

// The server went away or could not be reached. The connection is discarded by
// the pool; the caller may retry on a fresh lease or answer 503.
class ConnectionLost : public Error {
 public:
  using Error::Error;
};

// Every connection of the pool stayed in use until the acquire timeout.
class PoolTimeout : public Error {
 public:
  using Error::Error;
};

// The database is locked by another writer beyond the busy timeout (SQLite).
class Busy : public Error {
 public:
  using Error::Error;
};

// Migration files are inconsistent, or the database schema does not match this build.
class SchemaError : public Error {
 public:
  using Error::Error;
};

}  // namespace ts::db
