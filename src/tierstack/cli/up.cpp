// `tierstack up`: the supervisor in this process, or detached (a child in
// its own session that reports back through a pipe once everything is
// ready or start-up failed).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <iostream>

#include "tierstack/cli/commands.hpp"

namespace tierstack {
namespace fs = std::filesystem;

int cmd_up(const Topology& topo, const UpOptions& opts) {
  if (opts.isolated && geteuid() != 0) {
    std::cerr << "tierstack: --isolated creates network namespaces and firewall rules: run it as "
                 "root\n";
    return 2;
  }
  // Signals are taken synchronously by the supervisor loop; block them in
  // every thread before any is created. Children get a clean mask.
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&set, s);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const fs::path state = topo.state_dir;
  if (!opts.detach) {
    Supervisor sup(topo, opts);
    return sup.run([](const std::string& report, bool ok) {
      (ok ? std::cout : std::cerr) << report << std::flush;
    });
  }
  fs::create_directories(state);
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return 1;
  const pid_t child = fork();
  if (child < 0) return 1;
  if (child > 0) {
    close(pipefd[1]);
    std::string report;
    char buf[4096];
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof buf)) > 0) report.append(buf, static_cast<size_t>(n));
    if (report.empty()) {
      std::cerr << "tierstack: the background supervisor died; see "
                << (state / "tierstack.log").string() << "\n";
      return 1;
    }
    const bool ok = report[0] == '1';
    (ok ? std::cout : std::cerr) << report.substr(1) << std::flush;
    return ok ? 0 : 1;
  }
  close(pipefd[0]);
  setsid();
  const int nul = open("/dev/null", O_RDONLY);
  dup2(nul, 0);
  const int log =
      open((state / "tierstack.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  dup2(log, 1);
  dup2(log, 2);
  Supervisor sup(topo, opts);
  const int wfd = pipefd[1];
  return sup.run([wfd](const std::string& report, bool ok) {
    const std::string msg = (ok ? "1" : "0") + report;
    (void)!write(wfd, msg.data(), msg.size());
    close(wfd);
  });
}

}  // namespace tierstack
