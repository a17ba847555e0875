// tierstack — runs the whole multi-tier system on one machine (see docs/operations.md).
//
//   tierstack up [--db sqlite|postgres] [--detach] [--isolated] [--topology FILE]
//   tierstack down | status | logs [INSTANCE]
//   tierstack deploy [--app NAME] [--bin-dir DIR] [--env KEY=VALUE]… [--ready-timeout S]
//   tierstack drill kill-instance NAME [--down-for S] | kill-zone ZONE | restart-db
//   tierstack drill kill-db-primary | lose-db [--customers N]
//   tierstack db copy --from URL --to URL [--replace] [--bin-dir DIR]
//   tierstack db backup [--to DIR] | backups | verify BACKUP
//   tierstack db restore --from BACKUP --to URL [--at TIME] [--replace]
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include "tierstack/db/backup/backup.hpp"
#include "tierstack/db/copy/dbcopy.hpp"
#include "tierstack/net/isolated.hpp"
#include "tierstack/os/files.hpp"
#include "tierstack/os/net.hpp"
#include "tierstack/os/process.hpp"
#include "tierstack/supervise/supervisor.hpp"
#include "tierstack/topology/topology.hpp"

namespace fs = std::filesystem;
using namespace tierstack;

namespace {

// Sends one request to the running supervisor and prints what it streams back.
int control(const fs::path& state, const boost::json::object& req) {
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
        rc = std::atoi(l.c_str() + 1);
      } else {
        std::cout << l << "\n" << std::flush;
      }
    }
  }
  close(fd);
  return rc;
}

int cmd_down(const fs::path& state) {
  const auto pid_text = read_file(state / "tierstack.pid");
  const pid_t pid = pid_text.empty() ? -1 : std::atoi(pid_text.c_str());
  if (pid > 0 && alive(pid)) {
    kill(pid, SIGTERM);
    std::cout << "stopping tierstack (pid " << pid << ")…\n" << std::flush;
    if (!wait_gone(pid, std::chrono::seconds(120))) {
      std::cerr << "tierstack: pid " << pid << " did not stop in 120 s\n";
      return 1;
    }
    cleanup_isolated(state);  // the supervisor removed its namespaces; make sure
    std::cout << "stopped; nothing left running\n";
    return 0;
  }
  // The supervisor is gone (killed?): stop what it left behind.
  int leftovers = 0;
  const auto st = read_file(state / "state.json");
  if (!st.empty()) {
    try {
      // Reverse start order, as the supervisor stops them: the database last.
      auto comps = boost::json::parse(st).at("components").as_array();
      for (auto it = comps.rbegin(); it != comps.rend(); ++it) {
        auto& c = *it;
        const auto cpid = static_cast<pid_t>(c.at("pid").to_number<long>());
        if (cpid > 0 && alive(cpid)) {
          killpg(cpid, SIGTERM);
          if (!wait_gone(cpid, std::chrono::seconds(20))) killpg(cpid, SIGKILL);
          ++leftovers;
        }
      }
    } catch (...) {
    }
  }
  // An --isolated run's namespaces, veths, bridges and firewall (and whatever
  // still runs in them).
  for (const auto& what : cleanup_isolated(state)) std::cout << "removed " << what << "\n";
  for (const char* f : {"tierstack.pid", "state.json", "control.sock"}) fs::remove(state / f);
  std::cout << (leftovers ? "tierstack was not running; stopped " + std::to_string(leftovers) +
                                " leftover process(es)\n"
                          : "tierstack is not running\n");
  return 0;
}

