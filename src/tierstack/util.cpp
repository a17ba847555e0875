#include "tierstack/util.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tierstack/netns.hpp"

extern char** environ;

namespace tierstack {
namespace fs = std::filesystem;

pid_t spawn(const SpawnOptions& opt) {
  // Everything the child needs is prepared before fork: between fork and exec
  // only async-signal-safe calls are allowed (we are multithreaded).
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : opt.env) env[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = opt.argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  const std::string log = opt.log_file.string();
  const std::string cwd = opt.cwd.string();
  int netns_fd = -1;
  if (!opt.netns.empty()) {
    netns_fd = open(("/run/netns/" + opt.netns).c_str(), O_RDONLY | O_CLOEXEC);
    if (netns_fd < 0)
      throw std::runtime_error("network namespace " + opt.netns + ": " + std::strerror(errno));
  }
  gid_t groups[64];
  int ngroups = 0;
  if (opt.uid) {
    if (passwd* pw = getpwuid(*opt.uid)) {
      ngroups = 64;
      if (getgrouplist(pw->pw_name, opt.gid.value_or(pw->pw_gid), groups, &ngroups) < 0)
        ngroups = 0;
    }
  }

  const pid_t pid = fork();
  if (pid < 0) {
    if (netns_fd >= 0) close(netns_fd);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    setpgid(0, 0);
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    for (int s : {SIGINT, SIGTERM, SIGCHLD, SIGHUP, SIGPIPE, SIGQUIT}) signal(s, SIG_DFL);
    int fd = log.empty() ? open("/dev/null", O_WRONLY)
                         : open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0) dup2(nul, 0);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) != 0) {
      const char* msg = "tierstack: cannot join the network namespace\n";
      (void)!write(2, msg, std::strlen(msg));
      _exit(126);
    }
    if (opt.uid) {
      if (ngroups > 0) setgroups(static_cast<size_t>(ngroups), groups);
      if (opt.gid && setgid(*opt.gid) != 0) _exit(126);
      if (setuid(*opt.uid) != 0) _exit(126);
    }
    execve(argv[0], argv.data(), envp.data());
    const char* msg = "tierstack: exec failed: ";
    (void)!write(2, msg, std::strlen(msg));
    (void)!write(2, argv[0], std::strlen(argv[0]));
    (void)!write(2, "\n", 1);
    _exit(127);
  }
  setpgid(pid, pid);  // also from the parent, so no race with an early signal
  if (netns_fd >= 0) close(netns_fd);
  return pid;
}

