#include "platform/metrics/metrics.hpp"

#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace ts::metrics {
namespace {

void append_double(std::string& out, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  out += buf;
}

struct ProcessInfo {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double open_fds = 0;
  double max_fds = 0;
};

ProcessInfo read_process() {
  ProcessInfo p;
  static const long ticks = sysconf(_SC_CLK_TCK);
  static const long page = sysconf(_SC_PAGESIZE);
  if (std::ifstream stat("/proc/self/stat"); stat) {
    std::string line;
    std::getline(stat, line);
    // Fields after the command name (which may contain spaces) start after ')'.
    const auto close = line.rfind(')');
    if (close != std::string::npos) {
      std::istringstream in(line.substr(close + 2));
      std::string field;
      std::vector<std::string> f;
      while (in >> field) f.push_back(field);
      // f[0] is field 3 (state); utime is field 14, stime 15, vsize 23, rss 24.
      if (f.size() > 21) {
        p.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(ticks);
        p.virtual_bytes = std::stod(f[20]);
        p.resident_bytes = std::stod(f[21]) * static_cast<double>(page);
      }
    }
  }
  if (DIR* d = opendir("/proc/self/fd")) {
    int n = 0;
    while (readdir(d) != nullptr) ++n;
    closedir(d);
    p.open_fds = n - 3;  // ".", ".." and the directory's own fd
  }
  if (std::ifstream limits("/proc/self/limits"); limits) {
    std::string line;
    while (std::getline(limits, line)) {
      if (line.rfind("Max open files", 0) == 0) {
        std::istringstream in(line.substr(14));
        in >> p.max_fds;
      }
    }
  }
  return p;
}

void header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string& out, std::string_view name, std::string_view labels, double v) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.push_back(' ');
  append_double(out, v);
  out.push_back('\n');
}

}  // namespace

std::string escape_label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

void RouteStats::observe(int status, double seconds) {
  if (status >= 100 && status < 600)
    by_status_[static_cast<std::size_t>(status - 100)].fetch_add(1, std::memory_order_relaxed);
  std::size_t i = 0;
  while (i < kDurationBuckets.size() && seconds > kDurationBuckets[i]) ++i;
  if (i < kDurationBuckets.size()) buckets_[i].fetch_add(1, std::memory_order_relaxed);
  total_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

std::uint64_t RouteStats::count(int status) const {
  if (status < 100 || status >= 600) return 0;
  return by_status_[static_cast<std::size_t>(status - 100)].load(std::memory_order_relaxed);
}

Registry::Registry()
    : start_time_(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                      .count()) {}

RouteStats* Registry::route(std::string_view route, std::string_view method) {
  std::lock_guard lock(mutex_);
  for (auto& r : routes_)
    if (r.route() == route && r.method() == method) return &r;
  return &routes_.emplace_back(std::string(route), std::string(method));
}

void Registry::add_callback(std::string name, std::string help, std::string type,
                            std::function<std::vector<Sample>()> read) {
  std::lock_guard lock(mutex_);
  callbacks_.push_back({std::move(name), std::move(help), std::move(type), std::move(read)});
}

std::string Registry::render() const {
  std::string out;
  out.reserve(8192);
  std::lock_guard lock(mutex_);

  header(out, "http_requests_total",
         "HTTP requests answered, by route template, method and status.", "counter");
  for (const auto& r : routes_) {
    const std::string base =
        "route=\"" + escape_label(r.route()) + "\",method=\"" + r.method() + "\"";
    for (int s = 100; s < 600; ++s) {
      const auto n = r.count(s);
      if (n == 0) continue;
      sample(out, "http_requests_total", base + ",status=\"" + std::to_string(s) + "\"",
             static_cast<double>(n));
    }
  }

  header(out, "http_request_duration_seconds",
         "Time from a request's first byte parsed until its response is ready to send.",
         "histogram");
  for (const auto& r : routes_) {
    if (r.total() == 0) continue;
    const std::string base =
        "route=\"" + escape_label(r.route()) + "\",method=\"" + r.method() + "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kDurationBuckets.size(); ++i) {
      cumulative += r.buckets_[i].load(std::memory_order_relaxed);
      char le[32];
      std::snprintf(le, sizeof le, "%g", kDurationBuckets[i]);
      sample(out, "http_request_duration_seconds_bucket", base + ",le=\"" + le + "\"",
             static_cast<double>(cumulative));
    }
    const auto total = r.total();
    sample(out, "http_request_duration_seconds_bucket", base + ",le=\"+Inf\"",
           static_cast<double>(total));
    sample(out, "http_request_duration_seconds_sum", base,
           static_cast<double>(r.sum_micros_.load(std::memory_order_relaxed)) / 1e6);
    sample(out, "http_request_duration_seconds_count", base, static_cast<double>(total));
  }

  header(out, "http_requests_in_flight", "Requests being handled right now.", "gauge");
  sample(out, "http_requests_in_flight", "", static_cast<double>(in_flight_.load()));

  for (const auto& cb : callbacks_) {
    header(out, cb.name, cb.help, cb.type);
    for (const auto& s : cb.read()) sample(out, cb.name, s.labels, s.value);
  }

  const auto p = read_process();
  header(out, "process_cpu_seconds_total", "User and system CPU time spent, in seconds.",
         "counter");
  sample(out, "process_cpu_seconds_total", "", p.cpu_seconds);
  header(out, "process_resident_memory_bytes", "Resident memory size in bytes.", "gauge");
  sample(out, "process_resident_memory_bytes", "", p.resident_bytes);
  header(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge");
  sample(out, "process_virtual_memory_bytes", "", p.virtual_bytes);
  header(out, "process_open_fds", "Open file descriptors.", "gauge");
  sample(out, "process_open_fds", "", p.open_fds);
  header(out, "process_max_fds", "Maximum number of open file descriptors.", "gauge");
  sample(out, "process_max_fds", "", p.max_fds);
  header(out, "process_start_time_seconds",
         "Start time of the process since the epoch, in seconds.", "gauge");
  sample(out, "process_start_time_seconds", "", start_time_);
  return out;
}

}  // namespace ts::metrics
