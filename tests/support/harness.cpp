#include "support/harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace ts::test {
namespace fs = std::filesystem;

std::string bin_path(const std::string& name) {
  return std::string(TS_BIN_DIR) + "/" + name;
}

std::string make_temp_dir() {
  std::string tmpl = (fs::temp_directory_path() / "tierstack-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

void remove_tree(const std::string& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

Process::Process(const std::string& path, const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env, const std::string& log_file)
    : log_file_(log_file) {
  std::vector<std::string> argv_s{path};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, 0);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(path.c_str(), argv.data());
    std::fprintf(stderr, "exec %s failed: %s\n", path.c_str(), std::strerror(errno));
    _exit(127);
  }
}

Process::~Process() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(5));
  }
}

void Process::signal(int sig) const {
  ::kill(pid_, sig);
}

bool Process::running() {
  if (status_) return false;
  int st = 0;
  const pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return false;
  }
  return r == 0;
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

std::string Process::log() const {
  std::ifstream in(log_file_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Service::Service(const std::string& binary, const std::string& prefix,
                 std::vector<std::string> args, std::map<std::string, std::string> env,
                 std::chrono::milliseconds ready_timeout)
    : dir_(make_temp_dir()) {
  const std::string port_file = dir_ + "/ports";
  env.emplace(prefix + "_LISTEN", "127.0.0.1:0");
  env.emplace(prefix + "_MONITOR_LISTEN", "127.0.0.1:0");
  env[prefix + "_PORT_FILE"] = port_file;
  process_ = std::make_unique<Process>(binary, args, env, dir_ + "/service.log");
  const auto deadline = std::chrono::steady_clock::now() + ready_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file);
    unsigned p = 0, m = 0;
    if (in >> p >> m) {
      port_ = static_cast<unsigned short>(p);
      monitor_port_ = static_cast<unsigned short>(m);
      return;
    }
    if (!process_->running())
      throw std::runtime_error("service exited before listening; log:\n" + process_->log());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("service did not start listening in time; log:\n" + process_->log());
}

Service::~Service() {
  if (process_->running()) {
    process_->signal(SIGTERM);
    if (!process_->wait(std::chrono::seconds(10))) process_->signal(SIGKILL);
  }
  process_.reset();
  remove_tree(dir_);
}

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

namespace {
int connect_to(unsigned short port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

bool can_connect(unsigned short port) {
  int fd = connect_to(port);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

HttpClient::HttpClient(unsigned short port) : fd_(connect_to(port)) {
  if (fd_ < 0) throw std::runtime_error("cannot connect to port " + std::to_string(port));
}

HttpClient::~HttpClient() {
  if (fd_ >= 0) ::close(fd_);
}

HttpResponse HttpClient::request(const std::string& method, const std::string& target,
                                 const std::string& body,
                                 const std::map<std::string, std::string>& headers) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    req += k + ": " + v + "\r\n";
    if (lower(k) == "content-type") has_type = true;
  }
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    if (!has_type) req += "Content-Type: application/json\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  auto r = raw(req, std::chrono::seconds(30));
  if (!r)
    throw std::runtime_error("connection closed without a response to " + method + " " + target);
  return *r;
}

void HttpClient::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early (e.g. 413); still read its answer
    sent += static_cast<std::size_t>(n);
  }
}

std::optional<HttpResponse> HttpClient::raw(const std::string& bytes,
                                            std::chrono::milliseconds timeout) {
  send(bytes);
  return read_response(timeout);
}

std::string HttpClient::read_raw(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string out = std::move(buffer_);
  buffer_.clear();
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::optional<HttpResponse> HttpClient::read_response(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto fill = [&]() -> bool {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  };
  std::size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos)
    if (!fill()) return std::nullopt;
  HttpResponse r;
  std::istringstream head(buffer_.substr(0, header_end));
  std::string line;
  std::getline(head, line);
  if (line.size() < 12) throw std::runtime_error("bad status line: " + line);
  r.status = std::stoi(line.substr(9, 3));
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string v = line.substr(colon + 1);
    while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    r.headers[lower(line.substr(0, colon))] = v;
  }
  buffer_.erase(0, header_end + 4);
  std::size_t length = 0;
  if (auto it = r.headers.find("content-length"); it != r.headers.end())
    length = std::stoul(it->second);
  if (r.status == 100) return read_response(timeout);
  while (buffer_.size() < length)
    if (!fill()) throw std::runtime_error("response body truncated");
  r.body = buffer_.substr(0, length);
  buffer_.erase(0, length);
  return r;
}

bool HttpClient::is_closed_by_peer(std::chrono::milliseconds wait) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return false;
  char c;
  return ::recv(fd_, &c, 1, MSG_PEEK) == 0;
}

HttpResponse http(unsigned short port, const std::string& method, const std::string& target,
                  const std::string& body, const std::map<std::string, std::string>& headers) {
  HttpClient c(port);
  return c.request(method, target, body, headers);
}

}  // namespace ts::test
