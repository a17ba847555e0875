// The PostgreSQL primary + streaming standby of `tierstack up --db postgres`:
// making the standby, keeping synchronous replication on while a standby
// streams, failing over when the primary dies, and the kill-db-primary drill.
#include "tierstack/pg_cluster.hpp"

#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "tierstack/backup.hpp"
#include "tierstack/drill_load.hpp"
#include "tierstack/supervisor.hpp"

namespace tierstack {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// How long the standby may be away before the primary stops waiting for it:
// with synchronous replication every commit waits for the standby, so a
// standby that does not come back would stop every write. After this the
// primary acknowledges commits alone (RPO no longer 0) until one streams
// again. The supervisor restarts a crashed standby well within it.
constexpr auto kStandbyGrace = std::chrono::seconds(5);

// Trailing blanks off; libpq's multi-line messages on one line.
std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string fmt(double s, const char* f = "%.2f s") {
  char buf[32];
  std::snprintf(buf, sizeof buf, f, s);
  return buf;
}

// Physical replication slot names allow [a-z0-9_] only.
std::string slot_of(const std::string& node) {
  std::string s = "tierstack_" + node;
  std::replace(s.begin(), s.end(), '-', '_');
  return s;
}

fs::path data_of(const fs::path& state, const std::string& node) {
  return state / node / "data";
}

// One libpq connection to a node as the tierstack superuser, opened in the
// node's network namespace (with --isolated).
class Pg {
 public:
  explicit Pg(const Component& c, const std::string& db = "postgres") {
    const auto ci = "host=" + c.host + " port=" + std::to_string(c.port) +
                    " user=tierstack connect_timeout=2 dbname=" + db;
    in_netns(c.spawn.netns, [&] { conn_ = PQconnectdb(ci.c_str()); });
  }
  ~Pg() {
    if (conn_) PQfinish(conn_);
  }
  Pg(const Pg&) = delete;
  Pg& operator=(const Pg&) = delete;
  bool ok() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

  // Rows as text; throws with the server's message. Values are always bound.
  std::vector<std::vector<std::string>> query(const std::string& sql,
                                              const std::vector<std::string>& params = {}) {
    if (!ok()) throw std::runtime_error(trim(conn_ ? PQerrorMessage(conn_) : "out of memory"));
    std::vector<const char*> v;
    for (auto& p : params) v.push_back(p.c_str());
    // Without parameters through the simple protocol: ALTER SYSTEM refuses
    // to run inside the extended protocol's implicit transaction.
    PGresult* r = params.empty() ? PQexec(conn_, sql.c_str())
                                 : PQexecParams(conn_, sql.c_str(), static_cast<int>(v.size()),
                                                nullptr, v.data(), nullptr, nullptr, 0);
    const auto st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      const std::string msg = trim(PQresultErrorMessage(r));
      PQclear(r);
      throw std::runtime_error(msg.empty() ? trim(PQerrorMessage(conn_)) : msg);
    }
    std::vector<std::vector<std::string>> rows;
    for (int i = 0; i < PQntuples(r); ++i) {
      rows.emplace_back();
      for (int j = 0; j < PQnfields(r); ++j)
        rows.back().push_back(PQgetisnull(r, i, j) ? "" : PQgetvalue(r, i, j));
    }
    PQclear(r);
    return rows;
  }
  std::string value(const std::string& sql, const std::vector<std::string>& params = {}) {
    auto rows = query(sql, params);
    return rows.empty() || rows[0].empty() ? "" : rows[0][0];
  }

 private:
  PGconn* conn_ = nullptr;
};

