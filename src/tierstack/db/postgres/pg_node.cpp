#include "tierstack/db/postgres/pg_node.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

#include "tierstack/db/postgres/pg_cluster.hpp"
#include "tierstack/db/sql_quote.hpp"
#include "tierstack/os/files.hpp"
#include "tierstack/os/net.hpp"
#include "tierstack/render/postgres.hpp"

namespace tierstack {
namespace fs = std::filesystem;

std::unique_ptr<ts::db::Connection> pg_connect(const Component& node, const std::string& db) {
  const auto url = "postgresql://tierstack@" + node.host + ":" + std::to_string(node.port) + "/" +
                   db + "?connect_timeout=2";
  std::unique_ptr<ts::db::Connection> conn;
  // The socket stays in the node's namespace; the connection is used from here.
  in_netns(node.spawn.netns, [&] { conn = ts::db::connect(url); });
  return conn;
}

std::string replication_state(const Component& primary, const std::string& name) {
  try {
    const auto pg = pg_connect(primary);
    // A standby that stopped answering (frozen, its machine unreachable)
    // keeps its connection, and its "streaming" state, until
    // wal_sender_timeout; its replies stop at once (it sends one every
    // second, wal_receiver_status_interval), so it counts as stalled.
    const auto rows = pg->query(
        "SELECT CASE WHEN reply_time < now() - interval '3 seconds' THEN 'stalled' ELSE state "
        "END AS state, sync_state FROM pg_stat_replication WHERE application_name = $1",
        {name});
    if (rows.empty()) return "";
    return rows[0].get<std::string>(0) + "/" + rows[0].get<std::string>(1);
  } catch (const std::exception&) {
    return "";
  }
}

void set_sync(const Component& primary, const std::string& setting) {
  const auto pg = pg_connect(primary);
  // ALTER SYSTEM takes no parameters and refuses the extended protocol's
  // implicit transaction: a script, with the value quoted as a literal.
  if (setting.empty())
    pg->execute_script("ALTER SYSTEM RESET synchronous_standby_names");
  else
    pg->execute_script("ALTER SYSTEM SET synchronous_standby_names = " + quote_literal(setting));
  pg->query("SELECT pg_reload_conf()");
}

bool make_standby(const Component& primary, const Component& sb, const fs::path& state,
                  const fs::path& logs, std::string& why) {
  try {
    const auto pg = pg_connect(primary);
    pg->execute_script(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'replicator') THEN "
        "CREATE ROLE replicator WITH REPLICATION LOGIN; END IF; END $$");
    pg->query(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = "
        "$1",
        {replication_slot(sb.name)});
  } catch (const std::exception& e) {
    why = std::string("preparing the primary: ") + e.what();
    return false;
  }
  const auto node = state / sb.name;
  const auto data = pg_data_dir(state, sb.name);
  std::error_code ec;
  fs::remove_all(data, ec);
  fs::create_directories(node / "run");
  if (sb.spawn.uid) {
    (void)!chown(node.c_str(), *sb.spawn.uid, *sb.spawn.gid);
    (void)!chown((node / "run").c_str(), *sb.spawn.uid, *sb.spawn.gid);
  }
  SpawnOptions o;
  o.argv = {fs::path(sb.spawn.argv[0]).parent_path().string() + "/pg_basebackup",
            "-h",
            primary.host,
            "-p",
            std::to_string(primary.port),
            "-U",
            "replicator",
            "-D",
            data.string(),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "-C",
            "-S",
            replication_slot(sb.name)};
  o.log_file = logs / ("basebackup-" + sb.name + ".log");
  o.uid = sb.spawn.uid;
  o.gid = sb.spawn.gid;
  o.netns = sb.spawn.netns;
  if (const int rc = run_to_end(o, std::chrono::seconds(300)); rc != 0) {
    why =
        "pg_basebackup exited with status " + std::to_string(rc) + " (" + o.log_file.string() + ")";
    return false;
  }
  // The primary's synchronous_standby_names came along; on a standby it would
  // only wait to bite after a promotion.
  strip_auto_conf(data, {"synchronous_standby_names", "primary_conninfo", "primary_slot_name"},
                  render_standby_conf(primary.host, primary.port, sb.name));
  return true;
}

void strip_auto_conf(const fs::path& data, const std::set<std::string>& keys,
                     const std::string& append) {
  const auto file = data / "postgresql.auto.conf";
  if (!fs::exists(file)) return;
  std::istringstream in(read_file(file));
  std::string out;
  for (std::string line; std::getline(in, line);) {
    const auto key = line.substr(0, line.find_first_of(" =\t"));
    if (!keys.count(key)) out += line + "\n";
  }
  out += append;
  struct stat st {};
  const bool have = ::stat(file.c_str(), &st) == 0;
  write_file(file, out, 0600);
  if (have) (void)!chown(file.c_str(), st.st_uid, st.st_gid);
}

}  // namespace tierstack
