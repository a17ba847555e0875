#include "stack_fixture.hpp"

#include <chrono>
#include <fstream>
#include <sstream>

#include "support/harness.hpp"

namespace tierstack_test {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Load::Load(unsigned short port, std::string target, int threads) {
  for (int i = 0; i < threads; ++i)
    workers_.emplace_back([this, port, target] {
      while (!stop_) {
        try {
          auto r = ts::test::http(port, "GET", target);
          if (r.status == 200)
            ++ok_;
          else
            record("status " + std::to_string(r.status) + " " + r.body.substr(0, 200));
        } catch (const std::exception& e) {
          record(e.what());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
}

void Load::stop() {
  stop_ = true;
  for (auto& t : workers_)
    if (t.joinable()) t.join();
}

std::string Load::first_error() {
  std::lock_guard lk(mu_);
  return first_error_;
}

void Load::record(const std::string& e) {
  ++failed_;
  std::lock_guard lk(mu_);
  if (first_error_.empty()) first_error_ = e;
}

}  // namespace tierstack_test
