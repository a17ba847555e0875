// Child processes: fork+exec with a log file, a user and a network namespace;
// waiting for them; finding an nginx master's workers.
#include "tierstack/os/process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace tierstack {

namespace {

// This process's environment with `extra` laid over it, as "KEY=value" strings.
std::vector<std::string> environment_with(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> env_strings;
  env_strings.reserve(env.size());
  for (const auto& [k, v] : env) {
    std::string kv = k;
    kv += '=';
    kv += v;
    env_strings.push_back(std::move(kv));
  }
  return env_strings;
}

// A null-terminated array of pointers into `strings` (which must outlive it).
std::vector<char*> c_array(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Everything the child needs between fork and exec, prepared before fork:
// there only async-signal-safe calls are allowed (we are multithreaded).
struct ChildPlan {
  std::vector<std::string> env_strings, arg_strings;
  std::vector<char*> envp, argv;
  std::string log, cwd;
  int netns_fd = -1;
  gid_t groups[64] = {};
  int ngroups = 0;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
};

// The supplementary groups of the user the child drops to (none if unknown).
void plan_groups(ChildPlan& plan) {
  if (!plan.uid) return;
  if (passwd* pw = getpwuid(*plan.uid)) {
    plan.ngroups = 64;
    if (getgrouplist(pw->pw_name, plan.gid.value_or(pw->pw_gid), plan.groups, &plan.ngroups) < 0)
      plan.ngroups = 0;
  }
}

void plan_child(const SpawnOptions& opt, ChildPlan& plan) {
  plan.env_strings = environment_with(opt.env);
  plan.envp = c_array(plan.env_strings);
  plan.arg_strings = opt.argv;
  plan.argv = c_array(plan.arg_strings);
  plan.log = opt.log_file.string();
  plan.cwd = opt.cwd.string();
  plan.uid = opt.uid;
  plan.gid = opt.gid;
  if (!opt.netns.empty()) {
    plan.netns_fd = open(("/run/netns/" + opt.netns).c_str(), O_RDONLY | O_CLOEXEC);
    if (plan.netns_fd < 0)
      throw std::runtime_error("network namespace " + opt.netns + ": " + std::strerror(errno));
  }
  plan_groups(plan);
}

// In the child: default signals, stdio, directory, namespace, user; then exec.
// Async-signal-safe calls only.
[[noreturn]] void exec_child(const ChildPlan& plan) {
  setpgid(0, 0);
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  for (int s : {SIGINT, SIGTERM, SIGCHLD, SIGHUP, SIGPIPE, SIGQUIT}) signal(s, SIG_DFL);
  int fd = plan.log.empty()
               ? open("/dev/null", O_WRONLY)
               : open(plan.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int nul = open("/dev/null", O_RDONLY);
  if (nul >= 0) dup2(nul, 0);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
  }
  if (!plan.cwd.empty() && chdir(plan.cwd.c_str()) != 0) _exit(126);
  if (plan.netns_fd >= 0 && setns(plan.netns_fd, CLONE_NEWNET) != 0) {
    const char* msg = "tierstack: cannot join the network namespace\n";
    (void)!write(2, msg, std::strlen(msg));
    _exit(126);
  }
  if (plan.uid) {
    if (plan.ngroups > 0) setgroups(static_cast<size_t>(plan.ngroups), plan.groups);
    if (plan.gid && setgid(*plan.gid) != 0) _exit(126);
    if (setuid(*plan.uid) != 0) _exit(126);
  }
  char* const* argv = plan.argv.data();
  execve(argv[0], argv, plan.envp.data());
  const char* msg = "tierstack: exec failed: ";
  (void)!write(2, msg, std::strlen(msg));
  (void)!write(2, argv[0], std::strlen(argv[0]));
  (void)!write(2, "\n", 1);
  _exit(127);
}

}  // namespace

pid_t spawn(const SpawnOptions& opt) {
  ChildPlan plan;
  plan_child(opt, plan);
  const pid_t pid = fork();
  if (pid < 0) {
    if (plan.netns_fd >= 0) close(plan.netns_fd);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) exec_child(plan);
  setpgid(pid, pid);  // also from the parent, so no race with an early signal
  if (plan.netns_fd >= 0) close(plan.netns_fd);
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

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  DIR* d = opendir("/proc");
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    const pid_t pid = static_cast<pid_t>(std::strtol(e->d_name, nullptr, 10));
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

namespace tierstack {

std::optional<std::pair<uid_t, gid_t>> system_user(const char* name) {
  if (geteuid() != 0) return std::nullopt;
  if (passwd* pw = getpwnam(name)) return std::make_pair(pw->pw_uid, pw->pw_gid);
  return std::nullopt;
}

void chown_tree(const std::filesystem::path& p, uid_t uid, gid_t gid) {
  (void)!lchown(p.c_str(), uid, gid);
  if (std::filesystem::is_directory(p))
    for (const auto& e : std::filesystem::recursive_directory_iterator(p))
      (void)!lchown(e.path().c_str(), uid, gid);
}

}  // namespace tierstack
