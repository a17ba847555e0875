#pragma once
// `tierstack up --db postgres` runs two PostgreSQL clusters: a primary and a
// hot standby streaming from it through a replication slot, with synchronous
// replication, so that a commit the shop acknowledged is on both. The apps
// get a multi-host URL (target_session_attrs=read-write) and follow a
// promotion by themselves. The supervisor alone owns
// synchronous_standby_names: FIRST k over the synchronous members streaming
// now (the standby, and pg_receivewal of the WAL archive, which backup
// registers), each dropped after a grace period when it stalls and added
// back when it streams. When the primary's process exits, the supervisor
// promotes the standby, resets the setting there (nobody streams from it
// yet), makes a new standby where the old primary was (pg_basebackup from
// the new primary) and adds the members back as they stream. See
// docs/operations.md, "Database failover".
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace tierstack {

// What the last failover did, for the drill's and status's report.
struct FailoverReport {
  std::string from, to;      // the old primary, the promoted standby
  double promoted = -1;      // seconds from the primary's exit to the promotion
  double standby_back = -1;  // … to a new standby streaming synchronously again
  bool ok = false;
  std::string note;
};

// Guarded by Supervisor::mu_ except where noted.
struct PgHa {
  static constexpr const char* kNodes[2] = {"postgres", "postgres-2"};
  std::atomic<int> primary{0};  // index into kNodes; changes only in a failover
  const char* primary_name() const { return kNodes[primary.load()]; }
  const char* standby_name() const { return kNodes[1 - primary.load()]; }

  bool sync = false;  // the primary waits for the standby at commit

  // The synchronous members (the standby under its node name, pg_receivewal
  // as tierstack_backup): `in` while it is in synchronous_standby_names;
  // away_since: not streaming since (dropped after the grace period).
  struct Member {
    bool in = false;
    std::chrono::steady_clock::time_point away_since{};
  };
  std::map<std::string, Member> members;
  std::set<std::string> extra_members;  // registered by backup.cpp
  std::mutex sync_mu;                   // one writer of the setting at a time (not mu_)
  bool failover_requested = false;
  bool in_failover = false;
  int failovers = 0;
  std::chrono::steady_clock::time_point lost_at{};
  FailoverReport last;
  std::thread::id main_thread;  // the supervisor loop's (it may tick while waiting)
};

// A node's data directory: <state>/<node>/data.
inline std::filesystem::path pg_data_dir(const std::filesystem::path& state,
                                         const std::string& node) {
  return state / node / "data";
}

}  // namespace tierstack
