// tierstack — runs the whole multi-tier system on one machine (see docs/operations.md).
//
//   tierstack up [--db sqlite|postgres] [--detach] [--isolated] [--topology FILE]
//   tierstack down | status | logs [INSTANCE | --all] [-n N] [-f] [--grep RE]
//   tierstack deploy [--app NAME] [--bin-dir DIR] [--env KEY=VALUE]… [--ready-timeout S]
//   tierstack drill kill-instance NAME [--down-for S] | kill-zone ZONE | restart-db
//   tierstack drill kill-db-primary | lose-db [--customers N]
//   tierstack db copy --from URL --to URL [--replace] [--bin-dir DIR]
//   tierstack db backup [--to DIR] | backups | verify BACKUP
//   tierstack db restore --from BACKUP --to URL [--at TIME] [--replace]
//   tierstack exec APP ARGS… (or tierstack APP ARGS…) | mail [--list | --show N] [--follow]
//
// This file is the command line only: the commands are cli/*.cpp (run here)
// and control/*.cpp (run by the supervisor, reached through the control socket).
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "tierstack/cli/commands.hpp"
#include "tierstack/db/backup/backup.hpp"
#include "tierstack/db/copy/dbcopy.hpp"

namespace fs = std::filesystem;
using namespace tierstack;

namespace {

// Everything the command line sets.
struct Args {
  std::string topology_file, state_override;
  UpOptions up;
  LogsArgs logs;
  DeployArgs deploy;
  std::string kill_name, kill_zone;
  int down_for = 0;
  int kill_db_customers = 4, lose_db_customers = 4;
  ExecArgs exec;
  MailArgs mail;
};

struct Drills {
  CLI::App *kill_instance, *kill_zone, *kill_db_primary, *lose_db;
};

void add_up_and_inspect(CLI::App& cli, Args& a) {
  auto* up = cli.add_subcommand("up", "start the whole topology and supervise it");
  up->add_option("--db", a.up.db_override, "database engine (overrides the topology)")
      ->check(CLI::IsMember({"sqlite", "postgres"}));
  up->add_flag("--detach", a.up.detach, "run in the background; stop with tierstack down");
  up->add_flag("--isolated", a.up.isolated,
               "subnets in network namespaces behind a firewall (root; docs/operations.md)");
  cli.add_subcommand("down", "stop a detached (or any) running topology");
  cli.add_subcommand("status", "every instance with readiness, restarts, uptime and req/s");
  cli.add_subcommand("urls", "print the URLs of the running topology");
  auto* logs = cli.add_subcommand("logs", "list log files, or show one instance's log or all");
  logs->add_option("instance", a.logs.instance, "instance name, e.g. shop-a, web-b, lb, postgres");
  logs->add_option("-n,--lines", a.logs.lines, "lines to show")->check(CLI::Range(0, 10000000));
  logs->add_flag("-f,--follow", a.logs.follow, "keep following (through rotation)");
  logs->add_flag("--all", a.logs.all, "every log merged in time order, each line after its name");
  logs->add_option("--grep", a.logs.grep, "only lines matching this ECMAScript regular expression");
  auto* deploy =
      cli.add_subcommand("deploy", "rolling restart onto the binaries in the bin directory");
  deploy->add_option("--app", a.deploy.app, "only this app (default: every app)");
  deploy->add_option("--bin-dir", a.deploy.bin_dir,
                     "where the new binaries are (default: the topology's)");
  deploy->add_option("--env", a.deploy.env, "KEY=VALUE setting for the new instances (repeatable)");
  deploy->add_option("--ready-timeout", a.deploy.ready_timeout,
                     "seconds a new instance gets to become ready");
}

Drills add_drills(CLI::App& cli, Args& a) {
  auto* drill = cli.add_subcommand("drill", "failure drills");
  drill->require_subcommand(1);
  Drills d{};
  d.kill_instance = drill->add_subcommand("kill-instance", "SIGKILL one instance, watch, restore");
  d.kill_instance->add_option("name", a.kill_name)->required();
  d.kill_instance
      ->add_option("--down-for", a.down_for,
                   "keep it down this many seconds; watch its InstanceDown alert fire and resolve")
      ->check(CLI::Range(0, 600));
  d.kill_zone = drill->add_subcommand("kill-zone", "SIGKILL every instance of a zone");
  d.kill_zone->add_option("zone", a.kill_zone)->required();
  drill->add_subcommand("restart-db",
                        "stop PostgreSQL, watch the apps turn not ready, start it again");
  d.kill_db_primary = drill->add_subcommand(
      "kill-db-primary",
      "under checkout load, SIGKILL the PostgreSQL primary; count the orders after the failover");
  d.kill_db_primary->add_option("--customers", a.kill_db_customers, "checkout threads (1-64)")
      ->check(CLI::Range(1, 64));
  d.lose_db = drill->add_subcommand(
      "lose-db", "under checkout load, destroy the database, restore it from backup + WAL, count");
  d.lose_db->add_option("--customers", a.lose_db_customers, "concurrent customers checking out")
      ->check(CLI::Range(1, 64));
  return d;
}

// exec and mail: the apps' own commands and mail, in the topology.
CLI::App* add_app_commands(CLI::App& cli, Args& a) {
  auto* exec = cli.add_subcommand(
      "exec",
      "run an app's own command (e.g. shop create-admin) with the database URL, secret key and "
      "settings of its instances; `tierstack APP ARGS…` is the same");
  exec->add_option("app", a.exec.app, "the app (shop, microblog, …)");
  // Everything after APP is the app's, --help too (so `tierstack exec --help`
  // is answered in main).
  exec->prefix_command();
  exec->set_help_flag();
  exec->footer(
      "The words after APP are the app's command: tierstack exec shop create-admin --username "
      "NAME --email ADDRESS (or tierstack shop create-admin …); tierstack shop --help lists them.");
  auto* mail = cli.add_subcommand(
      "mail", "list the mail the apps wrote to their outboxes and show the newest, decoded");
  auto* list = mail->add_flag("--list", a.mail.list, "only the list");
  mail->add_option("--show", a.mail.show, "show mail N of the list (1: the oldest) instead")
      ->check(CLI::PositiveNumber)
      ->excludes(list);
  mail->add_flag("-f,--follow", a.mail.follow, "then print each new mail as it arrives");
  return exec;
}

// `tierstack [--topology F] APP ARGS…` is `tierstack … exec APP ARGS…`: a
// first word that names no command is taken as an app (cmd_exec says so when
// it is none).
std::vector<std::string> with_app_shorthand(CLI::App& cli, int argc, char** argv, bool& shorthand) {
  std::vector<std::string> args(argv, argv + argc);
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word == "--topology" || word == "--state-dir") {
      ++i;
    } else if (!word.starts_with("--topology=") && !word.starts_with("--state-dir=")) {
      if (word.starts_with("-")) return args;
      for (const auto* sub : cli.get_subcommands({}))
        if (sub->get_name() == word) return args;
      args.insert(args.begin() + static_cast<long>(i), "exec");
      shorthand = true;
      return args;
    }
  }
  return args;
}