// Removes settings from a data directory's postgresql.auto.conf (written by
// ALTER SYSTEM and pg_basebackup -R), atomically; keeps its owner.
void strip_auto_conf(const fs::path& data, const std::set<std::string>& keys,
                     const std::string& append = "") {
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

// Whether `name` streams from the primary, and how (sync_state).
std::string replication_state(const Component& primary, const std::string& name) {
  try {
    Pg pg(primary);
    // A standby that stopped answering (frozen, its machine unreachable)
    // keeps its connection, and its "streaming" state, until
    // wal_sender_timeout; its replies stop at once (it sends one every
    // second, wal_receiver_status_interval below), so it counts as stalled.
    auto rows = pg.query(
        "SELECT CASE WHEN reply_time < now() - interval '3 seconds' THEN 'stalled' ELSE state "
        "END, sync_state FROM pg_stat_replication WHERE application_name = $1",
        {name});
    if (rows.empty()) return "";
    return rows[0][0] + "/" + rows[0][1];
  } catch (const std::exception&) {
    return "";
  }
}

// synchronous_standby_names on the primary: `setting` ("" resets it: off).
void set_sync(const Component& primary, const std::string& setting) {
  Pg pg(primary);
  if (setting.empty())
    pg.query("ALTER SYSTEM RESET synchronous_standby_names");
  else
    // The names are ours ([a-z0-9_-]), quoted as the setting's own syntax wants.
    pg.query("ALTER SYSTEM SET synchronous_standby_names = '" + setting + "'");
  pg.query("SELECT pg_reload_conf()");
}

// "FIRST k ("a", "b")": a commit waits for every member listed.
std::string sync_setting_of(const std::vector<std::string>& names) {
  if (names.empty()) return "";
  std::string s = "FIRST " + std::to_string(names.size()) + " (";
  for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", \"" : "\"") + names[i] + "\"";
  return s + ")";
}

// A fresh standby of `primary` in `sb`'s data directory: the old one is
// removed, pg_basebackup copies the primary through a new replication slot
// and writes standby.signal (-R); the connection settings name the standby
// (application_name, what synchronous_standby_names matches).
bool make_standby(const Component& primary, const Component& sb, const fs::path& state,
                  const fs::path& logs, std::string& why) {
  try {
    Pg pg(primary);
    pg.query(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'replicator') THEN "
        "CREATE ROLE replicator WITH REPLICATION LOGIN; END IF; END $$");
    pg.query(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = "
        "$1",
        {slot_of(sb.name)});
  } catch (const std::exception& e) {
    why = std::string("preparing the primary: ") + e.what();
    return false;
  }
  const auto node = state / sb.name;
  const auto data = data_of(state, sb.name);
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
            slot_of(sb.name)};
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
                  "primary_conninfo = 'host=" + primary.host +
                      " port=" + std::to_string(primary.port) +
                      " user=replicator application_name=" + sb.name + "'\n" +
                      "primary_slot_name = '" + slot_of(sb.name) + "'\n");
  return true;
}

}  // namespace

void Supervisor::add_db_standby(std::uint16_t port) {
  Component* primary = find(PgHa::kNodes[0]);
  auto c = std::make_unique<Component>(*primary);
  c->name = PgHa::kNodes[1];
  c->port = port;
  auto& argv = c->spawn.argv;
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "-D") argv[i + 1] = data_of(state_, c->name).string();
    if (argv[i] == "-p") argv[i + 1] = std::to_string(port);
    if (argv[i] == "-k") argv[i + 1] = (state_ / c->name / "run").string();
  }
  // Either node may be the primary: both run with the same settings
  // (wal_log_hints keeps pg_rewind possible for an operator).
  for (auto* n : {primary, c.get()})
    n->spawn.argv.insert(n->spawn.argv.end(),
                         {"-c", "wal_level=replica", "-c", "hot_standby=on", "-c",
                          "max_wal_senders=10", "-c", "max_replication_slots=10", "-c",
                          "wal_log_hints=on", "-c", "wal_receiver_status_interval=1s"});
  ha_ = std::make_unique<PgHa>();
  // Which one was the primary when the last run ended (a failover changes it).
  if (trim(read_file(state_ / "postgres" / "primary")) == PgHa::kNodes[1]) ha_->primary = 1;
  // A primary starts without waiting for a standby: that is switched on once
  // one streams (otherwise the first commit would wait for nobody, forever).
  for (const auto* n : PgHa::kNodes)
    strip_auto_conf(data_of(state_, n), {"synchronous_standby_names"});
  for (auto& [app, url] : db_urls_)
    url = "postgresql://tierstack@" + primary->host + ":" + std::to_string(primary->port) + "," +
          c->host + ":" + std::to_string(port) + "/" + app + "?target_session_attrs=read-write";
  start_order_.insert(std::find(start_order_.begin(), start_order_.end(), primary->name) + 1,
                      c->name);
  comps_.push_back(std::move(c));
}

Component* Supervisor::db_primary() {
  return find(ha_ ? ha_->primary_name() : "postgres");
}

