#pragma once
// Integration-test harness: start a real binary on free loopback ports and
// speak HTTP to it.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace ts::test {

std::string bin_path(const std::string& name);  // TS_BIN_DIR/name

// A child process with stdout+stderr captured to a log file.
class Process {
 public:
  Process(const std::string& path, const std::vector<std::string>& args,
          const std::map<std::string, std::string>& env, const std::string& log_file);
  ~Process();  // SIGKILL if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig) const;
  bool running();
  // Exit status (or 128+signal); nullopt if still running after timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  std::string log() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string log_file_;
};

// A service binary started with <PREFIX>_LISTEN=127.0.0.1:0 and a monitor
// port, ready once it has written its port file.
class Service {
 public:
  Service(const std::string& binary, const std::string& prefix, std::vector<std::string> args,
          std::map<std::string, std::string> env,
          std::chrono::milliseconds ready_timeout = std::chrono::seconds(20));
  ~Service();

  unsigned short port() const { return port_; }
  unsigned short monitor_port() const { return monitor_port_; }
  Process& process() { return *process_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::unique_ptr<Process> process_;
  unsigned short port_ = 0, monitor_port_ = 0;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& lower_name) const;
};

// One keep-alive connection to 127.0.0.1:port.
class HttpClient {
 public:
  explicit HttpClient(unsigned short port);
  ~HttpClient();
  HttpResponse request(const std::string& method, const std::string& target,
                       const std::string& body = "",
                       const std::map<std::string, std::string>& headers = {});
  // Sends raw bytes and reads one response (or "" if the server just closed).
  std::optional<HttpResponse> raw(const std::string& bytes,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void send(const std::string& bytes);
  // Whatever arrives until the peer closes or the timeout passes.
  std::string read_raw(std::chrono::milliseconds timeout);
  bool is_closed_by_peer(std::chrono::milliseconds wait = std::chrono::seconds(5));
  int fd() const { return fd_; }

 private:
  std::optional<HttpResponse> read_response(std::chrono::milliseconds timeout);
  int fd_ = -1;
  std::string buffer_;
};

// One request on a fresh connection.
HttpResponse http(unsigned short port, const std::string& method, const std::string& target,
                  const std::string& body = "",
                  const std::map<std::string, std::string>& headers = {});

// True if a TCP connection to 127.0.0.1:port is accepted.
bool can_connect(unsigned short port);

std::string make_temp_dir();
void remove_tree(const std::string& dir);

}  // namespace ts::test