int run_to_end(const SpawnOptions& opt, std::chrono::seconds timeout) {
  const pid_t pid = spawn(opt);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int st = 0;
    const pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (r < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      return 124;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool alive(pid_t pid) {
  if (pid <= 0) return false;
  if (kill(pid, 0) != 0) return errno == EPERM;
  // A zombie is not alive for our purposes.
  std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(st, line);
  const auto rp = line.rfind(')');
  return !(rp != std::string::npos && rp + 2 < line.size() && line[rp + 2] == 'Z');
}

bool wait_gone(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (alive(pid)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

namespace {

HttpResult http_get_addr(in_addr_t host, std::uint16_t port, const std::string& path,
                         std::chrono::milliseconds timeout) {
  HttpResult res;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return res;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = host;
  auto remaining = [&] {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
    return static_cast<int>(ms < 0 ? 0 : ms);
  };
  auto wait_for = [&](short ev) {
    pollfd p{fd, ev, 0};
    return poll(&p, 1, remaining()) == 1;
  };
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS)
    goto done;
  if (!wait_for(POLLOUT)) goto done;
  {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) goto done;
    const std::string req =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
      goto done;
    char buf[8192];
    while (remaining() > 0 && wait_for(POLLIN)) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      response.append(buf, static_cast<size_t>(n));
      if (response.size() > (4u << 20)) break;
    }
  }
  if (response.rfind("HTTP/1.", 0) == 0 && response.size() >= 12) {
    res.status = std::atoi(response.c_str() + 9);
    const auto he = response.find("\r\n\r\n");
    if (he != std::string::npos) res.body = response.substr(he + 4);
    // Chunked bodies (Prometheus text from our server is sized, but be safe):
    if (response.find("ransfer-Encoding: chunked") != std::string::npos ||
        response.find("ransfer-encoding: chunked") != std::string::npos) {
      std::string out, &in = res.body;
      std::size_t pos = 0;
      while (pos < in.size()) {
        const auto eol = in.find("\r\n", pos);
        if (eol == std::string::npos) break;
        const auto size = std::stoul(in.substr(pos, eol - pos), nullptr, 16);
        if (size == 0) break;
        out.append(in, eol + 2, size);
        pos = eol + 2 + size + 2;
      }
      res.body = out;
    }
  }
done:
  close(fd);
  return res;
}

}  // namespace

HttpResult http_get(std::uint16_t port, const std::string& path,
                    std::chrono::milliseconds timeout) {
  return http_get_addr(htonl(INADDR_LOOPBACK), port, path, timeout);
}

HttpResult http_get(const std::string& netns, const std::string& host, std::uint16_t port,
                    const std::string& path, std::chrono::milliseconds timeout) {
  in_addr a{};
  if (inet_pton(AF_INET, host.c_str(), &a) != 1) return {};
  HttpResult r;
  in_netns(netns, [&] { r = http_get_addr(a.s_addr, port, path, timeout); });
  return r;
}

std::vector<std::uint16_t> free_ports(std::size_t n) {
  std::vector<int> fds;
  std::vector<std::uint16_t> ports;
  for (std::size_t i = 0; i < n; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("cannot find a free port");
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ports.push_back(ntohs(addr.sin_port));
    fds.push_back(fd);
  }
  for (int fd : fds) close(fd);
  return ports;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& text, int mode) {
  const fs::path tmp = p.string() + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
  fchmod(fd, static_cast<mode_t>(mode));
  std::size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = write(fd, text.data() + off, text.size() - off);
    if (n <= 0) {
      close(fd);
      throw std::runtime_error("cannot write " + tmp.string());
    }
    off += static_cast<std::size_t>(n);
  }
  close(fd);
  fs::rename(tmp, p);
}

std::string random_hex(std::size_t bytes) {
  std::ifstream in("/dev/urandom", std::ios::binary);
  std::string out;
  static const char* hex = "0123456789abcdef";
  for (std::size_t i = 0; i < bytes; ++i) {
    const auto c = static_cast<unsigned char>(in.get());
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  if (!in) throw std::runtime_error("cannot read /dev/urandom");
  return out;
}

std::string now_text() {
  const auto now = std::chrono::system_clock::now();
  const auto t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms));
  return buf;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string render(const std::string& tmpl, const std::map<std::string, std::string>& vars,
                   const std::string& what) {
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    const auto open = tmpl.find("{{", pos);
    if (open == std::string::npos) break;
    const auto close = tmpl.find("}}", open);
    if (close == std::string::npos) break;
    out.append(tmpl, pos, open - pos);
    const std::string name = tmpl.substr(open + 2, close - open - 2);
    const auto it = vars.find(name);
    if (it == vars.end())
      throw std::runtime_error(what + ": unknown template variable {{" + name + "}}");
    out += it->second;
    pos = close + 2;
  }
  out.append(tmpl, pos);
  return out;
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  DIR* d = opendir("/proc");
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(st, line);
    const auto rp = line.rfind(')');
    if (rp == std::string::npos) continue;
    std::istringstream rest(line.substr(rp + 2));
    char state;
    pid_t ppid;
    rest >> state >> ppid;
    if (ppid == parent && state != 'Z') out.push_back(pid);
  }
  closedir(d);
  return out;
}

}  // namespace tierstack
