// Sockets-level helpers: free loopback ports, and running code inside a
// network namespace (the one primitive both the isolated network and the
// readiness probes need, so neither depends on the other).
#include "tierstack/os/net.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <thread>

namespace tierstack {

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

void in_netns(const std::string& netns, const std::function<void()>& fn) {
  if (netns.empty()) return fn();
  const int fd = open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("network namespace " + netns + ": " + std::strerror(errno));
  std::exception_ptr err;
  // setns(CLONE_NEWNET) moves only the calling thread; this one ends with fn.
  std::thread t([&] {
    if (setns(fd, CLONE_NEWNET) != 0) {
      err = std::make_exception_ptr(
          std::runtime_error("setns " + netns + ": " + std::strerror(errno)));
      return;
    }
    try {
      fn();
    } catch (...) {
      err = std::current_exception();
    }
  });
  t.join();
  close(fd);
  if (err) std::rethrow_exception(err);
}

}  // namespace tierstack
