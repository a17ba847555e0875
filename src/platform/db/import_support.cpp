#include "platform/db/import_support.hpp"

#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace ts::db::importing {

std::unique_ptr<Connection> open_source(std::string& from) {
  if (from.find("://") == std::string::npos)
    from = "sqlite://" + std::filesystem::absolute(from).string();
  if (from.rfind("sqlite://", 0) == 0) {
    const std::string path = from.substr(9);
    std::error_code ec;
    if (path != ":memory:" && !std::filesystem::is_regular_file(path, ec))
      throw std::runtime_error("no such SQLite file: " + path);
  }
  try {
    return connect(from);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot open " + redact_url(from) + ": " + e.what());
  }
}

void Anomalies::add(const std::string& kind, const std::string& example) {
  ++counts[kind];
  auto& v = items[kind];
  if (v.size() < 10) v.push_back(example);
}

void Anomalies::print() const {
  std::printf("anomalies:%s\n", counts.empty() ? " none" : "");
  for (const auto& [kind, count] : counts) {
    std::printf("  %s: %lld\n", kind.c_str(), static_cast<long long>(count));
    const auto it = items.find(kind);
    const std::size_t shown = it == items.end() ? 0 : it->second.size();
    if (it != items.end())
      for (const auto& ex : it->second) std::printf("    %s\n", ex.c_str());
    if (count > static_cast<std::int64_t>(shown)) std::printf("    …\n");
  }
  std::fflush(stdout);
}

Progress::Progress(std::string command, std::string table, std::size_t total)
    : command_(std::move(command)),
      table_(std::move(table)),
      total_(total),
      start_(std::chrono::steady_clock::now()) {
  if (total_ == 0) print(0);
}

void Progress::tick(std::size_t done) {
  if (done % 5000 == 0 || done == total_) print(done);
}

void Progress::print(std::size_t done) const {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const int width = 30;
  const int filled = total_ ? static_cast<int>(width * done / total_) : width;
  std::printf("%s: %-14s [%s%s] %zu/%zu rows, %.0f rows/s\n", command_.c_str(), table_.c_str(),
              std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), done,
              total_, secs > 0 ? static_cast<double>(done) / secs : 0.0);
  std::fflush(stdout);
}

}  // namespace ts::db::importing