int run_drill(const fs::path& state, const Drills& d, const Args& a) {
  if (d.kill_instance->parsed())
    return send_control(
        state, {{"cmd", "kill-instance"},
                {"args", {{"name", a.kill_name}, {"down_for", std::to_string(a.down_for)}}}});
  if (d.kill_zone->parsed())
    return send_control(state, {{"cmd", "kill-zone"}, {"args", {{"zone", a.kill_zone}}}});
  if (d.kill_db_primary->parsed())
    return send_control(state, {{"cmd", "kill-db-primary"},
                                {"args", {{"customers", std::to_string(a.kill_db_customers)}}}});
  if (d.lose_db->parsed())
    return send_control(state, {{"cmd", "lose-db"},
                                {"args", {{"customers", std::to_string(a.lose_db_customers)}}}});
  return send_control(state, {{"cmd", "restart-db"}});
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"tierstack: the multi-tier system on one machine (docs/operations.md)"};
  cli.require_subcommand(1);
  Args a;
  cli.add_option("--topology", a.topology_file,
                 "topology file (default deploy/local/topology.toml)");
  cli.add_option("--state-dir", a.state_override, "state directory (default: the topology's)");
  add_up_and_inspect(cli, a);
  const Drills drills = add_drills(cli, a);
  auto* db_cmd = add_db_command(cli);
  add_backup_commands(*db_cmd);
  auto* exec_cmd = add_app_commands(cli, a);

  auto words = with_app_shorthand(cli, argc, argv, a.exec.shorthand);
  std::vector<char*> word_ptrs;
  word_ptrs.reserve(words.size());
  for (auto& w : words) word_ptrs.push_back(w.data());
  CLI11_PARSE(cli, static_cast<int>(word_ptrs.size()), word_ptrs.data());
  if (backup_command_parsed()) return run_backup_command(a.topology_file, a.state_override);
  if (db_cmd->parsed()) return run_db_command(a.topology_file);

  Topology topo;
  try {
    topo = load_topology(a.topology_file.empty() ? default_topology_file()
                                                 : fs::path(a.topology_file));
  } catch (const std::exception& e) {
    std::cerr << "tierstack: " << e.what() << "\n";
    return 2;
  }
  if (!a.state_override.empty()) topo.state_dir = fs::absolute(a.state_override);
  const fs::path state = topo.state_dir;

  if (exec_cmd->parsed()) {
    a.exec.args = exec_cmd->remaining();
    if (a.exec.app.empty()) {  // no APP: exec's own help
      const bool asked = a.exec.args == std::vector<std::string>{"--help"} ||
                         a.exec.args == std::vector<std::string>{"-h"};
      (asked ? std::cout : std::cerr) << exec_cmd->help();
      return asked ? 0 : 2;
    }
    return cmd_exec(topo, a.exec);
  }
  if (cli.got_subcommand("mail")) return cmd_mail(topo, a.mail);
  if (cli.got_subcommand("down")) return cmd_down(state);
  if (cli.got_subcommand("status")) return send_control(state, {{"cmd", "status"}});
  if (cli.got_subcommand("urls")) return send_control(state, {{"cmd", "urls"}});
  if (cli.got_subcommand("logs")) return cmd_logs(state, a.logs);
  if (cli.got_subcommand("deploy")) return cmd_deploy(state, a.deploy);
  if (cli.got_subcommand("drill")) return run_drill(state, drills, a);
  return cmd_up(topo, a.up);
}
