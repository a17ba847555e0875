// The db backup | restore | backups | verify commands (backup.hpp).
#include "tierstack/db/backup/backup_internal.hpp"

namespace tierstack {
using namespace backup_detail;

fs::path tierstack_binary() {
  auto s = fs::read_symlink("/proc/self/exe").string();
  const std::string deleted = " (deleted)";
  if (s.ends_with(deleted)) s.erase(s.size() - deleted.size());
  return s;
}

// ------------------------------------------------------------------ commands

void add_backup_commands(CLI::App& db) {
  auto& o = opts();
  backup_cmd =
      db.add_subcommand("backup", "a consistent backup of the apps' data while they serve traffic");
  backup_cmd->add_option("--to", o.to_dir, "backup directory (default: the topology's backup.dir)");
  backup_cmd->add_flag("--scheduled", o.scheduled,
                       "as tierstack up runs it: apply retention, verify when due, write metrics");
  restore_cmd = db.add_subcommand("restore", "restore a backup into a database, verified");
  restore_cmd->add_option("--from", o.from, "backup directory, its id, or 'latest'")->required();
  restore_cmd->add_option("--to", o.to_url, "target: sqlite:///path.db or postgresql://...")
      ->required();
  restore_cmd->add_option("--at", o.at,
                          "PostgreSQL: recover to this UTC time (2026-12-07T01:02:03Z) or "
                          "'latest' from the WAL archive");
  restore_cmd->add_flag("--replace", o.replace, "replace the data a non-empty target holds");
  restore_cmd->add_option("--app", o.app, "restore only this app's data");
  restore_cmd->add_option("--wal-dir", o.wal_dir, "WAL archive (default: wal/ beside the backup)");
  restore_cmd->add_option("--bin-dir", o.bin_dir,
                          "where the shop and microblog binaries are (default: the topology's)");
  list_cmd = db.add_subcommand("backups", "list backups with age, size and verification");
  list_cmd->add_option("--dir", o.list_dir, "backup directory (default: the topology's)");
  verify_cmd = db.add_subcommand("verify", "restore a backup into a scratch database and compare");
  verify_cmd->add_option("backup", o.verify_what, "backup directory, id or 'latest'")->required();
}

bool backup_command_parsed() {
  return (backup_cmd && backup_cmd->parsed()) || (restore_cmd && restore_cmd->parsed()) ||
         (list_cmd && list_cmd->parsed()) || (verify_cmd && verify_cmd->parsed());
}

int run_backup_command(const std::string& topology_file, const std::string& state_dir) {
  signal(SIGPIPE, SIG_IGN);
  signal(SIGTERM, stop_children);
  signal(SIGINT, stop_children);
  ts::log::set_level(ts::log::Level::warn);
  const auto& o = opts();
  const char* what = backup_cmd->parsed()    ? "backup"
                     : restore_cmd->parsed() ? "restore"
                     : list_cmd->parsed()    ? "backups"
                                             : "verify";
  Topology topo;
  try {
    topo = load_topology(topology_file.empty() ? default_topology_file() : fs::path(topology_file));
    if (!state_dir.empty()) topo.state_dir = fs::absolute(state_dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tierstack db %s: %s\n", what, e.what());
    return 2;
  }
  // A scheduled backup goes when its supervisor goes (even by SIGKILL).
  if (o.scheduled) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() == 1) return 1;
  }
  try {
    if (list_cmd->parsed())
      return do_list(o.list_dir.empty() ? topo.backup_dir : fs::absolute(o.list_dir));
    if (verify_cmd->parsed())
      return verify_backup(resolve_backup(o.verify_what, topo.backup_dir, "")) ? 0 : 1;
    if (restore_cmd->parsed()) return do_restore(topo, o);
    const fs::path root = o.to_dir.empty() ? topo.backup_dir : fs::absolute(o.to_dir);
    const auto t0 = Clock::now();
    std::string engine = topo.database;
    const auto dir = do_backup(topo, root);
    const auto b = load_backup(dir);
    engine = b->engine;
    apply_retention(root, topo.backup_keep_last, topo.backup_keep_days);
    if (root == topo.backup_dir) write_metrics(topo, engine, b->finished, seconds_since(t0));
    if (o.scheduled) {
      // At most one verification per verify_interval: it restores a whole
      // backup, so it is kept cheap by doing it rarely.
      // When the last one ran is kept beside the backups, since retention
      // may remove the backup that was verified.
      const auto stamp = root / "last-verification";
      const double last = std::strtod(read_file(stamp).c_str(), nullptr);
      if (unix_now() - last >= static_cast<double>(topo.backup_verify_interval)) {
        const bool ok = verify_backup(*b);
        write_file(stamp, std::to_string(unix_now()) + "\n");
        if (!ok) return 1;
      }
    }
    return 0;
  } catch (const Failure& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "tierstack db %s: %s\n", what, e.what());
    return e.status;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "tierstack db %s: %s\n", what, e.what());
    return 1;
  }
}

}  // namespace tierstack
