// `tierstack exec APP ARGS…` (and `tierstack APP ARGS…`): one of an app's
// own commands (shop create-admin, microblog import-flask …) with the
// environment its running instances have — the database URL, the secret key,
// the public URL and the topology's settings — from the app's exec record
// (supervise/exec_record.hpp). This process becomes the app's command, so its
// standard input and output are the terminal's and its exit status is the
// command's.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "tierstack/cli/commands.hpp"
#include "tierstack/os/files.hpp"
#include "tierstack/os/process.hpp"
#include "tierstack/supervise/exec_record.hpp"

namespace tierstack {
namespace fs = std::filesystem;

namespace {

int fail(const std::string& why, int status = 2) {
  std::cerr << "tierstack: " << why << "\n";
  return status;
}

std::string app_names(const Topology& topo) {
  std::string names;
  for (const auto& a : topo.apps) names += (names.empty() ? "" : ", ") + a.name;
  return names;
}

bool supervisor_running(const fs::path& state) {
  const auto pid_text = read_file(state / "tierstack.pid");
  const long pid = pid_text.empty() ? -1 : std::strtol(pid_text.c_str(), nullptr, 10);
  return pid > 0 && alive(static_cast<pid_t>(pid));
}

// With --isolated the database is reachable only from the app tier's subnet.
std::string join_netns(const std::string& netns) {
  if (netns.empty()) return "";
  const int fd = open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) close(fd);
    return "cannot join the network namespace " + netns + " (" + why +
           "): the topology runs --isolated; run this as root";
  }
  close(fd);
  return "";
}

}  // namespace

int cmd_exec(const Topology& topo, const ExecArgs& args) {
  const AppTier* app = nullptr;
  for (const auto& a : topo.apps)
    if (a.name == args.app) app = &a;
  if (!app) {
    if (args.shorthand)
      return fail("unknown command or app '" + args.app + "' (the commands: tierstack --help; " +
                  "the apps of " + topo.file.string() + ": " + app_names(topo) + ")");
    return fail("no app '" + args.app + "' in " + topo.file.string() +
                " (its apps: " + app_names(topo) + ")");
  }
  // Without a command the app would serve (its default): never by accident.
  if (args.args.empty())
    return fail("name " + app->name + "'s command to run (`tierstack " + app->name +
                " --help` lists them)");
  const fs::path& state = topo.state_dir;
  std::optional<ExecRecord> rec;
  try {
    rec = read_exec_record(state, app->name);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  if (!rec)
    return fail(app->name + " has not run on the state directory " + state.string() +
                " yet, so there is no database or secret to run it with: start the topology " +
                "with `tierstack up` first");
  if (!fs::exists(rec->binary))
    return fail(rec->binary.string() + " no longer exists: run `tierstack up` again");
  const auto db = rec->env.find(app->env_prefix + "_DATABASE_URL");
  if (db != rec->env.end() && db->second.starts_with("postgresql") && !supervisor_running(state))
    std::cerr << "tierstack: note: the topology is not running (its PostgreSQL neither); "
                 "`tierstack up` first if "
              << app->name << " needs its database\n";
  if (const auto err = join_netns(rec->netns); !err.empty()) return fail(err);
  if (chdir(rec->cwd.c_str()) != 0)
    return fail("cannot enter " + rec->cwd.string() + ": " + std::strerror(errno));
  for (const auto& [k, v] : rec->env) setenv(k.c_str(), v.c_str(), 1);
  std::vector<std::string> argv_s = {rec->binary.string()};
  argv_s.insert(argv_s.end(), args.args.begin(), args.args.end());
  std::vector<char*> argv;
  argv.reserve(argv_s.size() + 1);
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::cout.flush();
  std::cerr.flush();
  execv(argv[0], argv.data());
  return fail("cannot run " + argv_s[0] + ": " + std::strerror(errno), 127);
}

}  // namespace tierstack
