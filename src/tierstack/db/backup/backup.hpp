#pragma once
// tierstack db backup | restore | backups | verify: consistent backups of the
// shop's and the microblog's data while they serve traffic, point-in-time
// restore for PostgreSQL, retention, verification and the metrics Prometheus
// alerts on. docs/operations.md, "Backups and restore".
//
// A backup is a directory <backup dir>/<id>/ holding the data files
// (SQLite: <app>.db.zst, a snapshot by SQLite's online backup API;
// PostgreSQL: base.tar.zst and pg_wal.tar.zst from pg_basebackup) and
// manifest.json (time, engine, schema version of each app, rows and a
// SHA-256 per table, the files' own SHA-256, tool version). It is built in
// <backup dir>/.partial-<id>-<pid>/, every file fsynced, and renamed into
// place only when complete, so a crash at any moment leaves either a
// complete backup or a dot-directory that nothing lists or restores.
// A verification records verified.json beside the manifest.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

namespace CLI {
class App;
}

namespace tierstack {

struct Topology;

// Adds backup, restore, backups and verify under tierstack's `db` command.
void add_backup_commands(CLI::App& db);
// True when one of them was the parsed command.
bool backup_command_parsed();
// Runs it; topology_file and state_dir are tierstack's --topology and
// --state-dir (empty: defaults). Returns the exit status.
int run_backup_command(const std::string& topology_file, const std::string& state_dir);

// Continuous protection in `tierstack up` (supervisor): a base backup every
// backup_interval (each one `tierstack db backup --scheduled` as a child
// process, which also applies retention, verifies at most every
// verify_interval and writes the metrics); for PostgreSQL pg_receivewal
// streaming WAL from the current primary into <backup dir>/wal, restarted
// when it exits and re-targeted after a failover, and registered as a
// synchronous member (application_name tierstack_backup) with the owner of
// synchronous_standby_names (Supervisor::db_sync_member, pg_cluster.cpp) so
// that every commit the shop acknowledges is in the archive; for SQLite the
// WAL shippers (WalShipper in backup.cpp).
class BackupSchedule {
 public:
  struct Postgres {
    std::string host;
    std::uint16_t port = 0;
    std::string netns;
  };
  struct Hooks {
    // The current primary (a failover changes it); empty: always `pg`.
    std::function<Postgres()> primary;
    // Registers (true) or withdraws (false) a synchronous member by name.
    std::function<void(const std::string&, bool)> sync_member;
  };
  // pg: empty host for SQLite.
  BackupSchedule(const Topology& topo, const std::string& engine, Postgres pg, Hooks hooks = {});
  ~BackupSchedule();  // stops the schedule and pg_receivewal
  BackupSchedule(const BackupSchedule&) = delete;
  BackupSchedule& operator=(const BackupSchedule&) = delete;

  // For `drill lose-db`: stop shipping SQLite WAL (returns when the shippers
  // have let go of the databases), start it again on the restored files, and
  // take a base backup now (a new snapshot for the new WAL generations).
  // Base backups begin (the first one at once) when the topology is ready.
  void start_backups();
  void pause_shipping();
  void resume_shipping();
  void backup_now();

 private:
  struct Impl;
  Impl* impl_;
};

// This program's path, also after a rebuild replaced the file (the
// supervisor runs for days; its scheduled backups run the current binary).
std::filesystem::path tierstack_binary();

// Recovery in place, for `drill lose-db`. SQLite: the newest backup's
// snapshot of the app plus every shipped WAL transaction after it, written
// to `dest` atomically; returns the transactions replayed. PostgreSQL: the
// newest base backup unpacked into `data_dir` (which must not exist), set to
// replay the whole WAL archive and then promote when the server starts.
// Both return the id of the backup used through `used` and throw
// std::runtime_error with the reason.
std::int64_t restore_sqlite_in_place(const std::filesystem::path& backup_root,
                                     const std::string& app, const std::filesystem::path& dest,
                                     std::string& used);
void restore_postgres_in_place(const std::filesystem::path& backup_root,
                               const std::filesystem::path& data_dir, std::string& used);

}  // namespace tierstack