bool Supervisor::db_wait(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (pred()) return true;  // without mu_: it may query PostgreSQL
    if (Clock::now() > deadline || stopping_) return false;
    // During start-up this is the supervisor loop itself: keep it turning.
    if (std::this_thread::get_id() == ha_->main_thread)
      tick(std::chrono::milliseconds(50));
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void Supervisor::start_db_standby() {
  if (!ha_) return;
  ha_->main_thread = std::this_thread::get_id();
  Component* pri = db_primary();
  Component* sb = find(ha_->standby_name());
  const auto t0 = Clock::now();
  // Always a fresh copy: whatever the standby's directory holds may be a
  // former primary's, ahead of or diverged from the current one.
  std::string why;
  if (!make_standby(*pri, *sb, state_, logs_, why)) throw std::runtime_error("standby: " + why);
  {
    std::lock_guard lk(mu_);
    start(*sb);
  }
  if (!db_wait(
          [&] {
            std::lock_guard lk(mu_);
            return sb->ready;
          },
          std::chrono::seconds(60)))
    throw std::runtime_error(sb->name + " (standby) did not start; see " +
                             sb->spawn.log_file.string());
  if (!db_wait([&] { return replication_state(*pri, sb->name).rfind("streaming", 0) == 0; },
               std::chrono::seconds(30)))
    throw std::runtime_error(sb->name + " does not stream from " + pri->name + "; see " +
                             sb->spawn.log_file.string());
  db_sync_update();
  std::cerr << now_text() << " " << sb->name << ": hot standby of " << pri->name
            << " streaming, synchronous replication on (" << fmt(seconds_since(t0)) << ")\n";
}

bool Supervisor::db_primary_lost_locked(Component& c) {
  if (!ha_ || c.name != ha_->primary_name() || ha_->failover_requested || ha_->in_failover)
    return false;
  Component* sb = find(ha_->standby_name());
  // Promote only a standby that has every acknowledged commit: one that
  // streamed synchronously. Otherwise the primary's own crash recovery is the
  // safer way back (a restart, as for any other component).
  if (!ha_->sync || sb->pid <= 0 || !sb->ready) {
    std::cerr << now_text() << " " << c.name
              << " (primary) exited; no synchronous standby to take over: restarting it\n";
    return false;
  }
  c.hold = true;  // never restarted as a second primary
  c.restart_pending = false;
  ha_->failover_requested = true;
  ha_->lost_at = Clock::now();
  std::cerr << now_text() << " " << c.name << " (primary) exited (status " << c.last_exit
            << "): failing over to " << sb->name << "\n";
  return true;
}

void Supervisor::db_failover() {
  Clock::time_point lost;
  {
    std::lock_guard lk(mu_);
    ha_->failover_requested = false;
    ha_->in_failover = true;
    ha_->sync = false;
    lost = ha_->lost_at;
  }
  Component* old = find(ha_->primary_name());
  Component* nw = find(ha_->standby_name());
  FailoverReport rep;
  rep.from = old->name;
  rep.to = nw->name;
  auto log = [](const std::string& l) { std::cerr << now_text() << " " << l << "\n"; };
  auto finish = [&] {
    std::lock_guard lk(mu_);
    ha_->in_failover = false;
    ++ha_->failovers;
    ha_->last = rep;
  };

  // 1. Promote. pg_promote waits until the standby accepts writes.
  std::string err;
  try {
    Pg pg(*nw);
    // false: not promoted within 30 s. It may still finish; ask once more
    // rather than restart the old primary beside a second one.
    if (pg.value("SELECT pg_promote(true, 30)") != "t" &&
        pg.value("SELECT pg_is_in_recovery()") != "f")
      err = "pg_promote returned false";
  } catch (const std::exception& e) {
    err = e.what();
  }
  if (!err.empty()) {
    rep.note = "promotion of " + nw->name + " failed (" + err + "); restarting " + old->name;
    log(rep.note);
    {
      std::lock_guard lk(mu_);
      old->hold = false;
      old->restart_pending = true;
      old->restart_at = Clock::now();
    }
    finish();
    return;
  }
  ha_->primary = 1 - ha_->primary.load();
  rep.promoted = seconds_since(lost);
  try {
    write_file(state_ / "postgres" / "primary", std::string(nw->name) + "\n");
  } catch (const std::exception& e) {
    log(std::string("cannot record the new primary: ") + e.what());
  }
  log(nw->name + " promoted to primary " + fmt(rep.promoted) + " after " + old->name +
      " exited; synchronous replication off until a new standby streams");
  // Nobody streams from the promoted node yet: it waits for nobody until
  // its members (the new standby, pg_receivewal re-targeted by the backup
  // schedule) stream from it and db_sync_update adds them again.
  {
    std::lock_guard sl(ha_->sync_mu);
    {
      std::lock_guard lk(mu_);
      for (auto& [name, m] : ha_->members) m = {};
    }
    try {
      set_sync(*nw, "");
    } catch (const std::exception& e) {
      log(std::string("resetting synchronous_standby_names: ") + e.what());
    }
  }

  // 2. A new standby where the old primary was, copied from the new primary.
  std::string why;
  if (!make_standby(*nw, *old, state_, logs_, why)) {
    rep.note = "no new standby: " + why;
    log(rep.note);
    finish();
    return;
  }
  {
    std::lock_guard lk(mu_);
    old->hold = false;
    old->failures_in_row = 0;
    start(*old);
    ++old->restarts;
  }
  if (!db_wait([&] { return replication_state(*nw, old->name).rfind("streaming", 0) == 0; },
               std::chrono::seconds(60))) {
    rep.note = old->name + " (new standby) does not stream; see " + old->spawn.log_file.string();
    log(rep.note);
    finish();
    return;
  }
  db_sync_update();
  {
    std::lock_guard lk(mu_);
    if (!ha_->sync) {
      rep.note = "synchronous replication could not be turned back on (see the log)";
      log(rep.note);
      ha_->in_failover = false;
    }
  }
  if (!rep.note.empty()) {
    finish();
    return;
  }
  rep.standby_back = seconds_since(lost);
  rep.ok = true;
  log(old->name + ": new hot standby of " + nw->name +
      " streaming, synchronous replication on again, " + fmt(rep.standby_back) +
      " after the primary exited");
  finish();
}

void Supervisor::db_sync_member(const std::string& name, bool on) {
  if (!ha_) return;
  {
    std::lock_guard lk(mu_);
    if (on) {
      ha_->extra_members.insert(name);
      return;  // added by the monitor once it streams
    }
    ha_->extra_members.erase(name);
    ha_->members.erase(name);
  }
  // Leaving: at once, or every commit would wait for it until the grace ends.
  db_sync_update();
}

void Supervisor::db_sync_update() {
  if (!ha_) return;
  std::lock_guard sl(ha_->sync_mu);
  Component* pri = db_primary();
  std::vector<std::string> names;
  {
    std::lock_guard lk(mu_);
    if (pri->pid <= 0 || !pri->ready || pri->hold) return;  // restarting, or an operation has it
    names.push_back(ha_->standby_name());
    names.insert(names.end(), ha_->extra_members.begin(), ha_->extra_members.end());
  }
  // The primary's own setting, not what tierstack last did: a restarted
  // primary comes back with whatever its postgresql.auto.conf says.
  std::string setting;
  std::map<std::string, std::string> state;  // application_name -> streaming/stalled/…
  try {
    Pg pg(*pri);
    setting = pg.value("SELECT current_setting('synchronous_standby_names')");
    // A member that stopped answering (frozen, its machine unreachable)
    // keeps its connection, and its "streaming" state, until
    // wal_sender_timeout; its replies stop at once (a standby sends one every
    // second, wal_receiver_status_interval; pg_receivewal --synchronous on
    // every flush and every 10 s), so it counts as stalled.
    for (auto& r :
         pg.query("SELECT application_name, CASE WHEN reply_time < now() - interval '11 seconds' "
                  "OR (application_name <> 'tierstack_backup' AND reply_time < now() - interval '3 "
                  "seconds') THEN 'stalled' ELSE state END FROM pg_stat_replication"))
      state[r[0]] = r[1];
  } catch (const std::exception&) {
    return;  // not answering: the supervisor's readiness checks deal with that
  }
  std::vector<std::string> in, dropped, added;
  {
    std::lock_guard lk(mu_);
    const auto now = Clock::now();
    for (const auto& n : names) {
      auto& m = ha_->members[n];
      const bool streaming = state[n].rfind("streaming", 0) == 0;
      if (streaming) {
        m.away_since = {};
        if (!m.in) added.push_back(n);
        m.in = true;
      } else if (m.in) {
        if (m.away_since == Clock::time_point{}) m.away_since = now;
        if (now - m.away_since > kStandbyGrace) {
          m.in = false;
          dropped.push_back(n);
        }
      }
      if (m.in) in.push_back(n);
    }
  }
  const auto want = sync_setting_of(in);
  if (want != setting) {
    try {
      set_sync(*pri, want);
    } catch (const std::exception& e) {
      std::cerr << now_text() << " synchronous replication: " << e.what() << "\n";
      return;
    }
    for (const auto& n : added)
      std::cerr << now_text() << " " << n << " streams from " << pri->name
                << ": a synchronous member again\n";
    for (const auto& n : dropped)
      std::cerr << now_text() << " " << n << " not streaming for " << kStandbyGrace.count()
                << " s: no longer waited for at commit (an acknowledged commit may now lack it)\n";
    std::cerr << now_text() << " " << pri->name << ": synchronous_standby_names = '" << want << "'"
              << (want.empty() ? " (commits acknowledged by the primary alone)" : "") << "\n";
  }
  std::lock_guard lk(mu_);
  ha_->sync = ha_->members[names.front()].in;
}

void Supervisor::db_monitor_loop() {
  if (!ha_) return;
  auto next = Clock::now();
  while (!stopping_) {
    bool failover;
    {
      std::lock_guard lk(mu_);
      failover = ha_->failover_requested;
    }
    if (failover) {
      db_failover();
      continue;
    }
    if (Clock::now() >= next) {
      db_sync_update();
      next = Clock::now() + std::chrono::seconds(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string Supervisor::db_lose_and_restore(const Out& out, std::string& used) {
  if (!ha_) return "no PostgreSQL pair";
  Component* pri = db_primary();
  Component* sb = find(ha_->standby_name());
  // Both nodes: destroying only the primary would be a failover.
  {
    std::lock_guard lk(mu_);
    for (Component* c : {pri, sb}) {
      c->hold = true;  // no restart, no failover
      c->restart_pending = false;
      if (c->pid > 0) {
        const auto children = children_of(c->pid);
        killpg(c->pid, SIGKILL);
        for (pid_t k : children) kill(k, SIGKILL);
      }
    }
    ha_->sync = false;
    for (auto& [name, m] : ha_->members) m = {};
  }
  wait_until([&] { return pri->pid <= 0 && sb->pid <= 0; }, std::chrono::seconds(10));
  for (Component* c : {pri, sb}) {
    std::error_code ec;
    fs::remove_all(data_of(state_, c->name), ec);
    if (ec) return "cannot delete " + data_of(state_, c->name).string() + ": " + ec.message();
  }
  out("drill: PostgreSQL " + pri->name + " (primary) and " + sb->name +
      " (standby) killed (SIGKILL) and both data directories deleted");
  const auto t0 = Clock::now();
  const auto data = data_of(state_, pri->name);
  try {
    restore_postgres_in_place(topo_.backup_dir, data, used);
    // What the backed-up node's own settings said about replication does not
    // hold now: nobody streams from the restored primary yet.
    strip_auto_conf(data, {"synchronous_standby_names", "primary_conninfo", "primary_slot_name"});
  } catch (const std::exception& e) {
    return std::string("the restore failed: ") + e.what();
  }
  {
    std::lock_guard lk(mu_);
    pri->hold = false;
    pri->failures_in_row = 0;
    start(*pri);
  }
  // Ready (it answers during recovery already), then promoted at the end of
  // the archive.
  const bool promoted = db_wait(
      [&] {
        {
          std::lock_guard lk(mu_);
          if (!pri->ready) return false;
        }
        try {
          Pg pg(*pri);
          return pg.value("SELECT pg_is_in_recovery()") == "f";
        } catch (const std::exception&) {
          return false;
        }
      },
      std::chrono::seconds(300));
  if (!promoted) return pri->name + " did not finish recovery; see " + pri->spawn.log_file.string();
  out("drill: " + pri->name + " recovered from backup " + used +
      " and the WAL archive, promoted and ready in " + fmt(seconds_since(t0), "%.1f s"));
  // A new standby copied from it, synchronous again once it streams.
  std::string why;
  if (!make_standby(*pri, *sb, state_, logs_, why)) return "no new standby: " + why;
  {
    std::lock_guard lk(mu_);
    sb->hold = false;
    sb->failures_in_row = 0;
    start(*sb);
  }
  if (!db_wait([&] { return replication_state(*pri, sb->name).rfind("streaming", 0) == 0; },
               std::chrono::seconds(60)))
    return sb->name + " (new standby) does not stream; see " + sb->spawn.log_file.string();
  db_sync_update();
  out("drill: " + sb->name + " rebuilt as the standby of " + pri->name + ", streaming " +
      fmt(seconds_since(t0), "%.1f s") + " after the restore began");
  return "";
}

std::string Supervisor::db_roles() {
  if (!ha_) return "";
  Component* pri = db_primary();
  Component* sb = find(ha_->standby_name());
  std::map<std::string, std::vector<std::string>> repl;
  try {
    Pg pg(*pri);
    for (auto& r :
         pg.query("SELECT application_name, state, sync_state, "
                  "COALESCE(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0)::bigint, "
                  "COALESCE(EXTRACT(EPOCH FROM replay_lag), 0) FROM pg_stat_replication"))
      repl[r[0]] = r;
  } catch (const std::exception&) {
  }
  std::ostringstream s;
  char line[200];
  std::snprintf(line, sizeof line, "%-14s %-8s %-6s %-10s %-6s %s\n", "DATABASE", "ROLE", "PORT",
                "STATE", "SYNC", "LAG");
  s << line;
  std::lock_guard lk(mu_);
  std::snprintf(line, sizeof line, "%-14s %-8s %-6d %-10s %-6s %s\n", pri->name.c_str(), "primary",
                pri->port, pri->pid > 0 ? (pri->ready ? "up" : "starting") : "down",
                ha_->in_failover ? "-" : (ha_->sync ? "on" : "off"), "-");
  s << line;
  std::string state = sb->pid > 0 ? (sb->ready ? "connecting" : "starting") : "down", sync = "-",
              lag = "-";
  if (auto it = repl.find(sb->name); it != repl.end()) {
    state = it->second[1];
    sync = it->second[2];
    lag = it->second[3] + " B, " + fmt(std::atof(it->second[4].c_str()), "%.3f s");
  }
  std::snprintf(line, sizeof line, "%-14s %-8s %-6d %-10s %-6s %s\n", sb->name.c_str(), "standby",
                sb->port, state.c_str(), sync.c_str(), lag.c_str());
  s << line;
  if (ha_->in_failover) s << "failover in progress\n";
  if (ha_->failovers > 0) {
    const auto& r = ha_->last;
    s << "failovers: " << ha_->failovers << "; last: " << r.from << " -> " << r.to
      << ", promoted after " << (r.promoted >= 0 ? fmt(r.promoted) : "(never)")
      << ", new standby synchronous after "
      << (r.standby_back >= 0 ? fmt(r.standby_back) : "(not yet)")
      << (r.note.empty() ? "" : " — " + r.note) << "\n";
  }
  return s.str();
}

int Supervisor::op_kill_db_primary(const std::map<std::string, std::string>& args, const Out& out) {
  if (!ha_) {
    out("kill-db-primary needs PostgreSQL with a standby: tierstack up --db postgres");
    return 2;
  }
  int customers = 4;
  if (auto it = args.find("customers"); it != args.end() && !it->second.empty()) {
    try {
      customers = std::stoi(it->second);
    } catch (...) {
      customers = 0;
    }
    if (customers < 1 || customers > 64) {
      out("--customers wants a number from 1 to 64, got '" + it->second + "'");
      return 2;
    }
  }
  Component* lb = find("lb");
  if (!lb || !lb->app_ports.count("shop")) {
    out("kill-db-primary places orders with the shop, which is not in this topology");
    return 2;
  }
  Component* pri = db_primary();
  Component* sb = find(ha_->standby_name());
  int failovers_before = 0;
  {
    std::lock_guard lk(mu_);
    failovers_before = ha_->failovers;
    if (ha_->in_failover || ha_->failover_requested || !ha_->sync || pri->pid <= 0 ||
        sb->pid <= 0 || !sb->ready) {
      out("drill: no synchronous standby is streaming now (see tierstack status); not killing "
          "the only copy of the data");
      return 1;
    }
  }
  const auto tag = std::to_string(std::time(nullptr)) + "_" + std::to_string(getpid());
  CheckoutLoad load(lb->host, lb->app_ports.at("shop"), customers, tag);
  if (const auto why = load.prepare(); !why.empty()) {
    out("drill: cannot start the checkout load: " + why);
    return 1;
  }
  load.start();
  out("drill: " + std::to_string(customers) + " customers checking out through the load balancer");
  const auto warm = Clock::now() + std::chrono::seconds(20);
  while (load.acknowledged_count() < 4 * customers && Clock::now() < warm)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));

  pid_t pid;
  {
    std::lock_guard lk(mu_);
    pid = pri->pid;
  }
  const int acked_before = load.acknowledged_count();
  const auto t_kill = Clock::now();
  // The whole "host": the postmaster and every process it started (its
  // backends, WAL sender, checkpointer each run in a session of their own,
  // so its process group is not enough).
  const auto children = children_of(pid);
  killpg(pid, SIGKILL);
  for (pid_t k : children) kill(k, SIGKILL);
  out("drill: " + pri->name + " (primary, pid " + std::to_string(pid) + ") killed with SIGKILL; " +
      std::to_string(acked_before) + " orders acknowledged so far");

  const bool done =
      wait_until([&] { return ha_->failovers > failovers_before && !ha_->in_failover; },
                 std::chrono::seconds(120));
  FailoverReport rep;
  {
    std::lock_guard lk(mu_);
    rep = ha_->last;
  }
  // Orders keep coming for a moment with the new standby in place.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  load.stop();
  if (!done)
    out("drill: no failover within 120 s");
  else
    out("drill: " + rep.to + " promoted " + fmt(rep.promoted) + " after the kill; " + rep.from +
        " rebuilt as its standby, synchronous again after " +
        (rep.standby_back >= 0 ? fmt(rep.standby_back) : "(never)") +
        (rep.note.empty() ? "" : " — " + rep.note));

  // The orders in the database (the primary now) against what the shop acknowledged.
  Component* now_pri = db_primary();
  std::map<std::string, std::pair<long, std::int64_t>> stored;  // key -> (count, min id)
  std::string repl;
  std::string db_error;
  try {
    Pg pg(*now_pri, "shop");
    std::string ids = "{";
    for (auto id : load.user_ids()) ids += (ids.size() > 1 ? "," : "") + std::to_string(id);
    ids += "}";
    for (auto& r :
         pg.query("SELECT COALESCE(idempotency_key, ''), COUNT(*), MIN(id) FROM shop_orders WHERE "
                  "user_id = ANY($1::bigint[]) GROUP BY idempotency_key",
                  {ids}))
      stored[r[0]] = {std::atol(r[1].c_str()), std::atoll(r[2].c_str())};
    repl = replication_state(*now_pri, ha_->standby_name());
  } catch (const std::exception& e) {
    db_error = e.what();
  }
  const auto acks = load.acknowledged();
  const auto counted = count_orders(acks, stored);
  int lost = counted.lost;
  const int duplicated = counted.duplicated, unacknowledged = counted.unacknowledged;
  if (!db_error.empty()) {
    out("drill: cannot read the orders from " + now_pri->name + ": " + db_error);
    lost = static_cast<int>(acks.size());
  }
  out("drill: " + std::to_string(load.retries()) + " checkout retries, " +
      std::to_string(load.abandoned()) + " checkouts abandoned by their client, " +
      std::to_string(unacknowledged) + " orders stored that the client was never told about");
  out("drill: " + std::string(ha_->standby_name()) + " " +
      (repl.empty() ? "is NOT streaming" : "streams from " + now_pri->name + " (" + repl + ")"));
  const double unavailable = load.unavailable_after(t_kill);
  out("drill kill-db-primary: " + std::to_string(acks.size()) + " orders acknowledged, " +
      std::to_string(lost) + " lost, " + std::to_string(duplicated) + " duplicated, unavailable " +
      // No order at all after the kill: unavailable for the rest of the drill.
      fmt(unavailable >= 0 ? unavailable : seconds_since(t_kill), "%.1f s"));
  const bool ok = done && rep.ok && lost == 0 && duplicated == 0 && unavailable >= 0 &&
                  repl.rfind("streaming/sync", 0) == 0;
  return ok ? 0 : 1;
}

}  // namespace tierstack
