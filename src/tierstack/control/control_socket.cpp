// The control socket (<state>/control.sock): one JSON request a line from
// the CLI, lines streamed back, then "\x1e<status>". The commands are a
// table: a new operator command is a row here and a method in its own file.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <iostream>

#include "tierstack/supervise/supervisor.hpp"

namespace tierstack {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

void Supervisor::control_loop() {
  while (!stopping_) {
    pollfd p{control_fd_, POLLIN, 0};
    if (poll(&p, 1, 200) != 1) continue;
    const int fd = accept4(control_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) serve_control(fd);
  }
}

void Supervisor::serve_control(int fd) {
  std::string req;
  char buf[4096];
  while (req.find('\n') == std::string::npos) {
    pollfd q{fd, POLLIN, 0};
    if (poll(&q, 1, 2000) != 1) break;
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    req.append(buf, static_cast<size_t>(n));
  }
  auto out = [fd](const std::string& line) {
    const std::string l = line + "\n";
    (void)!send(fd, l.data(), l.size(), MSG_NOSIGNAL);
    std::cerr << now_text() << " " << line << "\n";
  };
  int rc = 2;
  try {
    rc = handle(req, out);
  } catch (const std::exception& e) {
    out(std::string("error: ") + e.what());
    rc = 1;
  }
  const std::string end = "\x1e" + std::to_string(rc) + "\n";
  (void)!send(fd, end.data(), end.size(), MSG_NOSIGNAL);
  close(fd);
}

int Supervisor::handle(const std::string& request, const Out& out) {
  const auto v = boost::json::parse(request).as_object();
  const std::string cmd(v.at("cmd").as_string());
  std::map<std::string, std::string> args, env;
  if (const auto* a = v.if_contains("args"))
    for (const auto& [k, x] : a->as_object()) args[std::string(k)] = std::string(x.as_string());
  if (const auto* e = v.if_contains("env"))
    for (const auto& [k, x] : e->as_object()) env[std::string(k)] = std::string(x.as_string());
  using Handler = std::function<int()>;
  const std::map<std::string, Handler> commands = {
      {"status", [&] { return op_status(out); }},
      {"urls",
       [&] {
         out(urls());
         return 0;
       }},
      {"deploy", [&] { return op_deploy(args, env, out); }},
      {"kill-instance", [&] { return op_kill_instance(args["name"], args["down_for"], out); }},
      {"kill-zone", [&] { return op_kill_zone(args["zone"], out); }},
      {"restart-db", [&] { return op_restart_db(out); }},
      {"kill-db-primary", [&] { return op_kill_db_primary(args, out); }},
      {"lose-db", [&] { return op_lose_db(args, out); }},
  };
  const auto it = commands.find(cmd);
  if (it == commands.end()) {
    out("unknown command " + cmd);
    return 2;
  }
  return it->second();
}

int Supervisor::op_status(const Out& out) {
  out(status_table(true));
  out(alerts_text());
  if (ha_) out(db_roles());
  return 0;
}

}  // namespace tierstack
