#pragma once
// Shared by the tierstack integration tests: a topology in a temporary state
// directory with the `tierstack` commands run against it, reading a file
// whole, and a bounded GET load through the load balancer.
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tierstack_test {

std::string slurp(const std::filesystem::path& p);

// What the tests' topologies differ in; the rest is the local default
// (two zones, one web server per zone, the shop, Prometheus on free ports).
struct TopologyOptions {
  std::string db = "sqlite";
  std::string scrape_interval = "1s";
  bool prometheus_rules = true;
  // The web tier's static files: relative to the source tree, or absolute;
  // empty: <the stack's directory>/static, which the test fills itself.
  std::string static_root = "web/shop/dist";
  bool microblog = false;  // the microblog as an optional app
  // [app.translator] of the microblog (service, url, region), when not empty.
  std::vector<std::pair<std::string, std::string>> microblog_translator;
  std::vector<std::pair<std::string, std::string>> shop_env;
  // [monitoring.alert_for]: the local `for:` of named alerts.
  std::vector<std::pair<std::string, std::string>> alert_for;
  // Appended to the topology file as it is (e.g. "[logs]\nmax_kib = 64\n").
  std::string extra_toml;
  // Added to the environment of every `tierstack` command (so of `up`'s children).
  std::map<std::string, std::string> env;
  std::chrono::seconds command_timeout{90};
};

struct CmdResult {
  int status;
  std::string output;
};

// A topology on free ports in a temporary directory (removed at the end,
// after `tierstack down` if the stack is still up).
class StackBase {
 public:
  explicit StackBase(TopologyOptions options);
  virtual ~StackBase();
  StackBase(const StackBase&) = delete;
  StackBase& operator=(const StackBase&) = delete;

  // `tierstack --topology … ARGS`, killed after the timeout (status -1).
  CmdResult cmd(std::vector<std::string> args);
  CmdResult cmd(std::vector<std::string> args, std::chrono::seconds timeout);
  // `tierstack up --detach EXTRA…`; on success the state is read (state_at_up).
  CmdResult start(const std::vector<std::string>& extra = {});
  CmdResult stop();

  const std::filesystem::path& dir() const { return dir_; }
  const std::filesystem::path& topology() const { return topology_; }
  std::filesystem::path state() const { return dir_ / "state"; }
  const std::string& up_output() const { return up_output_; }
  // state.json as `up` left it (ports, hosts and namespaces do not change).
  const boost::json::object& state_at_up() const { return state_; }
  const boost::json::object& component(const std::string& name) const;
  unsigned short lb_port() const;  // the load balancer's port for the shop
  // A component's pid now (after restarts): -1 when it has none.
  int pid(const std::string& name) const;
  // Every component's pid at `up`.
  std::vector<int> pids() const;

 private:
  TopologyOptions options_;
  std::filesystem::path dir_, topology_;
  bool up_ = false;
  int n_ = 0;
  std::string up_output_;
  boost::json::object state_;
};

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
