#pragma once
// Owns: the CLI's commands that run in the tierstack process itself, as
// opposed to inside the supervisor: the control-socket client every
// supervisor command goes through, `up` (in the foreground or detached),
// `down` (also after a crashed supervisor), `logs`, and the arguments of
// `deploy`, `exec` and `mail`. main.cpp parses the command line and calls
// these; a new client command (`logs --grep`) is a function here in its own file.
#include <boost/json.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "tierstack/supervise/supervisor.hpp"
#include "tierstack/topology/topology.hpp"

namespace tierstack {

// Sends one request to the running supervisor and prints what it streams
// back; returns the status the supervisor ends with (3: nothing running).
int send_control(const std::filesystem::path& state, const boost::json::object& req);

// `tierstack up`: runs the supervisor here, or detached in the background
// (then prints its start-up report and returns).
int cmd_up(const Topology& topo, const UpOptions& opts);
// `tierstack down`: stops the supervisor, or what a dead one left running.
int cmd_down(const std::filesystem::path& state);
// `tierstack logs [INSTANCE | --all] [-n N] [-f] [--grep RE]`: lists the log
// files, tails one instance's, or (--all, --grep) prints the matching last
// lines of its logs or of all, merged in time order (cli/logs.cpp).
struct LogsArgs {
  std::string instance;
  int lines = 50;
  bool follow = false;
  bool all = false;
  std::string grep;  // ECMAScript regular expression; empty: every line
};
int cmd_logs(const std::filesystem::path& state, const LogsArgs& args);

// `tierstack exec APP ARGS…`, also written `tierstack APP ARGS…` (shorthand):
// runs the app's command ARGS with the environment of its instances
// (supervise/exec_record.hpp), replacing this process; returns only when it
// cannot (2: unknown app, no state yet; 127: the exec failed).
struct ExecArgs {
  std::string app;
  std::vector<std::string> args;
  bool shorthand = false;  // typed as `tierstack APP …`: APP may be a mistyped command
};
int cmd_exec(const Topology& topo, const ExecArgs& args);

// `tierstack mail`: the mail the apps wrote to their outboxes (<PREFIX>_OUTBOX_DIR,
// <state>/mail/<app>) listed, and shown decoded (cli/mail_decode.hpp).
struct MailArgs {
  bool list = false;  // only the list
  int show = 0;       // show message N of the list (1: the oldest); 0: the newest
  bool follow = false;
};
int cmd_mail(const Topology& topo, const MailArgs& args);

struct DeployArgs {
  std::string app, bin_dir;
  std::vector<std::string> env;  // KEY=VALUE
  int ready_timeout = 20;
};
int cmd_deploy(const std::filesystem::path& state, const DeployArgs& args);

}  // namespace tierstack
