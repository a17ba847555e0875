#pragma once
// What the importers of the original systems' databases share (shop
// import-django, microblog import-flask): opening the source, a progress line
// per table and the list of anomalies the final report shows.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "platform/db/connection.hpp"

namespace ts::db::importing {

// Opens an importer's source: a database URL, or a path taken as a SQLite
// file. A missing SQLite file is refused (opening it would create an empty
// one). Throws std::runtime_error with a message for the user; `from` becomes
// the URL that was opened.
std::unique_ptr<Connection> open_source(std::string& from);

// Rows an import could not take as they were, by kind: every one counted,
// the first ten of each kind kept as examples for the report.
struct Anomalies {
  std::map<std::string, std::vector<std::string>> items;  // kind → examples
  std::map<std::string, std::int64_t> counts;
  void add(const std::string& kind, const std::string& example);
  // The report's end on stdout: "anomalies: none", or each kind with its
  // count and examples ("…" when there were more).
  void print() const;
};

// A progress line on stdout, "<command>: <table> [####.....] n/total rows,
// r rows/s", every 5,000 rows and at the end (at once for an empty table).
class Progress {
 public:
  Progress(std::string command, std::string table, std::size_t total);
  void tick(std::size_t done);

 private:
  void print(std::size_t done) const;
  std::string command_, table_;
  std::size_t total_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace ts::db::importing
