#pragma once
// Internals of tierstack db backup | restore | backups | verify and the
// backup schedule (backup.hpp), shared by the files that implement them:
//   backup_common.cpp    options, files, checksums, zstd, time, processes,
//                        the source of a backup, manifests
//   backup_sqlite.cpp    SQLite: snapshot backup, shipped WAL replay, in-place restore
//   backup_postgres.cpp  PostgreSQL: base backup, scratch clusters, PITR, in-place restore
//   backup_ops.cpp       backup, verify, restore, list, retention, metrics
//   backup_cli.cpp       the commands
//   backup_schedule.cpp  `tierstack up`'s schedule, pg_receivewal, SQLite WAL shipping
//
// Why the manifest's checksums are taken from the backup itself (the SQLite
// snapshot file; for PostgreSQL, a scratch server started on the base
// backup): the apps keep writing while a backup runs, so the live database
// never equals the backup; only the backup's own content is a fair reference
// for a later restore.
#include "tierstack/db/backup/backup.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "platform/core/log.hpp"
#include "platform/db/connection.hpp"
#include "platform/db/engines.hpp"
#include "tierstack/db/copy/dbcopy.hpp"
#include "tierstack/net/isolated.hpp"
#include "tierstack/os/files.hpp"
#include "tierstack/os/net.hpp"
#include "tierstack/os/process.hpp"
#include "tierstack/topology/topology.hpp"

namespace tierstack::backup_detail {

namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

inline constexpr const char* kToolVersion = "tierstack " TIERSTACK_VERSION;
inline constexpr const char* kSlot = "tierstack_backup";

struct Failure : std::runtime_error {
  Failure(const std::string& m, int s = 1) : std::runtime_error(m), status(s) {}
  int status;
};

struct Options {
  std::string to_dir;                 // backup --to
  bool scheduled = false;             // backup --scheduled
  std::string from, to_url, at, app;  // restore
  std::string wal_dir, bin_dir;       // restore
  bool replace = false;               // restore
  std::string list_dir;               // backups --dir
  std::string verify_what;            // verify BACKUP
};
Options& opts();
extern CLI::App *backup_cmd, *restore_cmd, *list_cmd, *verify_cmd;

// Files (backup_common.cpp).
void fsync_path(const fs::path& p, bool directory = false);
void fsync_tree(const fs::path& dir);
std::uintmax_t tree_size(const fs::path& dir);
std::string sha256_file(const fs::path& p);
void zstd_compress(const fs::path& in, const fs::path& out);
void zstd_decompress(const fs::path& in, const fs::path& out);

// Time.
std::string iso_utc(std::time_t t);
double unix_now();
std::string age_text(double secs);
std::string size_text(std::uintmax_t n);
double parse_at(const std::string& at);
std::string recovery_target(const std::string& at);

// Processes.
// PostgreSQL's own user when tierstack runs as root (os/process.hpp).
inline std::optional<std::pair<uid_t, gid_t>> postgres_user() {
  return system_user("postgres");
}
std::string pg_bindir();
void track(pid_t pid, bool on);
extern "C" void stop_children(int sig);
void run_tool(SpawnOptions o, const std::string& what, std::chrono::seconds timeout);
void test_interrupt(const std::string& point);

// What `db backup` backs up: the running (or last) stack of the topology.
struct Source {
  std::string engine;
  std::map<std::string, std::string> urls;  // app -> URL
  std::string pg_host, pg_netns;
  std::uint16_t pg_port = 0;
};
Source find_source(const Topology& topo);

// Manifests.
struct Backup {
  fs::path dir;
  std::string id, engine;
  double finished = 0;
  json::object manifest;
  bool verified = false;
  double verified_at = 0;
};
json::array sums_json(const std::vector<AppSum>& sums);
std::optional<Backup> load_backup(const fs::path& dir);
std::vector<Backup> list_backups(const fs::path& dir);
std::vector<AppSum> sums_of(const json::object& manifest);
fs::path wal_archive_of(const Backup& b);
bool compare(const std::vector<AppSum>& expected, const std::vector<AppSum>& actual,
             std::int64_t* rows_out = nullptr, std::size_t* tables_out = nullptr);

// SQLite (backup_sqlite.cpp).
inline constexpr std::size_t kWalHeader = 32, kFrameHeader = 24;
std::uint32_t be32(const unsigned char* p);
std::string current_generation(const fs::path& app_dir);
std::int64_t replay_wal(const fs::path& snapshot, const fs::path& app_dir, const std::string& from);
void backup_sqlite(const Source& src, const fs::path& root, const fs::path& tmp,
                   json::object& manifest);

// PostgreSQL (backup_postgres.cpp).

// ------------------------------------------------------------------ scratch PostgreSQL

// A private PostgreSQL server started on a copy of a base backup (with
// point-in-time recovery from a WAL archive when asked), on a free loopback
// port; stopped and removed with the object.
class ScratchCluster {
 public:
  // target: "" none (the backup's own end), "latest" all archived WAL, else a
  // recovery_target_time.
  ScratchCluster(const Backup& b, const fs::path& where, const std::string& target,
                 const fs::path& wal_archive);
  ~ScratchCluster();
  std::string url(const std::string& app) const {
    return "postgresql://tierstack@127.0.0.1:" + std::to_string(port_) + "/" + app;
  }

  // A data file is what the manifest recorded (a damaged or altered backup is
  // refused before anything is restored from it).
  static void check_file(const Backup& b, const std::string& name);
  // base.tar and pg_wal.tar of a backup into a new data directory.
  static void unpack_base_backup(const Backup& b, const fs::path& data, const fs::path& work);
  // Copies a segment from the archive; pg_receivewal names the segment it is
  // still writing <name>.partial.
  static std::string restore_command(const fs::path& wal_archive);

 private:
  // The server's settings for a point-in-time recovery to `target` (none
  // for ""), with recovery.signal written into the data directory.
  std::vector<std::string> recovery_settings(const std::string& target,
                                             const fs::path& wal_archive) const;
  // postgres (from `bindir`) on a free loopback port, with `extra` settings.
  void start_server(const std::string& bindir, const std::vector<std::string>& extra);
  // Until it accepts connections and has left recovery; throws with the
  // reason when it exits or takes more than 300 s.
  void wait_ready(const std::string& target);

  fs::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::optional<std::pair<uid_t, gid_t>> uid_;
};

fs::path scratch_dir(const fs::path& backup_root);
struct ScratchDir {
  fs::path path;
  ~ScratchDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};
std::map<std::string, std::string> materialize(const Backup& b, const fs::path& scratch,
                                               const std::string& target,
                                               const fs::path& wal_archive,
                                               std::unique_ptr<ScratchCluster>& holder);
void backup_postgres(const Source& src, const fs::path& root, const fs::path& tmp,
                     json::object& manifest);

// Operations (backup_ops.cpp).
void write_metrics(const Topology& topo, const std::string& engine, double last_success,
                   double duration);
void apply_retention(const fs::path& root, int keep_last, int keep_days);
fs::path do_backup(const Topology& topo, const fs::path& root);
bool verify_backup(const Backup& b);
Backup resolve_backup(const std::string& what, const fs::path& root, const std::string& at);
int do_restore(const Topology& topo, const Options& o);
int do_list(const fs::path& root);

}  // namespace tierstack::backup_detail
