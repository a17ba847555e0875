#pragma once
// Internals of tierstack db copy and of the checksums backups share
// (dbcopy.hpp), split by concern:
//   schema.cpp    the apps' tables as each engine describes them, foreign-key
//                 order, aligning a source table to the target's columns,
//                 reading a table in primary-key order
//   checksum.cpp  the canonical row form and its SHA-256
//   dbcopy.cpp    the copy itself and the `db copy` command
#include <sodium.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "platform/db/connection.hpp"
#include "platform/db/pool.hpp"

namespace tierstack::copy_detail {

// A problem to report to the operator (no stack, no crash) with its exit status.
struct Failure : std::runtime_error {
  Failure(const std::string& message, int s = 1) : std::runtime_error(message), status(s) {}
  int status;
};

// The apps whose data is copied: their tables are named with the prefix, and
// `<bin_dir>/<name> migrate` (with <env>_DATABASE_URL) creates their schema.
struct AppSpec {
  std::string name, prefix, env;
};

inline const std::vector<AppSpec>& known_apps() {
  static const std::vector<AppSpec> apps{{"shop", "shop_", "SHOP"},
                                         {"microblog", "mb_", "MICROBLOG"}};
  return apps;
}

struct Column {
  std::string name;
  bool text = false;  // ordered with COLLATE "C" on PostgreSQL
};

struct Table {
  std::string name;
  std::vector<Column> columns;
  std::vector<std::size_t> key;               // positions in columns of the primary key
  std::set<std::string> refs;                 // tables its foreign keys point to
  std::vector<std::string> sequence_columns;  // PostgreSQL identity/serial columns
};

struct Schema {
  std::map<std::string, Table> tables;
  std::vector<std::string> derived;  // SQLite full-text tables: rebuilt by the target
};

// 1234567 -> "1,234,567".
std::string thousands(std::int64_t n);

ts::db::Dialect check_url(const std::string& flag, const std::string& url, bool source);
std::shared_ptr<ts::db::Pool> open_pool(const std::string& which, const std::string& url);

// The tables of the apps with these name prefixes.
Schema read_schema(ts::db::Connection& c, const std::vector<std::string>& prefixes);
// Parents before children; ties in name order so every run copies alike.
std::vector<std::string> foreign_key_order(const std::map<std::string, Table>& tables);
// The source's table with its columns in the target's order.
Table align(const Table& src, const Table& dst);
// Streams a table in primary-key order, `batch` rows per query (keyset
// pagination: each query starts after the last key seen).
void scan(ts::db::Connection& c, const Table& t, std::size_t batch,
          const std::function<void(const ts::db::Result&)>& fn);

// SHA-256 over the canonical form of rows, fed in key order.
class RowHasher {
 public:
  RowHasher();
  void add(const ts::db::Row& row);
  std::int64_t rows() const { return rows_; }
  // The digest as lowercase hex; ends the hashing.
  std::string hex();

 private:
  crypto_hash_sha256_state state_;
  std::string buf_;
  std::int64_t rows_ = 0;
};

}  // namespace tierstack::copy_detail
