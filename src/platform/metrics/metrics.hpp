#pragma once
// Prometheus metrics in the text exposition format (version 0.0.4).
// Request counting is lock-free on the hot path: every route owns a
// RouteStats with atomic counters per status code and an atomic histogram;
// only creating a RouteStats (once per route) takes a lock.
#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ts::metrics {

// Upper bounds (seconds) of the request-duration histogram.
inline constexpr std::array<double, 14> kDurationBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

class RouteStats {
 public:
  RouteStats(std::string route, std::string method)
      : route_(std::move(route)), method_(std::move(method)) {}
  void observe(int status, double seconds);

  const std::string& route() const { return route_; }
  const std::string& method() const { return method_; }
  std::uint64_t count(int status) const;
  std::uint64_t total() const { return total_.load(std::memory_order_relaxed); }

 private:
  friend class Registry;
  std::string route_;
  std::string method_;
  std::array<std::atomic<std::uint64_t>, 500> by_status_{};                    // index status-100
  std::array<std::atomic<std::uint64_t>, kDurationBuckets.size()> buckets_{};  // non-cumulative
  std::atomic<std::uint64_t> total_{0};
  std::atomic<std::uint64_t> sum_micros_{0};
};

struct Sample {
  std::string labels;  // already formatted: key="value",key2="value2" (may be empty)
  double value;
};

class Registry {
 public:
  Registry();

  // Stable pointer for the lifetime of the registry; idempotent per (route, method).
  RouteStats* route(std::string_view route, std::string_view method);

  std::atomic<std::int64_t>& in_flight() { return in_flight_; }

  // A gauge (or counter, with type "counter") read when /metrics is scraped.
  void add_callback(std::string name, std::string help, std::string type,
                    std::function<std::vector<Sample>()> read);

  // The whole exposition text, process metrics included.
  std::string render() const;

 private:
  struct Callback {
    std::string name, help, type;
    std::function<std::vector<Sample>()> read;
  };
  mutable std::mutex mutex_;
  std::deque<RouteStats> routes_;
  std::vector<Callback> callbacks_;
  std::atomic<std::int64_t> in_flight_{0};
  double start_time_;
};

// Escapes a label value for the exposition format.
std::string escape_label(std::string_view v);

}  // namespace ts::metrics
