// `tierstack up`'s continuous protection (BackupSchedule, backup.hpp):
// scheduled base backups, pg_receivewal, SQLite WAL shipping.
#include "tierstack/db/backup/backup_internal.hpp"

namespace tierstack {
namespace backup_detail {

class WalShipper {
 public:
  WalShipper(const fs::path& db, const fs::path& out_dir)
      : db_(db), wal_(db.string() + "-wal"), out_(out_dir) {
    fs::create_directories(out_);
    run_ = std::to_string(std::time(nullptr));
    if (sqlite3_open_v2(db.c_str(), &r_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK ||
        sqlite3_open_v2(db.c_str(), &r2_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK ||
        sqlite3_open_v2(db.c_str(), &w_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
      throw Failure("WAL shipping: cannot open " + db.string());
    sqlite3_busy_timeout(r_, 5000);
    sqlite3_busy_timeout(r2_, 5000);
    sqlite3_busy_timeout(w_, 5000);
    // Only a database in WAL mode (as the apps open theirs): in rollback
    // mode a held read transaction would block every writer.
    {
      sqlite3_stmt* st = nullptr;
      std::string mode;
      if (sqlite3_prepare_v2(r_, "PRAGMA journal_mode", -1, &st, nullptr) == SQLITE_OK &&
          sqlite3_step(st) == SQLITE_ROW)
        mode = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      sqlite3_finalize(st);
      if (mode != "wal") {
        sqlite3_close_v2(r_);
        sqlite3_close_v2(r2_);
        sqlite3_close_v2(w_);
        throw Failure("WAL shipping: " + db.string() + " is not in WAL mode (" + mode + ")");
      }
    }
    // Our connections never checkpoint on their own.
    sqlite3_exec(r_, "PRAGMA wal_autocheckpoint=0", nullptr, nullptr, nullptr);
    sqlite3_exec(r2_, "PRAGMA wal_autocheckpoint=0", nullptr, nullptr, nullptr);
    sqlite3_exec(w_, "PRAGMA wal_autocheckpoint=0", nullptr, nullptr, nullptr);
    // Our writes need no fsync of their own (the apps' commits sync the WAL).
    sqlite3_exec(w_, "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr);
    // One small write of our own, so the WAL has a header (and a generation
    // to name) from the start, before the first backup records it. The
    // table's name has no app prefix: backups' checksums and copies skip it.
    if (sqlite3_exec(w_,
                     "CREATE TABLE IF NOT EXISTS _tierstack_wal_seq (id INTEGER PRIMARY KEY, "
                     "started INTEGER NOT NULL); INSERT OR REPLACE INTO _tierstack_wal_seq "
                     "VALUES (1, unixepoch())",
                     nullptr, nullptr, nullptr) != SQLITE_OK)
      throw Failure(std::string("WAL shipping: ") + sqlite3_errmsg(w_));
    begin_read();
    // From here on the app writers wait at most 200 ms for our lock.
    sqlite3_busy_timeout(w_, 200);
    last_complete_ = next_checkpoint_ = Clock::now();
    ship();
    snapshot_at_most_ = shipped_frames();
  }
  ~WalShipper() {
    // No shipper, no generation to record (see current_generation).
    std::error_code ec;
    fs::remove(out_ / "current", ec);
    if (out_fd_ >= 0) close(out_fd_);
    if (wal_fd_ >= 0) close(wal_fd_);
    sqlite3_exec(r_, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close_v2(r_);
    sqlite3_close_v2(r2_);
    sqlite3_close_v2(w_);
  }

  void tick() {
    ship();
    const auto now = Clock::now();
    if (frames_since_checkpoint_ >= 1000 ||
        (frames_since_checkpoint_ > 0 && now >= next_checkpoint_))
      checkpoint();
    warn_if_behind();
  }

 private:
  void begin_read(sqlite3* c = nullptr) {
    if (!c) c = r_;
    // A deferred transaction takes its read snapshot at the first SELECT.
    if (sqlite3_exec(c, "BEGIN; SELECT COUNT(*) FROM sqlite_master;", nullptr, nullptr, nullptr) !=
        SQLITE_OK)
      throw Failure(std::string("WAL shipping: read transaction: ") + sqlite3_errmsg(c));
  }

  // Frames of the current generation up to the last complete commit, all
  // shipped. Under the write lock: the WAL's committed length itself.
  std::int64_t shipped_frames() const {
    return (pos_ - static_cast<off_t>(kWalHeader)) / static_cast<off_t>(kFrameHeader + page_size_);
  }

  // Our read snapshot moved to the end of the WAL (everything shipped, under
  // the write lock for a moment), so that the unlocked checkpoint can copy
  // all of it. The new snapshot is opened on the second connection before
  // the old one ends: it holds the WAL from the start. It uses the WAL (a
  // read mark other than 0) because it sees frames past the old one, which
  // no checkpoint could pass.
  bool advance_snapshot() {
    if (sqlite3_exec(w_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
      last_problem_ = "the write lock stayed busy";
      return false;
    }
    ship();
    if (const auto end = shipped_frames(); end > snapshot_at_most_) {
      begin_read(r2_);
      sqlite3_exec(r_, "COMMIT", nullptr, nullptr, nullptr);
      std::swap(r_, r2_);
      snapshot_at_most_ = end;
    }
    sqlite3_exec(w_, "COMMIT", nullptr, nullptr, nullptr);
    return true;
  }

  // Every 1,000 frames (or second), in steps that hold the write lock only
  // for moments: the snapshot moved to the end (advance_snapshot), then a
  // PASSIVE checkpoint without any lock of ours, which copies the frames up
  // to that snapshot, all shipped (a checkpoint never passes a reader's
  // snapshot, and the WAL cannot restart while we read), then the locked
  // step for the rest and the WAL's restart. A round that did not complete
  // is tried again 250 ms later.
  void checkpoint() {
    frames_since_checkpoint_ = 0;
    int log = -1, ckpt = -1;
    bool done = false;
    if (advance_snapshot()) {
      const int rc = sqlite3_wal_checkpoint_v2(w_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &ckpt);
      done = rc == SQLITE_OK && log >= 0 && ckpt == log;
      // A WAL of a few frames (ours, after a restart) is left as it is.
      if (done && log < kRestartFrames)
        restarted_ = true;
      else
        done = locked_checkpoint();
    }
    const auto now = Clock::now();
    // Complete but the WAL did not restart (an app reader was in it): the
    // frames keep piling onto the same file, so the next round comes soon.
    next_checkpoint_ = now + (!done         ? std::chrono::milliseconds(250)
                              : !restarted_ ? std::chrono::milliseconds(100)
                                            : std::chrono::milliseconds(1000));
    if (done) {
      if (warned_) {
        std::cerr << now_text() << " WAL shipping: " << db_.string()
                  << ": checkpoints complete again after "
                  << std::chrono::duration_cast<std::chrono::seconds>(now - last_complete_).count()
                  << " s\n";
        warned_ = false;
      }
      last_complete_ = now;
    }
  }

  // The write lock (200 ms at most), the frames that came since, our read
  // snapshot released, a PASSIVE checkpoint of the rest, a new snapshot.
  // Returns whether the checkpoint completed. The WAL restarts at the next
  // write only once no reader uses it: a reader that starts on a fully
  // checkpointed WAL reads the database file alone (SQLite's read mark 0) and
  // would not hold the WAL back. So after a complete checkpoint our new
  // snapshot is taken after a small write of our own (which restarts the
  // WAL when no app reader holds it): every frame an app writes after that
  // stays in the WAL until we have shipped it.
  bool locked_checkpoint() {
    if (sqlite3_exec(w_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
      last_problem_ = "the write lock stayed busy";
      return false;
    }
    ship();  // nothing can be appended now
    sqlite3_exec(r_, "COMMIT", nullptr, nullptr, nullptr);
    int log = -1, ckpt = -1;
    const int rc = sqlite3_wal_checkpoint_v2(r_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &ckpt);
    const bool done = rc == SQLITE_OK && log >= 0 && ckpt == log;
    if (!done) {
      last_problem_ = rc == SQLITE_OK ? "an app reader held an older snapshot"
                                      : std::string("checkpoint: ") + sqlite3_errstr(rc);
      begin_read();
      snapshot_at_most_ = shipped_frames();
      sqlite3_exec(w_, "COMMIT", nullptr, nullptr, nullptr);
      return false;
    }
    sqlite3_exec(w_, "COMMIT", nullptr, nullptr, nullptr);
    // An app writer that comes first restarts the WAL itself (everything
    // is shipped); ours then only appends. Busy: the next round retries.
    const bool wrote = sqlite3_exec(w_, "UPDATE _tierstack_wal_seq SET started = unixepoch()",
                                    nullptr, nullptr, nullptr) == SQLITE_OK;
    begin_read();
    const int seq = seq_;
    ship();  // a restarted WAL has new salts: a new generation
    restarted_ = seq_ != seq;
    snapshot_at_most_ = shipped_frames();
    if (!wrote) last_problem_ = "the write lock stayed busy";
    return wrote;
  }

  // An operator's hint when the WAL is not checkpointed for long: at most
  // one line per 30 s.
  void warn_if_behind() {
    const auto now = Clock::now();
    if (now - last_complete_ < std::chrono::seconds(10) ||
        now - last_warning_ < std::chrono::seconds(30))
      return;
    std::error_code ec;
    const auto size = fs::file_size(wal_, ec);
    char mib[32];
    std::snprintf(mib, sizeof mib, "%.1f", ec ? 0.0 : static_cast<double>(size) / (1 << 20));
    std::cerr << now_text() << " WAL shipping: " << db_.string() << ": no checkpoint completed for "
              << std::chrono::duration_cast<std::chrono::seconds>(now - last_complete_).count()
              << " s (" << wal_.filename().string() << " " << mib << " MiB; last: " << last_problem_
              << ")\n";
    last_warning_ = now;
    warned_ = true;
  }

  void new_generation(const unsigned char* header) {
    if (out_fd_ >= 0) close(out_fd_);
    ++seq_;
    char name[64];
    std::snprintf(name, sizeof name, "%s-%08d.wal", run_.c_str(), seq_);
    out_fd_ = open((out_ / name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out_fd_ < 0) throw Failure("WAL shipping: cannot create " + (out_ / name).string());
    if (write(out_fd_, header, kWalHeader) != static_cast<ssize_t>(kWalHeader))
      throw Failure("WAL shipping: write failed");
    fdatasync(out_fd_);
    fsync_path(out_, true);
    std::memcpy(salts_, header + 16, 8);
    page_size_ = be32(header + 8);
    pos_ = kWalHeader;
    snapshot_at_most_ = 0;
    write_file(out_ / "current",
               run_ + " " + std::to_string(seq_) + " " + std::to_string(getpid()) + "\n");
  }

  void ship() {
    if (wal_fd_ < 0) {
      wal_fd_ = open(wal_.c_str(), O_RDONLY | O_CLOEXEC);
      if (wal_fd_ < 0) return;  // no write since the database was opened
    }
    unsigned char header[kWalHeader];
    if (pread(wal_fd_, header, kWalHeader, 0) != static_cast<ssize_t>(kWalHeader)) return;
    if (out_fd_ < 0 || std::memcmp(header + 16, salts_, 8) != 0) new_generation(header);
    const std::size_t frame = kFrameHeader + page_size_;
    std::vector<unsigned char> buf;
    off_t at = pos_, commit_end = pos_;
    std::vector<unsigned char> fh(kFrameHeader);
    int frames = 0;
    for (;;) {
      if (pread(wal_fd_, fh.data(), kFrameHeader, at) != static_cast<ssize_t>(kFrameHeader)) break;
      if (std::memcmp(fh.data() + 8, salts_, 8) != 0) break;  // left over from an older generation
      at += static_cast<off_t>(frame);
      ++frames;
      if (be32(fh.data() + 4) != 0) commit_end = at;  // a commit frame ends a transaction
    }
    if (commit_end == pos_) return;
    buf.resize(static_cast<std::size_t>(commit_end - pos_));
    if (pread(wal_fd_, buf.data(), buf.size(), pos_) != static_cast<ssize_t>(buf.size())) return;
    if (write(out_fd_, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size()))
      throw Failure("WAL shipping: write failed");
    fdatasync(out_fd_);
    const auto n = static_cast<int>((commit_end - pos_) / static_cast<off_t>(frame));
    frames_ += n;
    frames_since_checkpoint_ += n;
    pos_ = commit_end;
    (void)frames;
  }

  fs::path db_, wal_, out_;
  // r_ holds the read snapshot (r2_ takes over from it), w_ writes.
  sqlite3 *r_ = nullptr, *r2_ = nullptr, *w_ = nullptr;
  static constexpr int kRestartFrames = 64;
  std::int64_t snapshot_at_most_ = 0;  // our snapshot's WAL frames: no more than this
  int wal_fd_ = -1, out_fd_ = -1;
  std::string run_;
  int seq_ = 0;
  unsigned char salts_[8] = {};
  std::uint32_t page_size_ = 4096;
  off_t pos_ = 0;
  std::int64_t frames_ = 0, frames_since_checkpoint_ = 0;
  Clock::time_point next_checkpoint_, last_complete_, last_warning_;
  std::string last_problem_ = "none";
  bool warned_ = false, restarted_ = true;
};

}  // namespace backup_detail

using namespace backup_detail;

// ------------------------------------------------------------------ schedule

struct BackupSchedule::Impl {
  Topology topo;
  std::string engine;
  Postgres pg;
  std::atomic<bool> stop{false};
  std::atomic<bool> paused{false};  // set by the lose-db drill while it replaces the database
  std::atomic<bool> shipping_stopped{false}, backup_asap{false}, backups_on{false};
  std::atomic<bool> shippers_checked{false};
  Hooks hooks;
  bool registered = false;  // as a synchronous member (pg_cluster.cpp owns the setting)

  // pg_receivewal follows the primary: after a failover it is stopped and
  // started again against the new one (the archive continues across the
  // timeline switch, or starts anew with a base backup when it cannot: the
  // "archive restarted" path below).
  bool retarget() {
    if (!hooks.primary) return false;
    const auto cur = hooks.primary();
    if (cur.host.empty() || (cur.host == pg.host && cur.port == pg.port)) return false;
    std::cerr << now_text() << " pg_receivewal: the primary is now " << cur.host << ":" << cur.port
              << " (was " << pg.host << ":" << pg.port << "); following it\n";
    pg = cur;
    return true;
  }
  std::thread thread;
  pid_t receiver = -1, backup = -1;
  std::map<std::string, std::unique_ptr<WalShipper>> shippers;

  // The loop's state (run()).
  fs::path self, logs;
  Clock::time_point next_shipper, next_backup, next_receiver, receiver_started;
  bool slot_made = false, asked = false;
  int quick_exits = 0;

  void run() {
    self = tierstack_binary();
    logs = topo.state_dir / "logs";
    fs::create_directories(topo.backup_dir);
    publish_newest_backup();
    stop_leftover_receiver();
    next_shipper = Clock::now();
    next_backup = Clock::now();  // the first one right away
    next_receiver = Clock::now();
    receiver_started = Clock::now();
    while (!stop) {
      if (!pg.host.empty()) tend_receiver();
      ship_sqlite_wal();
      tend_backup();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    shut_down();
  }

  // What Prometheus sees until the first backup of this run: the newest
  // backup there is (0 when none), so the alert also covers "never".
  void publish_newest_backup() {
    const auto all = list_backups(topo.backup_dir);
    write_metrics(
        topo, engine, all.empty() ? 0.0 : all.front().finished,
        all.empty() ? 0.0 : all.front().manifest.at("duration_seconds").to_number<double>());
  }

  // A pg_receivewal that a killed supervisor left behind.
  void stop_leftover_receiver() {
    if (const pid_t old = static_cast<pid_t>(std::strtol(
            read_file(topo.state_dir / "run" / "pg_receivewal.pid").c_str(), nullptr, 10));
        old > 0 && read_file("/proc/" + std::to_string(old) + "/cmdline").find("pg_receivewal") !=
                       std::string::npos) {
      killpg(old, SIGTERM);
      wait_gone(old, std::chrono::seconds(10));
    }
  }

  // pg_receivewal: restarted whenever it exits (the database restarted,
  // a network blip), one second apart.
  void tend_receiver() {
    int st = 0;
    if (retarget()) {
      if (receiver > 0) kill(receiver, SIGTERM);  // reaped just below
      slot_made = false;                          // the new primary has no slot for it yet
      next_receiver = Clock::now();
    }
    if (receiver > 0 && waitpid(receiver, &st, WNOHANG) == receiver) {
      receiver = -1;
      slot_made = false;  // a restored cluster has no slot: make it again
      next_receiver = Clock::now() + std::chrono::seconds(1);
      quick_exits = Clock::now() - receiver_started < std::chrono::seconds(5) ? quick_exits + 1 : 0;
      restart_archive_if_stuck();
    }
    if (receiver <= 0 && Clock::now() >= next_receiver) {
      try {
        start_receiver();
      } catch (const std::exception& e) {
        std::cerr << now_text() << " pg_receivewal: " << e.what() << "\n";
      }
      next_receiver = Clock::now() + std::chrono::seconds(1);
    }
  }

  // After a recovery (a new timeline) the server may no longer have the
  // segment the archive's end asks for, and pg_receivewal would fail
  // forever. Such an archive is complete up to the recovery: keep it as
  // wal-<time>/ (for restores of older backups, --wal-dir), start a new one
  // from the server's present position, and take a base backup to go with it.
  void restart_archive_if_stuck() {
    const auto log = read_file(logs / "pg_receivewal.log");
    // "requested WAL segment … has already been removed", "requested
    // starting point … is not in this server's history" / "is ahead of
    // the WAL flush position": the server cannot serve where the
    // archive ends.
    const auto removed = log.rfind("ERROR:  requested ");
    const auto restarted = log.rfind("tierstack: archive restarted");
    if (quick_exits < 3 || removed == std::string::npos ||
        (restarted != std::string::npos && removed <= restarted))
      return;
    const auto kept = topo.backup_dir / ("wal-" + std::to_string(std::time(nullptr)));
    std::error_code ec;
    fs::rename(topo.backup_dir / "wal", kept, ec);
    std::cerr << now_text() << " pg_receivewal cannot continue the archive after a "
              << "recovery; kept it as " << kept.string()
              << " and starting a new one with a new base backup\n";
    quick_exits = 0;
    asked = true;
    next_backup = Clock::now() + std::chrono::seconds(2);
    // The log's old lines must not trigger this again.
    std::ofstream(logs / "pg_receivewal.log", std::ios::app)
        << "tierstack: archive restarted in " << (topo.backup_dir / "wal").string() << "\n";
  }

  // The replication slot (made once per primary: it makes the server keep
  // WAL until it is archived), then pg_receivewal into the archive.
  void start_receiver() {
    const auto bin = pg_bindir() + "/pg_receivewal";
    const std::vector<std::string> conn = {"-h", pg.host,    "-p", std::to_string(pg.port),
                                           "-U", "tierstack"};
    if (!slot_made) {
      SpawnOptions s;
      s.argv = {bin, "--create-slot", "--if-not-exists", "-S", kSlot};
      s.argv.insert(s.argv.end(), conn.begin(), conn.end());
      s.netns = pg.netns;
      s.log_file = logs / "pg_receivewal.log";
      slot_made = run_to_end(s, std::chrono::seconds(30)) == 0;
    }
    if (!slot_made) return;
    fs::create_directories(topo.backup_dir / "wal");
    if (read_file(topo.backup_dir / "wal" / "ARCHIVE_ID").empty())
      write_file(topo.backup_dir / "wal" / "ARCHIVE_ID", random_hex(8) + "\n");
    SpawnOptions s;
    // As the postgres user (when tierstack is root), so that the
    // restore_command of a recovering server may read the archive.
    if (auto u = postgres_user()) {
      chown_tree(topo.backup_dir / "wal", u->first, u->second);
      s.uid = u->first;
      s.gid = u->second;
    }
    s.argv = {bin, "-D", (topo.backup_dir / "wal").string(), "-S", kSlot, "--synchronous", "-n"};
    s.argv.insert(s.argv.end(), conn.begin(), conn.end());
    s.netns = pg.netns;
    s.log_file = logs / "pg_receivewal.log";
    s.env["PGAPPNAME"] = "tierstack_backup";
    receiver = spawn(s);
    receiver_started = Clock::now();
    if (!registered && hooks.sync_member) {
      hooks.sync_member("tierstack_backup", true);
      registered = true;
    }
    write_file(topo.state_dir / "run" / "pg_receivewal.pid", std::to_string(receiver) + "\n");
  }

  // SQLite: ship each app's new WAL frames (a shipper that fails is
  // started again a second later, on a new generation).
  // Not before the topology is ready: the migrations create the files
  // and switch them to WAL mode.
  void ship_sqlite_wal() {
    if (engine == "sqlite" && !paused && backups_on) {
      for (const auto& a : topo.apps) {
        const auto db = topo.state_dir / "db" / (a.name + ".db");
        auto& sh = shippers[a.name];
        try {
          if (!sh && Clock::now() >= next_shipper && fs::exists(db))
            sh = std::make_unique<WalShipper>(db, topo.backup_dir / "sqlite-wal" / a.name);
          if (sh) sh->tick();
        } catch (const std::exception& e) {
          std::cerr << now_text() << " WAL shipping for " << a.name << ": " << e.what() << "\n";
          sh.reset();
          next_shipper = Clock::now() + std::chrono::seconds(1);
        }
      }
    }
    if (backups_on) shippers_checked = true;
    if (paused) {
      shippers.clear();
      shipping_stopped = true;
    } else {
      shipping_stopped = false;
    }
  }

  // The scheduled base backup, as a child process.
  void tend_backup() {
    if (backup_asap.exchange(false)) {
      asked = true;
      next_backup = Clock::now();
    }
    if (backup > 0) {
      int st = 0;
      if (waitpid(backup, &st, WNOHANG) == backup) {
        const int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        std::cerr << now_text() << " scheduled backup "
                  << (rc == 0 ? "done" : "FAILED (status " + std::to_string(rc) + ")") << " ("
                  << (logs / "backup.log").string() << ")\n";
        backup = -1;
      }
    }
    if (backup <= 0 && backups_on && (topo.backup_interval > 0 || asked) &&
        Clock::now() >= next_backup) {
      asked = false;
      next_backup = Clock::now() + std::chrono::seconds(topo.backup_interval);
      SpawnOptions s;
      s.argv = {self.string(),           "--topology", topo.file.string(), "--state-dir",
                topo.state_dir.string(), "db",         "backup",           "--scheduled"};
      s.log_file = logs / "backup.log";
      try {
        backup = spawn(s);
      } catch (const std::exception& e) {
        std::cerr << now_text() << " scheduled backup: " << e.what() << "\n";
      }
    }
  }

  void shut_down() {
    shippers.clear();
    // Withdrawn before it stops: a commit must not wait for it.
    if (registered && hooks.sync_member) hooks.sync_member("tierstack_backup", false);
    for (pid_t* p : {&backup, &receiver})
      if (*p > 0) {
        kill(*p, SIGTERM);
        int st = 0;
        const auto deadline = Clock::now() + std::chrono::seconds(20);
        while (waitpid(*p, &st, WNOHANG) != *p) {
          if (Clock::now() > deadline) {
            killpg(*p, SIGKILL);
            waitpid(*p, &st, 0);
            break;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        *p = -1;
      }
  }
};

BackupSchedule::BackupSchedule(const Topology& topo, const std::string& engine, Postgres pg,
                               Hooks hooks)
    : impl_(new Impl{topo, engine, std::move(pg)}) {
  impl_->hooks = std::move(hooks);
  impl_->thread = std::thread([this] { impl_->run(); });
}

void BackupSchedule::pause_shipping() {
  impl_->paused = true;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!impl_->shipping_stopped && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void BackupSchedule::start_backups() {
  impl_->backups_on = true;
  // Return once the WAL shippers run (their first generation named), so
  // that a backup taken right after `up` can record it.
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!impl_->shippers_checked && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

void BackupSchedule::resume_shipping() {
  impl_->paused = false;
}

void BackupSchedule::backup_now() {
  impl_->backup_asap = true;
}

BackupSchedule::~BackupSchedule() {
  impl_->stop = true;
  if (impl_->thread.joinable()) impl_->thread.join();
  delete impl_;
}

}  // namespace tierstack