int cmd_logs(const fs::path& state, const std::string& instance, int lines, bool follow) {
  const auto dir = state / "logs";
  if (!fs::exists(dir)) {
    std::cerr << "tierstack: no logs in " << dir.string() << "\n";
    return 1;
  }
  std::vector<std::string> files;
  if (instance.empty()) {
    for (auto& e : fs::directory_iterator(dir)) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    std::cout << "log files (tierstack logs INSTANCE shows one):\n";
    for (auto& f : files) std::cout << "  " << f << "  (" << fs::file_size(f) << " bytes)\n";
    return 0;
  }
  for (const char* suffix : {".log", ".error.log"})
    if (fs::exists(dir / (instance + suffix)))
      files.push_back((dir / (instance + suffix)).string());
  if (files.empty()) {
    std::cerr << "tierstack: no log for '" << instance << "' in " << dir.string() << "\n";
    return 1;
  }
  std::vector<std::string> args = {"tail", "-n", std::to_string(lines)};
  if (follow) args.push_back("-F");
  args.insert(args.end(), files.begin(), files.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  execvp("tail", argv.data());
  std::perror("tail");
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"tierstack: the multi-tier system on one machine (docs/operations.md)"};
  cli.require_subcommand(1);
  std::string topology_file, state_override;
  cli.add_option("--topology", topology_file, "topology file (default deploy/local/topology.toml)");
  cli.add_option("--state-dir", state_override, "state directory (default: the topology's)");

  auto* up = cli.add_subcommand("up", "start the whole topology and supervise it");
  std::string db;
  bool detach = false, isolated = false;
  up->add_option("--db", db, "database engine (overrides the topology)")
      ->check(CLI::IsMember({"sqlite", "postgres"}));
  up->add_flag("--detach", detach, "run in the background; stop with tierstack down");
  up->add_flag("--isolated", isolated,
               "subnets in network namespaces behind a firewall (root; docs/operations.md)");

  cli.add_subcommand("down", "stop a detached (or any) running topology");
  cli.add_subcommand("status", "every instance with readiness, restarts, uptime and req/s");
  cli.add_subcommand("urls", "print the URLs of the running topology");
  auto* logs = cli.add_subcommand("logs", "list log files, or show one instance's log");
  std::string log_instance;
  int log_lines = 50;
  bool follow = false;
  logs->add_option("instance", log_instance, "instance name, e.g. shop-a, web-b, lb, postgres");
  logs->add_option("-n,--lines", log_lines, "lines to show");
  logs->add_flag("-f,--follow", follow, "keep following");

  auto* deploy =
      cli.add_subcommand("deploy", "rolling restart onto the binaries in the bin directory");
  std::string app, bin_dir;
  std::vector<std::string> envs;
  int ready_timeout = 20;
  deploy->add_option("--app", app, "only this app (default: every app)");
  deploy->add_option("--bin-dir", bin_dir, "where the new binaries are (default: the topology's)");
  deploy->add_option("--env", envs, "KEY=VALUE setting for the new instances (repeatable)");
  deploy->add_option("--ready-timeout", ready_timeout,
                     "seconds a new instance gets to become ready");

  auto* drill = cli.add_subcommand("drill", "failure drills");
  drill->require_subcommand(1);
  auto* kill_instance =
      drill->add_subcommand("kill-instance", "SIGKILL one instance, watch, restore");
  std::string kill_name, kill_zone;
  kill_instance->add_option("name", kill_name)->required();
  int down_for = 0;
  kill_instance
      ->add_option("--down-for", down_for,
                   "keep it down this many seconds; watch its InstanceDown alert fire and resolve")
      ->check(CLI::Range(0, 600));
  auto* kill_zone_cmd = drill->add_subcommand("kill-zone", "SIGKILL every instance of a zone");
  kill_zone_cmd->add_option("zone", kill_zone)->required();
  drill->add_subcommand("restart-db",
                        "stop PostgreSQL, watch the apps turn not ready, start it again");
  auto* kill_db_primary = drill->add_subcommand(
      "kill-db-primary",
      "under checkout load, SIGKILL the PostgreSQL primary; count the orders after the failover");
  int drill_customers = 4;
  kill_db_primary->add_option("--customers", drill_customers, "checkout threads (1-64)")
      ->check(CLI::Range(1, 64));
  auto* lose_db = drill->add_subcommand(
      "lose-db", "under checkout load, destroy the database, restore it from backup + WAL, count");
  int lose_db_customers = 4;
  lose_db->add_option("--customers", lose_db_customers, "concurrent customers checking out")
      ->check(CLI::Range(1, 64));
  auto* db_cmd = add_db_command(cli);
  add_backup_commands(*db_cmd);

  CLI11_PARSE(cli, argc, argv);
  if (backup_command_parsed()) return run_backup_command(topology_file, state_override);
  if (db_cmd->parsed()) return run_db_command(topology_file);

  Topology topo;
  try {
    topo = load_topology(topology_file.empty() ? default_topology_file() : fs::path(topology_file));
  } catch (const std::exception& e) {
    std::cerr << "tierstack: " << e.what() << "\n";
    return 2;
  }
  if (!state_override.empty()) topo.state_dir = fs::absolute(state_override);
  const fs::path state = topo.state_dir;

  if (cli.got_subcommand("down")) return cmd_down(state);
  if (cli.got_subcommand("status")) return control(state, {{"cmd", "status"}});
  if (cli.got_subcommand("urls")) return control(state, {{"cmd", "urls"}});
  if (cli.got_subcommand("logs")) return cmd_logs(state, log_instance, log_lines, follow);
  if (cli.got_subcommand("deploy")) {
    boost::json::object env;
    for (auto& kv : envs) {
      const auto eq = kv.find('=');
      if (eq == std::string::npos) {
        std::cerr << "tierstack: --env wants KEY=VALUE, got '" << kv << "'\n";
        return 2;
      }
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    boost::json::object args{{"app", app},
                             {"bin_dir", bin_dir.empty() ? "" : fs::absolute(bin_dir).string()},
                             {"ready_timeout", std::to_string(ready_timeout)}};
    return control(state, {{"cmd", "deploy"}, {"args", args}, {"env", env}});
  }
  if (cli.got_subcommand("drill")) {
    if (kill_instance->parsed())
      return control(state,
                     {{"cmd", "kill-instance"},
                      {"args", {{"name", kill_name}, {"down_for", std::to_string(down_for)}}}});
    if (kill_zone_cmd->parsed())
      return control(state, {{"cmd", "kill-zone"}, {"args", {{"zone", kill_zone}}}});
    if (kill_db_primary->parsed())
      return control(state, {{"cmd", "kill-db-primary"},
                             {"args", {{"customers", std::to_string(drill_customers)}}}});
    if (lose_db->parsed())
      return control(state, {{"cmd", "lose-db"},
                             {"args", {{"customers", std::to_string(lose_db_customers)}}}});
    return control(state, {{"cmd", "restart-db"}});
  }

  // up
  if (isolated && geteuid() != 0) {
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

  UpOptions opts{detach, db, isolated};
  if (!detach) {
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
