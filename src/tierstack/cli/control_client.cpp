// The control-socket client: one JSON request, the supervisor's lines
// printed as they come, then its status.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "tierstack/cli/commands.hpp"

namespace tierstack {
namespace fs = std::filesystem;

int send_control(const fs::path& state, const boost::json::object& req) {
  const auto path = (state / "control.sock").string();
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::cerr << "tierstack: nothing is running on " << state.string() << " (tierstack up first)\n";
    close(fd);
    return 3;
  }
  const std::string line = boost::json::serialize(req) + "\n";
  (void)!send(fd, line.data(), line.size(), MSG_NOSIGNAL);
  std::string buf;
  char chunk[4096];
  int rc = 1;
  for (;;) {
    const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    buf.append(chunk, static_cast<size_t>(n));
    std::size_t nl;
    while ((nl = buf.find('\n')) != std::string::npos) {
      const std::string l = buf.substr(0, nl);
      buf.erase(0, nl + 1);
      if (!l.empty() && l[0] == '\x1e') {
        rc = static_cast<int>(std::strtol(l.c_str() + 1, nullptr, 10));
      } else {
        std::cout << l << "\n" << std::flush;
      }
    }
  }
  close(fd);
  return rc;
}

int cmd_deploy(const fs::path& state, const DeployArgs& a) {
  boost::json::object env;
  for (const auto& kv : a.env) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos) {
      std::cerr << "tierstack: --env wants KEY=VALUE, got '" << kv << "'\n";
      return 2;
    }
    env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  boost::json::object args{{"app", a.app},
                           {"bin_dir", a.bin_dir.empty() ? "" : fs::absolute(a.bin_dir).string()},
                           {"ready_timeout", std::to_string(a.ready_timeout)}};
  return send_control(state, {{"cmd", "deploy"}, {"args", args}, {"env", env}});
}

}  // namespace tierstack
