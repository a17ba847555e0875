// SQLite backups: the snapshot (online backup API), replay of shipped WAL.
#include "tierstack/db/backup/backup_internal.hpp"

namespace tierstack {
namespace backup_detail {

// ------------------------------------------------------------------ SQLite WAL shipping

// Litestream's technique. The shipper keeps a read transaction open on the
// database at all times: while it is open SQLite can neither checkpoint past
// it nor restart the WAL, so the -wal file only grows and every frame stays
// where it is until copied. Every tick it appends the new frames, up to the
// last complete commit, to <wal dir>/<app>/<run>-<seq>.wal and fsyncs. Now
// and then it checkpoints itself: it takes the write lock (the apps' writers
// wait a few milliseconds), copies what is left, lets go of its read
// transaction, runs a passive checkpoint, opens a new read transaction and
// releases the write lock; the next write restarts the WAL with new salts,
// which the next tick notices and starts a new file (seq + 1) for.
//
// A restore takes a snapshot and replays, in order, every file of the
// generation that was current when the snapshot began and the ones after it:
// each generation starts at a checkpoint, so its frames, applied in order on
// top of any later state, bring every page they touch to its newest version.

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         std::uint32_t(p[3]);
}

// "<run> <seq>" of the generation a running shipper is writing for an app
// ("" if none runs: frames of an earlier run must never be replayed onto a
// newer snapshot). The file holds "<run> <seq> <pid of the shipper>".
std::string current_generation(const fs::path& app_dir) {
  std::istringstream in(read_file(app_dir / "current"));
  std::string run;
  int seq = 0;
  pid_t pid = 0;
  if (!(in >> run >> seq >> pid) || !alive(pid)) return "";
  return run + " " + std::to_string(seq);
}

// Applies the shipped frames of an app, from generation `from` ("<run>
// <seq>") on, to a snapshot file; returns the transactions applied.
std::int64_t replay_wal(const fs::path& snapshot, const fs::path& app_dir,
                        const std::string& from) {
  std::istringstream in(from);
  std::string run;
  int seq = 0;
  in >> run >> seq;
  if (run.empty() || seq <= 0) return 0;
  const int fd = open(snapshot.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) throw Failure("cannot open " + snapshot.string());
  std::int64_t commits = 0;
  std::uint32_t db_pages = 0, page_size = 0;
  for (;; ++seq) {
    char name[64];
    std::snprintf(name, sizeof name, "%s-%08d.wal", run.c_str(), seq);
    const auto file = app_dir / name;
    if (!fs::exists(file)) break;
    const auto data = read_file(file);
    if (data.size() < kWalHeader) break;
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    page_size = be32(p + 8);
    const std::size_t frame = kFrameHeader + page_size;
    // Frames are written to the snapshot a whole transaction at a time.
    std::vector<std::pair<std::uint32_t, std::size_t>> pending;
    for (std::size_t at = kWalHeader; at + frame <= data.size(); at += frame) {
      if (std::memcmp(p + at + 8, p + 16, 8) != 0) break;
      pending.emplace_back(be32(p + at), at + kFrameHeader);
      const std::uint32_t commit = be32(p + at + 4);
      if (commit == 0) continue;
      for (const auto& [pgno, off] : pending)
        if (pwrite(fd, p + off, page_size, static_cast<off_t>(pgno - 1) * page_size) !=
            static_cast<ssize_t>(page_size))
          throw Failure("writing " + snapshot.string() + " failed");
      pending.clear();
      db_pages = commit;
      ++commits;
    }
  }
  if (commits > 0 && ftruncate(fd, static_cast<off_t>(db_pages) * page_size) != 0)
    throw Failure("truncating " + snapshot.string() + " failed");
  fsync(fd);
  close(fd);
  return commits;
}

// ------------------------------------------------------------------ backup

void backup_sqlite(const Source& src, const fs::path& root, const fs::path& tmp,
                   json::object& manifest) {
  std::vector<AppSum> sums;
  json::array files;
  json::object wal;
  for (const auto& [app, url] : src.urls) {
    const auto path = ts::db::detail::sqlite_path_from_url(url);
    // The shipped WAL generation current before the snapshot: a restore
    // replays from there (read first, so the snapshot is not older than it).
    if (const auto g = current_generation(root / "sqlite-wal" / app); !g.empty()) wal[app] = g;
    const auto snap = tmp / (app + ".db");
    sqlite3 *from = nullptr, *to = nullptr;
    auto done = [&] {
      if (from) sqlite3_close_v2(from);
      if (to) sqlite3_close_v2(to);
    };
    if (sqlite3_open_v2(path.c_str(), &from, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK ||
        sqlite3_open_v2(snap.c_str(), &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
            SQLITE_OK) {
      const std::string err = from ? sqlite3_errmsg(from) : "out of memory";
      done();
      throw Failure("cannot open " + path + (": " + err));
    }
    sqlite3_busy_timeout(from, 5000);
    // The online backup API copies every page inside one read transaction
    // (-1: all at once), so the copy is one committed state of the database
    // while the apps go on writing to the WAL.
    sqlite3_backup* b = sqlite3_backup_init(to, "main", from, "main");
    int rc = SQLITE_OK;
    if (b) {
      const auto deadline = Clock::now() + std::chrono::seconds(60);
      while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        if (Clock::now() > deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      sqlite3_backup_finish(b);
    }
    if (!b || rc != SQLITE_DONE) {
      const std::string err = sqlite3_errmsg(to);
      done();
      throw Failure("SQLite online backup of " + path + (" failed: " + err));
    }
    // One self-contained file (no -wal beside it).
    sqlite3_exec(to, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr);
    done();
    auto s = summarize_database("sqlite://" + snap.string());
    // Reading it may have turned WAL mode back on; fold it into the file.
    sqlite3_open_v2(snap.c_str(), &to, SQLITE_OPEN_READWRITE, nullptr);
    sqlite3_exec(to, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr);
    sqlite3_close_v2(to);
    to = nullptr;
    for (auto& a : s) sums.push_back(std::move(a));
    test_interrupt("sqlite-snapshot");
    zstd_compress(snap, tmp / (app + ".db.zst"));
    fs::remove(snap);
    fs::remove(tmp / (app + ".db-wal"));
    fs::remove(tmp / (app + ".db-shm"));
    files.push_back({{"name", app + ".db.zst"},
                     {"bytes", fs::file_size(tmp / (app + ".db.zst"))},
                     {"sha256", sha256_file(tmp / (app + ".db.zst"))}});
  }
  manifest["apps"] = sums_json(sums);
  manifest["files"] = files;
  if (!wal.empty()) manifest["sqlite_wal"] = wal;
}

}  // namespace backup_detail

using namespace backup_detail;

std::int64_t restore_sqlite_in_place(const fs::path& backup_root, const std::string& app,
                                     const fs::path& dest, std::string& used) {
  auto all = list_backups(backup_root);
  std::erase_if(all, [](const Backup& b) { return b.engine != "sqlite"; });
  if (all.empty()) throw Failure("no complete SQLite backup in " + backup_root.string());
  const Backup& b = all.front();
  used = b.id;
  const auto* g = b.manifest.if_contains("sqlite_wal");
  const auto* from = g ? g->as_object().if_contains(app) : nullptr;
  const auto name = app + ".db.zst";
  ScratchCluster::check_file(b, name);
  const auto tmp = dest.parent_path() / ("." + dest.filename().string() + ".restoring");
  zstd_decompress(b.dir / name, tmp);
  std::int64_t n = 0;
  if (from) n = replay_wal(tmp, backup_root / "sqlite-wal" / app, std::string(from->as_string()));
  fsync_path(tmp);
  for (const char* suffix : {"-wal", "-shm", "-journal"}) fs::remove(dest.string() + suffix);
  fs::rename(tmp, dest);
  fsync_path(dest.parent_path(), true);
  return n;
}

}  // namespace tierstack
