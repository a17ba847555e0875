#pragma once
// Shared by the tierstack integration tests: reading a file whole, and a
// bounded GET load through the load balancer.
#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tierstack_test {

std::string slurp(const std::filesystem::path& p);

// `threads` loops of GET `target` on fresh connections, a few ms apart,
// until stopped. Every non-200 (or connection error) is a failure.
class Load {
 public:
  Load(unsigned short port, std::string target, int threads = 3);
  ~Load() { stop(); }
  void stop();
  int ok() const { return ok_; }
  int failed() const { return failed_; }
  std::string first_error();

 private:
  void record(const std::string& e);
  std::vector<std::thread> workers_;
  std::atomic<bool> stop_{false};
  std::atomic<int> ok_{0}, failed_{0};
  std::mutex mu_;
  std::string first_error_;
};

}  // namespace tierstack_test
