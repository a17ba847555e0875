// tierstack db backup | restore | backups | verify (see backup.hpp).
//
// Why the manifest's checksums are taken from the backup itself (the SQLite
// snapshot file; for PostgreSQL, a scratch server started on the base
// backup): the apps keep writing while a backup runs, so the live database
// never equals the backup; only the backup's own content is a fair reference
// for a later restore.
#include "tierstack/backup.hpp"

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
#include "tierstack/dbcopy.hpp"
#include "tierstack/netns.hpp"
#include "tierstack/topology.hpp"
#include "tierstack/util.hpp"

namespace tierstack {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kToolVersion = "tierstack " TIERSTACK_VERSION;
constexpr const char* kSlot = "tierstack_backup";

struct Failure : std::runtime_error {
  Failure(const std::string& m, int s = 1) : std::runtime_error(m), status(s) {}
  int status;
};

// ------------------------------------------------------------------ options

struct Options {
  std::string to_dir;                 // backup --to
  bool scheduled = false;             // backup --scheduled
  std::string from, to_url, at, app;  // restore
  std::string wal_dir, bin_dir;       // restore
  bool replace = false;               // restore
  std::string list_dir;               // backups --dir
  std::string verify_what;            // verify BACKUP
};

Options& opts() {
  static Options o;
  return o;
}
CLI::App *backup_cmd = nullptr, *restore_cmd = nullptr, *list_cmd = nullptr, *verify_cmd = nullptr;

// ------------------------------------------------------------------ files

void fsync_path(const fs::path& p, bool directory = false) {
  const int fd = open(p.c_str(), (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Failure("cannot open " + p.string() + " to sync it: " + std::strerror(errno));
  const int rc = fsync(fd);
  close(fd);
  if (rc != 0) throw Failure("fsync " + p.string() + ": " + std::strerror(errno));
}

void fsync_tree(const fs::path& dir) {
  for (auto& e : fs::recursive_directory_iterator(dir)) fsync_path(e.path(), e.is_directory());
  fsync_path(dir, true);
}

std::uintmax_t tree_size(const fs::path& dir) {
  std::uintmax_t n = 0;
  std::error_code ec;
  for (auto& e : fs::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file(ec)) n += e.file_size(ec);
  return n;
}

std::string sha256_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Failure("cannot read " + p.string());
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    crypto_hash_sha256_update(&st, reinterpret_cast<unsigned char*>(buf.data()),
                              static_cast<unsigned long long>(in.gcount()));
  }
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&st, out);
  std::string hex;
  for (unsigned char c : out) {
    static const char* d = "0123456789abcdef";
    hex += d[c >> 4];
    hex += d[c & 15];
  }
  return hex;
}

struct File {
  FILE* f;
  explicit File(const fs::path& p, const char* mode) : f(std::fopen(p.c_str(), mode)) {
    if (!f) throw Failure("cannot open " + p.string() + ": " + std::strerror(errno));
  }
  ~File() {
    if (f) std::fclose(f);
  }
};

// Streams `in` through zstd into `out` and fsyncs it.
void zstd_compress(const fs::path& in, const fs::path& out) {
  File fi(in, "rb"), fo(out, "wb");
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, 3);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
  std::vector<char> ib(ZSTD_CStreamInSize()), ob(ZSTD_CStreamOutSize());
  for (;;) {
    const std::size_t n = std::fread(ib.data(), 1, ib.size(), fi.f);
    if (std::ferror(fi.f)) throw Failure("reading " + in.string() + " failed");
    const bool last = n < ib.size();
    ZSTD_inBuffer input{ib.data(), n, 0};
    bool finished = false;
    while (!finished) {
      ZSTD_outBuffer output{ob.data(), ob.size(), 0};
      const std::size_t rem =
          ZSTD_compressStream2(cctx.get(), &output, &input, last ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(rem)) throw Failure(std::string("zstd: ") + ZSTD_getErrorName(rem));
      if (std::fwrite(ob.data(), 1, output.pos, fo.f) != output.pos)
        throw Failure("writing " + out.string() + ": " + std::strerror(errno));
      finished = last ? rem == 0 : input.pos == input.size;
    }
    if (last) break;
  }
  if (std::fflush(fo.f) != 0 || fsync(fileno(fo.f)) != 0)
    throw Failure("writing " + out.string() + ": " + std::strerror(errno));
}

void zstd_decompress(const fs::path& in, const fs::path& out) {
  File fi(in, "rb"), fo(out, "wb");
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  std::vector<char> ib(ZSTD_DStreamInSize()), ob(ZSTD_DStreamOutSize());
  std::size_t last_ret = 0;
  for (;;) {
    const std::size_t n = std::fread(ib.data(), 1, ib.size(), fi.f);
    if (n == 0) break;
    ZSTD_inBuffer input{ib.data(), n, 0};
    while (input.pos < input.size) {
      ZSTD_outBuffer output{ob.data(), ob.size(), 0};
      const std::size_t r = ZSTD_decompressStream(dctx.get(), &output, &input);
      if (ZSTD_isError(r))
        throw Failure(in.string() + " is damaged (zstd: " + ZSTD_getErrorName(r) + ")");
      if (std::fwrite(ob.data(), 1, output.pos, fo.f) != output.pos)
        throw Failure("writing " + out.string() + ": " + std::strerror(errno));
      last_ret = r;
    }
  }
  if (last_ret != 0) throw Failure(in.string() + " is truncated");
  if (std::fflush(fo.f) != 0) throw Failure("writing " + out.string() + " failed");
}

// ------------------------------------------------------------------ time

std::string iso_utc(std::time_t t) {
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string age_text(double secs) {
  const auto s = static_cast<long>(std::max(0.0, secs));
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m";
  if (s < 172800) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::string size_text(std::uintmax_t n) {
  char buf[32];
  if (n < 1024) return std::to_string(n) + " B";
  if (n < 1024 * 1024)
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024);
  else
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(n) / (1024 * 1024));
  return buf;
}

// --at: a UTC time "YYYY-MM-DD[T ]HH:MM:SS[.ffffff][Z]", or "@<unix
// seconds>"; returns unix seconds.
double parse_at(const std::string& at) {
  double secs = 0;
  if (!at.empty() && at[0] == '@') {
    char* end = nullptr;
    secs = std::strtod(at.c_str() + 1, &end);
    if (!end || *end || secs <= 0) throw Failure("--at: '" + at + "' is not @<unix seconds>", 2);
  } else {
    int y, mo, d, h, mi, n = 0;
    double s;
    char sep;
    if (std::sscanf(at.c_str(), "%4d-%2d-%2d%c%2d:%2d:%lf%n", &y, &mo, &d, &sep, &h, &mi, &s, &n) !=
            7 ||
        (sep != 'T' && sep != ' ') ||
        !(static_cast<std::size_t>(n) == at.size() ||
          (static_cast<std::size_t>(n) + 1 == at.size() && at.back() == 'Z')) ||
        mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s < 0 || s >= 61)
      throw Failure("--at: '" + at +
                        "' is not a UTC time like 2026-12-07T01:02:03Z (or 'latest', or @<unix "
                        "seconds>)",
                    2);
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    secs = static_cast<double>(timegm(&tm)) + s;
  }
  return secs;
}

// The PostgreSQL recovery_target_time for --at ("" for "latest").
std::string recovery_target(const std::string& at) {
  if (at == "latest") return "";
  const double secs = parse_at(at);
  const auto whole = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&whole, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof frac, "%.6f", secs - static_cast<double>(whole));
  return std::string(buf) + (frac + 1) + "+00";
}

// ------------------------------------------------------------------ processes

std::optional<std::pair<uid_t, gid_t>> postgres_user() {
  if (geteuid() != 0) return std::nullopt;
  if (passwd* pw = getpwnam("postgres")) return std::make_pair(pw->pw_uid, pw->pw_gid);
  return std::nullopt;
}

void chown_tree(const fs::path& p, uid_t uid, gid_t gid) {
  (void)!lchown(p.c_str(), uid, gid);
  if (fs::is_directory(p))
    for (auto& e : fs::recursive_directory_iterator(p)) (void)!lchown(e.path().c_str(), uid, gid);
}

std::string pg_bindir() {
  std::vector<fs::path> dirs;
  if (fs::exists("/usr/lib/postgresql"))
    for (auto& e : fs::directory_iterator("/usr/lib/postgresql"))
      if (fs::exists(e.path() / "bin/pg_basebackup")) dirs.push_back(e.path() / "bin");
  if (dirs.empty())
    throw Failure("PostgreSQL's tools (pg_basebackup) not found (scripts/install-deps)");
  std::sort(dirs.begin(), dirs.end());
  return dirs.back().string();
}

// Runs a tool to the end with its output in a temporary log; throws with the
// log's tail when it fails.
// The children a backup or restore is running (each leads its own process
// group): a SIGTERM/SIGINT stops them before the command exits, so that
// nothing (pg_basebackup, a scratch PostgreSQL) outlives it.
std::atomic<pid_t> g_children[4];

void track(pid_t pid, bool on) {
  for (auto& c : g_children) {
    pid_t expected = on ? 0 : pid;
    if (c.compare_exchange_strong(expected, on ? pid : 0)) return;
  }
}

extern "C" void stop_children(int sig) {
  for (auto& c : g_children)
    if (const pid_t p = c.load(); p > 0) killpg(p, SIGKILL);
  _exit(128 + sig);
}

void run_tool(SpawnOptions o, const std::string& what, std::chrono::seconds timeout) {
  char name[] = "/tmp/tierstack-backup-XXXXXX";
  const int fd = mkstemp(name);
  if (fd < 0) throw Failure("cannot create a temporary file in /tmp");
  close(fd);
  o.log_file = name;
  int rc = -1;
  {
    const pid_t pid = spawn(o);
    track(pid, true);
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      int st = 0;
      const pid_t r = waitpid(pid, &st, WNOHANG);
      if (r == pid) {
        rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        break;
      }
      if (r < 0 && errno != EINTR) break;
      if (Clock::now() > deadline) {
        killpg(pid, SIGKILL);
        waitpid(pid, &st, 0);
        rc = 124;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    track(pid, false);
  }
  const std::string log = read_file(name);
  fs::remove(name);
  if (rc != 0) {
    std::string tail = log.size() > 1500 ? log.substr(log.size() - 1500) : log;
    throw Failure(what + " failed (status " + std::to_string(rc) + "):\n" + tail);
  }
}

// Pauses at a named point when TIERSTACK_BACKUP_TEST_INTERRUPT says so, so
// the integration tests can kill a backup at a known moment.
void test_interrupt(const std::string& point) {
  const char* spec = std::getenv("TIERSTACK_BACKUP_TEST_INTERRUPT");
  if (!spec || point != spec) return;
  std::fprintf(stderr, "tierstack db backup: test interrupt: waiting at %s\n", point.c_str());
  std::fflush(stderr);
  for (;;) pause();
}

// ------------------------------------------------------------------ where

// What `db backup` backs up: the running (or last) stack of the topology.
struct Source {
  std::string engine;
  std::map<std::string, std::string> urls;  // app -> URL
  std::string pg_host, pg_netns;
  std::uint16_t pg_port = 0;
};

Source find_source(const Topology& topo) {
  Source s;
  s.engine = topo.database;
  const auto state_text = read_file(topo.state_dir / "state.json");
  json::object st;
  if (!state_text.empty()) {
    try {
      st = json::parse(state_text).as_object();
      s.engine = std::string(st.at("database").as_string());
    } catch (const std::exception&) {
      st.clear();
    }
  }
  if (s.engine == "sqlite") {
    for (const auto& a : topo.apps) {
      const auto file = topo.state_dir / "db" / (a.name + ".db");
      if (fs::exists(file)) s.urls[a.name] = "sqlite://" + file.string();
    }
    if (s.urls.empty())
      throw Failure("no SQLite database in " + (topo.state_dir / "db").string() +
                    " (tierstack up first)");
    return s;
  }
  // PostgreSQL: the primary the running topology reports.
  if (st.empty())
    throw Failure("the PostgreSQL cluster is not running (tierstack up --db postgres first)");
  for (const auto& c : st.at("components").as_array()) {
    const auto& o = c.as_object();
    if (o.at("name").as_string() != "postgres") continue;
    s.pg_host = std::string(o.at("host").as_string());
    s.pg_port = static_cast<std::uint16_t>(o.at("port").to_number<int>());
    s.pg_netns = std::string(o.at("netns").as_string());
  }
  if (s.pg_port == 0) throw Failure("state.json lists no postgres component");
  for (const auto& a : topo.apps)
    s.urls[a.name] =
        "postgresql://tierstack@" + s.pg_host + ":" + std::to_string(s.pg_port) + "/" + a.name;
  return s;
}

// ------------------------------------------------------------------ manifests

json::array sums_json(const std::vector<AppSum>& sums) {
  json::array apps;
  for (const auto& a : sums) {
    json::array tables;
    for (const auto& t : a.tables)
      tables.push_back({{"table", t.table}, {"rows", t.rows}, {"sha256", t.sha256}});
    apps.push_back({{"app", a.app}, {"schema_version", a.schema_version}, {"tables", tables}});
  }
  return apps;
}

struct Backup {
  fs::path dir;
  std::string id, engine;
  double finished = 0;
  json::object manifest;
  bool verified = false;
  double verified_at = 0;
};

// A complete backup: a directory not starting with '.', with a readable manifest.
std::optional<Backup> load_backup(const fs::path& dir) {
  if (dir.filename().string().starts_with(".")) return std::nullopt;
  const auto text = read_file(dir / "manifest.json");
  if (text.empty()) return std::nullopt;
  try {
    Backup b;
    b.dir = dir;
    b.manifest = json::parse(text).as_object();
    b.id = std::string(b.manifest.at("id").as_string());
    b.engine = std::string(b.manifest.at("engine").as_string());
    b.finished = b.manifest.at("finished_unix").to_number<double>();
    const auto v = read_file(dir / "verified.json");
    if (!v.empty()) {
      auto vo = json::parse(v).as_object();
      b.verified = vo.at("result").as_string() == "ok";
      b.verified_at = vo.at("verified_unix").to_number<double>();
    }
    return b;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Complete backups in a directory, newest first.
std::vector<Backup> list_backups(const fs::path& dir) {
  std::vector<Backup> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory())
      if (auto b = load_backup(e.path())) out.push_back(std::move(*b));
  std::sort(out.begin(), out.end(),
            [](const Backup& a, const Backup& b) { return a.finished > b.finished; });
  return out;
}

std::vector<AppSum> sums_of(const json::object& manifest) {
  std::vector<AppSum> out;
  for (const auto& a : manifest.at("apps").as_array()) {
    AppSum s;
    s.app = std::string(a.at("app").as_string());
    s.schema_version = static_cast<int>(a.at("schema_version").to_number<std::int64_t>());
    for (const auto& t : a.at("tables").as_array())
      s.tables.push_back({std::string(t.at("table").as_string()),
                          t.at("rows").to_number<std::int64_t>(),
                          std::string(t.at("sha256").as_string())});
    out.push_back(std::move(s));
  }
  return out;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The WAL archive a PostgreSQL backup continues in: wal/, or a wal-<time>/
// kept when the archive had to start anew after a recovery (each names
// itself in ARCHIVE_ID, which the backup recorded).
fs::path wal_archive_of(const Backup& b) {
  const auto root = b.dir.parent_path();
  const auto* id = b.manifest.if_contains("wal_archive_id");
  if (id) {
    std::error_code ec;
    for (auto& e : fs::directory_iterator(root, ec)) {
      const auto n = e.path().filename().string();
      if ((n == "wal" || n.starts_with("wal-")) &&
          trimmed(read_file(e.path() / "ARCHIVE_ID")) == id->as_string())
        return e.path();
    }
  }
  return root / "wal";
}

// Compares what a database holds with what the manifest says, for the apps
// `expected` lists; prints one line per table. True when all match.
bool compare(const std::vector<AppSum>& expected, const std::vector<AppSum>& actual,
             std::int64_t* rows_out = nullptr, std::size_t* tables_out = nullptr) {
  bool ok = true;
  std::int64_t rows = 0;
  std::size_t tables = 0;
  for (const auto& e : expected) {
    const auto it =
        std::find_if(actual.begin(), actual.end(), [&](const AppSum& a) { return a.app == e.app; });
    if (it == actual.end()) {
      std::printf("  %-28s MISSING: the restored database holds no %s schema\n", e.app.c_str(),
                  e.app.c_str());
      ok = false;
      continue;
    }
    for (const auto& t : e.tables) {
      const auto jt = std::find_if(it->tables.begin(), it->tables.end(),
                                   [&](const TableSum& x) { return x.table == t.table; });
      const bool match = jt != it->tables.end() && jt->rows == t.rows && jt->sha256 == t.sha256;
      ok = ok && match;
      rows += t.rows;
      ++tables;
      std::printf("  %-28s %10lld rows  %.16s  %s\n", t.table.c_str(),
                  static_cast<long long>(t.rows), t.sha256.c_str(),
                  match                    ? "match"
                  : jt == it->tables.end() ? "MISSING"
                                           : ("MISMATCH: " + std::to_string(jt->rows) + " rows, " +
                                              jt->sha256.substr(0, 16))
                                                 .c_str());
    }
  }
  if (rows_out) *rows_out = rows;
  if (tables_out) *tables_out = tables;
  return ok;
}

}  // namespace

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
namespace {

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         std::uint32_t(p[3]);
}

constexpr std::size_t kWalHeader = 32, kFrameHeader = 24;

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

}  // namespace

class WalShipper {
 public:
  WalShipper(const fs::path& db, const fs::path& out_dir)
      : db_(db), wal_(db.string() + "-wal"), out_(out_dir) {
    fs::create_directories(out_);
    run_ = std::to_string(std::time(nullptr));
    if (sqlite3_open_v2(db.c_str(), &r_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK ||
        sqlite3_open_v2(db.c_str(), &w_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
      throw Failure("WAL shipping: cannot open " + db.string());
    sqlite3_busy_timeout(r_, 5000);
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
        sqlite3_close_v2(w_);
        throw Failure("WAL shipping: " + db.string() + " is not in WAL mode (" + mode + ")");
      }
    }
    // Our connections never checkpoint on their own.
    sqlite3_exec(r_, "PRAGMA wal_autocheckpoint=0", nullptr, nullptr, nullptr);
    sqlite3_exec(w_, "PRAGMA wal_autocheckpoint=0", nullptr, nullptr, nullptr);
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
    last_checkpoint_ = Clock::now();
    ship();
  }
  ~WalShipper() {
    // No shipper, no generation to record (see current_generation).
    std::error_code ec;
    fs::remove(out_ / "current", ec);
    if (out_fd_ >= 0) close(out_fd_);
    if (wal_fd_ >= 0) close(wal_fd_);
    sqlite3_exec(r_, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close_v2(r_);
    sqlite3_close_v2(w_);
  }

  void tick() {
    ship();
    const bool due = frames_ > 0 && (frames_since_checkpoint_ >= 1000 ||
                                     Clock::now() - last_checkpoint_ > std::chrono::seconds(5));
    if (due) checkpoint();
  }

 private:
  void begin_read() {
    // A deferred transaction takes its read snapshot at the first SELECT.
    if (sqlite3_exec(r_, "BEGIN; SELECT COUNT(*) FROM sqlite_master;", nullptr, nullptr, nullptr) !=
        SQLITE_OK)
      throw Failure(std::string("WAL shipping: read transaction: ") + sqlite3_errmsg(r_));
  }

  void checkpoint() {
    if (sqlite3_exec(w_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return;
    ship();  // nothing can be appended now
    sqlite3_exec(r_, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_exec(r_, "PRAGMA wal_checkpoint(PASSIVE)", nullptr, nullptr, nullptr);
    begin_read();
    sqlite3_exec(w_, "COMMIT", nullptr, nullptr, nullptr);
    frames_since_checkpoint_ = 0;
    last_checkpoint_ = Clock::now();
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
  sqlite3 *r_ = nullptr, *w_ = nullptr;
  int wal_fd_ = -1, out_fd_ = -1;
  std::string run_;
  int seq_ = 0;
  unsigned char salts_[8] = {};
  std::uint32_t page_size_ = 4096;
  off_t pos_ = 0;
  std::int64_t frames_ = 0, frames_since_checkpoint_ = 0;
  Clock::time_point last_checkpoint_;
};

namespace {

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

}  // namespace

namespace {

// ------------------------------------------------------------------ scratch PostgreSQL

// A private PostgreSQL server started on a copy of a base backup (with
// point-in-time recovery from a WAL archive when asked), on a free loopback
// port; stopped and removed with the object.
class ScratchCluster {
 public:
  // target: "" none (the backup's own end), "latest" all archived WAL, else a
  // recovery_target_time.
  ScratchCluster(const Backup& b, const fs::path& where, const std::string& target,
                 const fs::path& wal_archive)
      : dir_(where) {
    const auto bindir = pg_bindir();
    fs::create_directories(dir_ / "run");
    unpack_base_backup(b, dir_ / "data", dir_);
    std::vector<std::string> extra;
    if (!target.empty()) {
      if (!fs::is_directory(wal_archive))
        throw Failure("point-in-time restore needs the WAL archive " + wal_archive.string() +
                      " (pg_receivewal writes it while tierstack up runs); it does not exist");
      write_file(dir_ / "data" / "recovery.signal", "");
      extra = {"-c", "restore_command=" + restore_command(wal_archive), "-c",
               "recovery_target_action=promote"};
      if (target != "latest")
        extra.insert(extra.end(), {"-c", "recovery_target_time=" + target, "-c",
                                   "recovery_target_inclusive=true"});
    }
    if (auto u = postgres_user()) {
      chown_tree(dir_, u->first, u->second);
      uid_ = *u;
    }
    port_ = free_ports(1).front();
    SpawnOptions o;
    o.argv = {
        bindir + "/postgres",
        "-D",
        (dir_ / "data").string(),
        "-p",
        std::to_string(port_),
        "-k",
        (dir_ / "run").string(),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "archive_mode=off",
        "-c",
        "synchronous_standby_names=",
        // Recovery refuses fewer connection slots than the primary had
        // (tierstack runs it with 200).
        "-c",
        "max_connections=500",
        "-c",
        "hba_file=" + (dir_ / "data" / "pg_hba.conf").string(),
    };
    o.argv.insert(o.argv.end(), extra.begin(), extra.end());
    o.log_file = dir_ / "postgres.log";
    if (uid_) {
      o.uid = uid_->first;
      o.gid = uid_->second;
    }
    // The data directory's pg_hba.conf may be an --isolated run's; this
    // server is reached by tierstack only.
    write_file(dir_ / "data" / "pg_hba.conf",
               "local all all trust\nhost all all 127.0.0.1/32 trust\n", 0600);
    if (uid_) chown_tree(dir_ / "data" / "pg_hba.conf", uid_->first, uid_->second);
    pid_ = spawn(o);
    track(pid_, true);
    // Ready: accepts connections and has left recovery.
    const auto deadline = Clock::now() + std::chrono::seconds(300);
    const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port_) +
                                 " user=tierstack dbname=postgres connect_timeout=2";
    for (;;) {
      int st = 0;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        const auto log = read_file(dir_ / "postgres.log");
        std::string why = log.size() > 1200 ? log.substr(log.size() - 1200) : log;
        if (log.find("recovery ended before configured recovery target was reached") !=
            std::string::npos)
          throw Failure("the archived WAL does not reach " + target +
                        ": restore to an earlier time, or wait until the WAL of that moment "
                        "has been archived");
        throw Failure("the PostgreSQL server started on the backup exited:\n" + why);
      }
      if (PQping(conninfo.c_str()) == PQPING_OK) {
        PGconn* c = PQconnectdb(conninfo.c_str());
        PGresult* r = PQexec(c, "SELECT pg_is_in_recovery()");
        const bool recovering =
            PQresultStatus(r) != PGRES_TUPLES_OK || std::string(PQgetvalue(r, 0, 0)) == "t";
        PQclear(r);
        PQfinish(c);
        if (!recovering) break;
      }
      if (Clock::now() > deadline)
        throw Failure("the PostgreSQL server on the backup did not start");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ~ScratchCluster() {
    track(pid_, false);
    if (pid_ > 0) {
      kill(pid_, SIGINT);  // fast shutdown
      const auto deadline = Clock::now() + std::chrono::seconds(30);
      int st = 0;
      while (waitpid(pid_, &st, WNOHANG) != pid_) {
        if (Clock::now() > deadline) {
          killpg(pid_, SIGKILL);
          waitpid(pid_, &st, 0);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string url(const std::string& app) const {
    return "postgresql://tierstack@127.0.0.1:" + std::to_string(port_) + "/" + app;
  }

  static void check_file(const Backup& b, const std::string& name);
  // base.tar and pg_wal.tar of a backup into a new data directory.
  static void unpack_base_backup(const Backup& b, const fs::path& data, const fs::path& work) {
    fs::create_directories(data);
    fs::permissions(data, fs::perms::owner_all, fs::perm_options::replace);
    for (const auto& [tar, sub] : std::vector<std::pair<std::string, fs::path>>{
             {"base.tar", data}, {"pg_wal.tar", data / "pg_wal"}}) {
      const auto plain = work / (tar + ".tmp");
      check_file(b, tar + ".zst");
      zstd_decompress(b.dir / (tar + ".zst"), plain);
      fs::create_directories(sub);
      SpawnOptions o;
      o.argv = {"/usr/bin/tar", "-xf", plain.string(), "-C", sub.string()};
      run_tool(o, "unpacking " + tar, std::chrono::seconds(300));
      fs::remove(plain);
    }
  }
  // Copies a segment from the archive; pg_receivewal names the segment it is
  // still writing <name>.partial.
  static std::string restore_command(const fs::path& wal_archive) {
    const auto w = wal_archive.string();
    return "if [ -f '" + w + "/%f' ]; then cp '" + w + "/%f' '%p'; elif [ -f '" + w +
           "/%f.partial' ]; then cp '" + w + "/%f.partial' '%p'; else exit 1; fi";
  }

 private:
  fs::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::optional<std::pair<uid_t, gid_t>> uid_;
};

// A data file is what the manifest recorded (a damaged or altered backup is
// refused before anything is restored from it).
void ScratchCluster::check_file(const Backup& b, const std::string& name) {
  for (const auto& f : b.manifest.at("files").as_array())
    if (f.at("name").as_string() == name) {
      if (sha256_file(b.dir / name) != f.at("sha256").as_string())
        throw Failure(b.dir.string() + "/" + name +
                      " does not match the manifest's checksum: the backup is damaged");
      return;
    }
  throw Failure("the manifest of " + b.dir.string() + " lists no " + name);
}

// A place for temporary databases next to the backups (same file system,
// reachable by the postgres user).
fs::path scratch_dir(const fs::path& backup_root) {
  fs::create_directories(backup_root);
  const auto p = backup_root / (".scratch-" + std::to_string(getpid()) + "-" + random_hex(4));
  fs::create_directories(p);
  fs::permissions(p, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::replace);
  return p;
}

struct ScratchDir {
  fs::path path;
  ~ScratchDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

// The backup's data as databases one can read: app -> URL. `holder` keeps a
// scratch server alive as long as the URLs are used.
std::map<std::string, std::string> materialize(const Backup& b, const fs::path& scratch,
                                               const std::string& target,
                                               const fs::path& wal_archive,
                                               std::unique_ptr<ScratchCluster>& holder) {
  std::map<std::string, std::string> urls;
  if (b.engine == "sqlite") {
    if (!target.empty() && target != "latest")
      throw Failure(
          "--at: a SQLite backup restores to the moment it was taken, or with --at "
          "latest to the last commit its shipped WAL holds; a time is for PostgreSQL",
          2);
    for (const auto& a : sums_of(b.manifest)) {
      const auto name = a.app + ".db.zst";
      ScratchCluster::check_file(b, name);
      const auto db = scratch / (a.app + ".db");
      zstd_decompress(b.dir / name, db);
      if (target == "latest") {
        const auto* g = b.manifest.if_contains("sqlite_wal");
        const auto* from = g ? g->as_object().if_contains(a.app) : nullptr;
        if (!from)
          throw Failure("--at latest: no WAL was being shipped for " + a.app +
                        " when this backup was taken (only tierstack up ships it)");
        const auto n = replay_wal(db, wal_archive / a.app, std::string(from->as_string()));
        std::printf("  %s: %lld transactions replayed from the shipped WAL in %s\n", a.app.c_str(),
                    static_cast<long long>(n), (wal_archive / a.app).c_str());
      }
      urls[a.app] = "sqlite://" + db.string();
    }
    return urls;
  }
  holder = std::make_unique<ScratchCluster>(b, scratch / "pg", target, wal_archive);
  for (const auto& a : sums_of(b.manifest)) urls[a.app] = holder->url(a.app);
  return urls;
}

// ------------------------------------------------------------------ metrics

// Written for the node exporter's textfile collector (state/run, which the
// supervisor passes it as --collector.textfile.directory); Prometheus scrapes
// the node exporter and evaluates BackupTooOld on these.
void write_metrics(const Topology& topo, const std::string& engine, double last_success,
                   double duration) {
  const auto dir = topo.state_dir / "run";
  if (!fs::is_directory(dir)) return;
  char buf[1024];
  std::snprintf(
      buf, sizeof buf,
      "# HELP tierstack_backup_last_success_timestamp_seconds When the newest complete backup "
      "finished.\n"
      "# TYPE tierstack_backup_last_success_timestamp_seconds gauge\n"
      "tierstack_backup_last_success_timestamp_seconds{engine=\"%s\"} %.3f\n"
      "# HELP tierstack_backup_duration_seconds How long the newest backup took.\n"
      "# TYPE tierstack_backup_duration_seconds gauge\n"
      "tierstack_backup_duration_seconds{engine=\"%s\"} %.3f\n"
      "# HELP tierstack_backup_interval_seconds The topology's backup.interval.\n"
      "# TYPE tierstack_backup_interval_seconds gauge\n"
      "tierstack_backup_interval_seconds{engine=\"%s\"} %lld\n",
      engine.c_str(), last_success, engine.c_str(), duration, engine.c_str(),
      static_cast<long long>(topo.backup_interval));
  write_file(dir / "tierstack_backup.prom", buf);
}

// ------------------------------------------------------------------ retention

// Keeps the newest keep_last, plus the newest of each of the last keep_days
// UTC days; removes the rest (renamed to a dot-name first, so a removal cut
// short never leaves a backup that looks complete). Also removes partial
// backups whose writer is gone, and the archived WAL older than the oldest
// PostgreSQL base backup kept.
void apply_retention(const fs::path& root, int keep_last, int keep_days) {
  auto all = list_backups(root);
  std::set<std::string> keep;
  for (std::size_t i = 0; i < all.size() && i < static_cast<std::size_t>(keep_last); ++i)
    keep.insert(all[i].id);
  const double now = unix_now();
  std::set<long> days_seen;
  for (const auto& b : all) {
    const long day = static_cast<long>(b.finished) / 86400;
    if (now - b.finished > 86400.0 * keep_days) continue;
    if (days_seen.insert(day).second) keep.insert(b.id);
  }
  for (const auto& b : all) {
    if (keep.count(b.id)) continue;
    const auto doomed = root / (".deleting-" + b.dir.filename().string());
    std::error_code ec;
    fs::rename(b.dir, doomed, ec);
    if (!ec) fs::remove_all(doomed, ec);
    std::printf("retention: removed backup %s (%s old)\n", b.id.c_str(),
                age_text(now - b.finished).c_str());
  }
  std::error_code ec;
  for (auto& e : fs::directory_iterator(root, ec)) {
    const auto name = e.path().filename().string();
    pid_t pid = 0;
    if (name.starts_with(".partial-") || name.starts_with(".scratch-")) {
      // .partial-<id>-<pid> / .scratch-<pid>-<rand>
      const auto dash = name.starts_with(".partial-") ? name.rfind('-') : name.find('-', 1);
      pid = std::atoi(name.c_str() + dash + 1);
    } else if (!name.starts_with(".deleting-")) {
      continue;
    }
    if (pid > 0 && alive(pid)) continue;
    fs::remove_all(e.path(), ec);
  }
  // Shipped SQLite WAL older than the generation the oldest kept backup
  // starts from restores nothing.
  std::map<std::string, std::string> oldest_generation;  // app -> "<run>-<seq>.wal"
  for (const auto& b : list_backups(root))
    if (auto* g = b.manifest.if_contains("sqlite_wal"))
      for (const auto& [app, v] : g->as_object()) {
        std::istringstream in{std::string(v.as_string())};
        std::string run;
        int seq = 0;
        in >> run >> seq;
        char name[64];
        std::snprintf(name, sizeof name, "%s-%08d.wal", run.c_str(), seq);
        auto& o = oldest_generation[std::string(app)];
        if (o.empty() || name < o) o = name;
      }
  for (const auto& [app, first] : oldest_generation) {
    for (auto& e : fs::directory_iterator(root / "sqlite-wal" / app, ec)) {
      const auto n = e.path().filename().string();
      if (n.ends_with(".wal") && n < first) fs::remove(e.path(), ec);
    }
  }
  // WAL older than the oldest kept PostgreSQL base backup restores nothing.
  std::string oldest;
  for (const auto& b : list_backups(root))
    if (b.engine == "postgres")
      if (auto* w = b.manifest.if_contains("wal_start_file")) oldest = std::string(w->as_string());
  if (!oldest.empty() && fs::is_directory(root / "wal")) {
    try {
      SpawnOptions o;
      o.argv = {pg_bindir() + "/pg_archivecleanup", (root / "wal").string(), oldest};
      run_tool(o, "pg_archivecleanup", std::chrono::seconds(60));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "retention: %s\n", e.what());
    }
  }
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
      throw Failure("cannot open " + path + ": " + err);
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
      throw Failure("SQLite online backup of " + path + " failed: " + err);
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

void backup_postgres(const Source& src, const fs::path& root, const fs::path& tmp,
                     json::object& manifest) {
  if (const auto id = trimmed(read_file(root / "wal" / "ARCHIVE_ID")); !id.empty())
    manifest["wal_archive_id"] = id;
  // pg_basebackup streams the WAL written during the copy alongside it
  // (-X stream), so the backup is consistent on its own; -c fast does not
  // wait for a spread checkpoint.
  SpawnOptions o;
  o.argv = {pg_bindir() + "/pg_basebackup",
            "-h",
            src.pg_host,
            "-p",
            std::to_string(src.pg_port),
            "-U",
            "tierstack",
            "-D",
            (tmp / "pg").string(),
            "-F",
            "t",
            "-X",
            "stream",
            "-c",
            "fast",
            "-l",
            "tierstack " + tmp.filename().string(),
            "--no-sync"};  // tierstack fsyncs the compressed files instead
  o.netns = src.pg_netns;
  // Just after a promotion the server refuses a base backup for a moment
  // ("expected start timeline 1 but found timeline 0"): try again then.
  for (int attempt = 1;; ++attempt) {
    try {
      run_tool(o, "pg_basebackup", std::chrono::seconds(1800));
      break;
    } catch (const Failure& e) {
      if (attempt >= 10 || std::string(e.what()).find("timeline") == std::string::npos) throw;
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
  test_interrupt("pg-basebackup");
  json::array files;
  for (const char* tar : {"base.tar", "pg_wal.tar"}) {
    const auto z = tmp / (std::string(tar) + ".zst");
    zstd_compress(tmp / "pg" / tar, z);
    files.push_back({{"name", std::string(tar) + ".zst"},
                     {"bytes", fs::file_size(z)},
                     {"sha256", sha256_file(z)}});
  }
  // Where this backup's WAL starts (for cleaning the archive), from its label.
  {
    SpawnOptions x;
    x.argv = {"/usr/bin/tar",        "-xf",         (tmp / "pg" / "base.tar").string(), "-C",
              (tmp / "pg").string(), "backup_label"};
    run_tool(x, "reading backup_label", std::chrono::seconds(60));
    const auto label = read_file(tmp / "pg" / "backup_label");
    const auto p = label.find("(file ");
    if (p != std::string::npos)
      manifest["wal_start_file"] = label.substr(p + 6, label.find(')', p) - p - 6);
  }
  fs::remove_all(tmp / "pg");
  manifest["files"] = files;
  // The checksums come from the backup itself, opened by a scratch server.
  Backup b;
  b.dir = tmp;
  b.engine = "postgres";
  b.manifest = manifest;
  ScratchDir scratch{scratch_dir(root)};
  ScratchCluster cluster(b, scratch.path / "pg", "", {});
  std::vector<AppSum> sums;
  for (const auto& [app, url] : src.urls) {
    try {
      for (auto& s : summarize_database(cluster.url(app))) sums.push_back(std::move(s));
    } catch (const std::exception& e) {
      // An app of the topology without a database (e.g. the optional
      // microblog not built) has nothing to back up.
      if (std::string(e.what()).find("does not exist") == std::string::npos) throw;
    }
  }
  if (sums.empty()) throw Failure("the PostgreSQL cluster holds no shop or microblog data");
  manifest["apps"] = sums_json(sums);
}

// Returns the new backup's directory.
fs::path do_backup(const Topology& topo, const fs::path& root) {
  const Source src = find_source(topo);
  const auto t0 = Clock::now();
  const std::time_t started = std::time(nullptr);
  fs::create_directories(root);
  std::string stamp = iso_utc(started);
  stamp.erase(std::remove(stamp.begin(), stamp.end(), '-'), stamp.end());
  stamp.erase(std::remove(stamp.begin(), stamp.end(), ':'), stamp.end());
  std::string id = stamp + "-" + src.engine;
  for (int n = 2; fs::exists(root / id); ++n)
    id = stamp + "-" + src.engine + "-" + std::to_string(n);
  const auto tmp = root / (".partial-" + id + "-" + std::to_string(getpid()));
  fs::create_directories(tmp);
  std::printf("tierstack db backup: %s database -> %s\n", src.engine.c_str(),
              (root / id).string().c_str());
  std::fflush(stdout);
  json::object manifest{{"format", 1},
                        {"id", id},
                        {"engine", src.engine},
                        {"tool", kToolVersion},
                        {"started_at", iso_utc(started)},
                        {"started_unix", static_cast<double>(started)}};
  try {
    if (src.engine == "sqlite")
      backup_sqlite(src, root, tmp, manifest);
    else
      backup_postgres(src, root, tmp, manifest);
    test_interrupt("before-manifest");
    const double finished = unix_now();
    manifest["finished_at"] = iso_utc(static_cast<std::time_t>(finished));
    manifest["finished_unix"] = finished;
    manifest["duration_seconds"] = seconds_since(t0);
    write_file(tmp / "manifest.json", json::serialize(manifest) + "\n");
    fsync_tree(tmp);
    fs::rename(tmp, root / id);
    fsync_path(root, true);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
  std::int64_t rows = 0;
  std::size_t tables = 0;
  for (const auto& a : sums_of(manifest))
    for (const auto& t : a.tables) {
      rows += t.rows;
      ++tables;
    }
  std::printf("backup %s complete: %zu tables, %lld rows, %s, in %.1f s\n", id.c_str(), tables,
              static_cast<long long>(rows), size_text(tree_size(root / id)).c_str(),
              seconds_since(t0));
  return root / id;
}

// Restores a backup into scratch databases and compares them with its
// manifest; records the result in verified.json. True when it matches.
bool verify_backup(const Backup& b) {
  const auto t0 = Clock::now();
  std::printf("verifying %s: restoring it into a scratch database\n", b.id.c_str());
  ScratchDir scratch{scratch_dir(b.dir.parent_path())};
  std::unique_ptr<ScratchCluster> holder;
  bool ok = false;
  std::string error;
  std::int64_t rows = 0;
  std::size_t tables = 0;
  try {
    const auto urls = materialize(b, scratch.path, "", {}, holder);
    std::vector<AppSum> actual;
    for (const auto& [app, url] : urls)
      for (auto& s : summarize_database(url)) actual.push_back(std::move(s));
    ok = compare(sums_of(b.manifest), actual, &rows, &tables);
  } catch (const std::exception& e) {
    error = e.what();
    std::printf("  %s\n", e.what());
  }
  holder.reset();
  const double now = unix_now();
  json::object v{{"result", ok ? "ok" : "failed"},
                 {"verified_at", iso_utc(static_cast<std::time_t>(now))},
                 {"verified_unix", now},
                 {"tables", tables},
                 {"rows", rows},
                 {"seconds", seconds_since(t0)}};
  if (!error.empty()) v["error"] = error;
  write_file(b.dir / "verified.json", json::serialize(v) + "\n");
  fsync_path(b.dir, true);
  std::printf("%s %s: %zu tables, %lld rows restored and compared in %.1f s\n",
              ok ? "verified" : "VERIFICATION FAILED for", b.id.c_str(), tables,
              static_cast<long long>(rows), seconds_since(t0));
  return ok;
}

// ------------------------------------------------------------------ restore

Backup resolve_backup(const std::string& what, const fs::path& root, const std::string& at) {
  if (what == "latest") {
    auto all = list_backups(root);
    // A point in time needs a base backup taken before it.
    if (!at.empty() && at != "latest") {
      const double t = parse_at(at);
      std::erase_if(all,
                    [&](const Backup& b) { return b.engine != "postgres" || b.finished >= t; });
      if (all.empty())
        throw Failure(
            "no complete PostgreSQL backup in " + root.string() + " finished before " + at, 2);
    }
    if (all.empty()) throw Failure("no complete backup in " + root.string(), 2);
    return all.front();
  }
  fs::path p(what);
  if (!fs::exists(p) && fs::exists(root / what)) p = root / what;
  if (!fs::is_directory(p)) throw Failure("--from: no backup at " + what, 2);
  p = fs::absolute(p).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  auto b = load_backup(p);
  if (!b)
    throw Failure("--from: " + p.string() +
                      " is not a complete backup (no manifest: a backup that was interrupted, or "
                      "not a backup at all); nothing restored",
                  2);
  if (!at.empty() && at != "latest" && b->finished >= parse_at(at))
    throw Failure("--at " + at + " is before the backup " + b->id +
                      " finished; choose an earlier backup (tierstack db backups)",
                  2);
  return *b;
}

int do_restore(const Topology& topo, const Options& o) {
  const fs::path root = topo.backup_dir;
  const Backup b = resolve_backup(o.from, root, o.at);
  const std::string target = o.at.empty()       ? ""
                             : o.at == "latest" ? "latest"
                                                : recovery_target(o.at);
  try {
    (void)ts::db::dialect_of(o.to_url);
  } catch (const std::exception& e) {
    throw Failure(std::string("--to: ") + e.what(), 2);
  }
  const fs::path wal = !o.wal_dir.empty()     ? fs::path(o.wal_dir)
                       : b.engine == "sqlite" ? b.dir.parent_path() / "sqlite-wal"
                                              : wal_archive_of(b);
  std::printf("tierstack db restore: backup %s (%s, %s)%s -> %s\n", b.id.c_str(), b.engine.c_str(),
              std::string(b.manifest.at("finished_at").as_string()).c_str(),
              target.empty() ? "" : (" recovered to " + o.at + " from " + wal.string()).c_str(),
              ts::db::redact_url(o.to_url).c_str());
  std::fflush(stdout);
  const auto t0 = Clock::now();
  ScratchDir scratch{scratch_dir(root.empty() ? b.dir.parent_path() : b.dir.parent_path())};
  std::unique_ptr<ScratchCluster> holder;
  auto urls = materialize(b, scratch.path, target, wal, holder);
  auto expected = sums_of(b.manifest);
  if (!o.app.empty()) {
    if (!urls.count(o.app)) throw Failure("--app: the backup holds no " + o.app + " data", 2);
    urls = {{o.app, urls.at(o.app)}};
    std::erase_if(expected, [&](const AppSum& a) { return a.app != o.app; });
  }
  // Without --at the restored data must be exactly what the manifest says:
  // check the backup before writing anything to the target.
  if (target.empty()) {
    std::vector<AppSum> actual;
    for (const auto& [app, url] : urls)
      for (auto& s : summarize_database(url)) actual.push_back(std::move(s));
    std::printf("the backup's data against its manifest:\n");
    if (!compare(expected, actual))
      throw Failure("the backup's data does not match its manifest; nothing restored");
  }
  // All or nothing per target: refuse before the first app is copied.
  if (!o.replace) {
    std::string held;
    for (const auto& a : summarize_database(o.to_url))
      if (urls.count(a.app))
        for (const auto& t : a.tables)
          if (t.rows > 0)
            held += (held.empty() ? "" : ", ") + t.table + " " + std::to_string(t.rows);
    if (!held.empty())
      throw Failure(
          "the target already holds data (" + held + " rows); pass --replace to replace it", 3);
  }
  fs::path bin_dir = o.bin_dir.empty() ? topo.bin_dir : fs::absolute(o.bin_dir);
  if (bin_dir.empty()) bin_dir = fs::read_symlink("/proc/self/exe").parent_path();
  // The copy (tierstack db copy) migrates the target, copies in one
  // transaction and compares checksums before it commits.
  std::vector<AppSum> restored_from;
  for (const auto& [app, url] : urls) {
    const int rc = copy_database(url, o.to_url, o.replace, bin_dir);
    if (rc != 0) return rc;
    if (!target.empty())
      for (auto& s : summarize_database(url)) restored_from.push_back(std::move(s));
  }
  holder.reset();
  // And the target against the manifest (or, after a point-in-time
  // recovery, against the recovered data it was copied from).
  std::printf("\nthe target against the %s:\n",
              target.empty() ? "backup's manifest" : "recovered data");
  const auto reference = target.empty() ? expected : restored_from;
  std::vector<AppSum> now;
  for (auto& s : summarize_database(o.to_url))
    if (std::any_of(reference.begin(), reference.end(),
                    [&](const AppSum& a) { return a.app == s.app; }))
      now.push_back(std::move(s));
  std::int64_t rows = 0;
  std::size_t tables = 0;
  if (!compare(reference, now, &rows, &tables))
    throw Failure("the restored database does not match the backup");
  std::string apps;
  for (const auto& a : reference) apps += (apps.empty() ? "" : ", ") + a.app;
  std::printf("restored %s from %s%s: %zu tables, %lld rows, verified, in %.1f s\n", apps.c_str(),
              b.id.c_str(), target.empty() ? "" : (" at " + o.at).c_str(), tables,
              static_cast<long long>(rows), seconds_since(t0));
  return 0;
}

// ------------------------------------------------------------------ list

int do_list(const fs::path& root) {
  const auto all = list_backups(root);
  const double now = unix_now();
  std::printf("backups in %s\n", root.string().c_str());
  std::printf("%-28s %-9s %8s %11s  %s\n", "BACKUP", "ENGINE", "AGE", "SIZE", "VERIFIED");
  for (const auto& b : all)
    std::printf("%-28s %-9s %8s %11s  %s\n", b.id.c_str(), b.engine.c_str(),
                age_text(now - b.finished).c_str(), size_text(tree_size(b.dir)).c_str(),
                b.verified ? ("yes, " + age_text(now - b.verified_at) + " ago").c_str()
                : fs::exists(b.dir / "verified.json") ? "FAILED"
                                                      : "no");
  int partial = 0;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(root, ec))
    if (e.path().filename().string().starts_with(".partial-")) ++partial;
  if (all.empty()) std::printf("(none)\n");
  if (partial)
    std::printf("%d incomplete backup(s) in progress or interrupted (not listed, never restored)\n",
                partial);
  if (fs::is_directory(root / "wal")) {
    int segments = 0;
    for (auto& e : fs::directory_iterator(root / "wal", ec))
      if (e.is_regular_file()) ++segments;
    std::printf("WAL archive: %s (%d files, %s)\n", (root / "wal").string().c_str(), segments,
                size_text(tree_size(root / "wal")).c_str());
  }
  return 0;
}

}  // namespace

// ------------------------------------------------------------------ in place (drills)

fs::path tierstack_binary() {
  auto s = fs::read_symlink("/proc/self/exe").string();
  const std::string deleted = " (deleted)";
  if (s.ends_with(deleted)) s.erase(s.size() - deleted.size());
  return s;
}

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

void restore_postgres_in_place(const fs::path& backup_root, const fs::path& data_dir,
                               std::string& used) {
  auto all = list_backups(backup_root);
  std::erase_if(all, [](const Backup& b) { return b.engine != "postgres"; });
  if (all.empty()) throw Failure("no complete PostgreSQL backup in " + backup_root.string());
  const Backup& b = all.front();
  used = b.id;
  if (fs::exists(data_dir)) throw Failure(data_dir.string() + " exists");
  ScratchCluster::unpack_base_backup(b, data_dir, data_dir.parent_path());
  // Replay the whole archive, then promote (no target: to its end).
  write_file(data_dir / "recovery.signal", "");
  std::ofstream conf(data_dir / "postgresql.auto.conf", std::ios::app);
  conf << "# tierstack drill lose-db: recover from " << b.id << " and the WAL archive\n"
       << "restore_command = '" <<
      [&] {
        std::string c = ScratchCluster::restore_command(wal_archive_of(b)), q;
        for (char ch : c) q += ch == '\'' ? std::string("''") : std::string(1, ch);
        return q;
      }()
       << "'\nrecovery_target_timeline = 'latest'\n";
  conf.close();
  if (auto u = postgres_user()) chown_tree(data_dir, u->first, u->second);
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
      const double last = std::atof(read_file(stamp).c_str());
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

// ------------------------------------------------------------------ schedule

struct BackupSchedule::Impl {
  Topology topo;
  std::string engine;
  Postgres pg;
  std::atomic<bool> stop{false};
  std::atomic<bool> paused{false};  // set by the lose-db drill while it replaces the database
  std::atomic<bool> shipping_stopped{false}, backup_asap{false}, backups_on{false};
  std::atomic<bool> shippers_checked{false};
  bool sync_on = false;

  // pg_receivewal as the synchronous standby: a commit returns once the
  // archive has it. Set when it streams; reset before it stops (a commit
  // would otherwise wait for a standby that is not coming).
  void set_sync(bool on) {
    const auto conninfo = "host=" + pg.host + " port=" + std::to_string(pg.port) +
                          " user=tierstack dbname=postgres connect_timeout=2";
    bool ok = false;
    in_netns(pg.netns, [&] {
      PGconn* c = PQconnectdb(conninfo.c_str());
      if (PQstatus(c) == CONNECTION_OK) {
        if (on) {
          PGresult* r = PQexec(c,
                               "SELECT 1 FROM pg_stat_replication WHERE application_name = "
                               "'tierstack_backup' AND state = 'streaming'");
          const bool streaming = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
          PQclear(r);
          if (!streaming) {
            PQfinish(c);
            return;
          }
        }
        PGresult* r = PQexec(c, on ? "ALTER SYSTEM SET synchronous_standby_names = "
                                     "'tierstack_backup'"
                                   : "ALTER SYSTEM RESET synchronous_standby_names");
        ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        PQclear(PQexec(c, "SELECT pg_reload_conf()"));
      }
      PQfinish(c);
    });
    if (ok) {
      sync_on = on;
      std::cerr << now_text() << " pg_receivewal "
                << (on ? "is the synchronous standby: commits wait until the WAL archive has them"
                       : "no longer a synchronous standby")
                << "\n";
    }
  }
  std::thread thread;
  pid_t receiver = -1, backup = -1;
  std::map<std::string, std::unique_ptr<WalShipper>> shippers;

  void run() {
    const auto self = tierstack_binary();
    const auto logs = topo.state_dir / "logs";
    fs::create_directories(topo.backup_dir);
    // What Prometheus sees until the first backup of this run: the newest
    // backup there is (0 when none), so the alert also covers "never".
    {
      const auto all = list_backups(topo.backup_dir);
      write_metrics(
          topo, engine, all.empty() ? 0.0 : all.front().finished,
          all.empty() ? 0.0 : all.front().manifest.at("duration_seconds").to_number<double>());
    }
    // A pg_receivewal that a killed supervisor left behind.
    if (const pid_t old =
            std::atoi(read_file(topo.state_dir / "run" / "pg_receivewal.pid").c_str());
        old > 0 && read_file("/proc/" + std::to_string(old) + "/cmdline").find("pg_receivewal") !=
                       std::string::npos) {
      killpg(old, SIGTERM);
      wait_gone(old, std::chrono::seconds(10));
    }
    auto next_shipper = Clock::now();
    auto next_sync_try = Clock::now();
    auto next_backup = Clock::now();  // the first one right away
    auto next_receiver = Clock::now();
    bool slot_made = false, asked = false;
    int quick_exits = 0;
    auto receiver_started = Clock::now();
    while (!stop) {
      // pg_receivewal: restarted whenever it exits (the database restarted,
      // a network blip), one second apart.
      if (!pg.host.empty()) {
        int st = 0;
        if (receiver > 0 && waitpid(receiver, &st, WNOHANG) == receiver) {
          receiver = -1;
          slot_made = false;  // a restored cluster has no slot: make it again
          next_receiver = Clock::now() + std::chrono::seconds(1);
          quick_exits =
              Clock::now() - receiver_started < std::chrono::seconds(5) ? quick_exits + 1 : 0;
          // After a recovery (a new timeline) the server may no longer have
          // the segment the archive's end asks for, and pg_receivewal would
          // fail forever. Such an archive
          // is complete up to the recovery: keep it as wal-<time>/ (for
          // restores of older backups, --wal-dir), start a new one from the
          // server's present position, and take a base backup to go with it.
          const auto log = read_file(logs / "pg_receivewal.log");
          // "requested WAL segment … has already been removed", "requested
          // starting point … is not in this server's history" / "is ahead of
          // the WAL flush position": the server cannot serve where the
          // archive ends.
          const auto removed = log.rfind("ERROR:  requested ");
          const auto restarted = log.rfind("tierstack: archive restarted");
          if (quick_exits >= 3 && removed != std::string::npos &&
              (restarted == std::string::npos || removed > restarted)) {
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
        }
        if (receiver <= 0 && Clock::now() >= next_receiver) {
          try {
            const auto bin = pg_bindir() + "/pg_receivewal";
            const std::vector<std::string> conn = {"-h", pg.host,    "-p", std::to_string(pg.port),
                                                   "-U", "tierstack"};
            if (!slot_made) {
              // The slot makes the server keep WAL until it is archived.
              SpawnOptions s;
              s.argv = {bin, "--create-slot", "--if-not-exists", "-S", kSlot};
              s.argv.insert(s.argv.end(), conn.begin(), conn.end());
              s.netns = pg.netns;
              s.log_file = logs / "pg_receivewal.log";
              slot_made = run_to_end(s, std::chrono::seconds(30)) == 0;
            }
            if (slot_made) {
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
              s.argv = {bin, "-D", (topo.backup_dir / "wal").string(), "-S", kSlot, "--synchronous",
                        "-n"};
              s.argv.insert(s.argv.end(), conn.begin(), conn.end());
              s.netns = pg.netns;
              s.log_file = logs / "pg_receivewal.log";
              s.env["PGAPPNAME"] = "tierstack_backup";
              receiver = spawn(s);
              receiver_started = Clock::now();
              write_file(topo.state_dir / "run" / "pg_receivewal.pid",
                         std::to_string(receiver) + "\n");
            }
          } catch (const std::exception& e) {
            std::cerr << now_text() << " pg_receivewal: " << e.what() << "\n";
          }
          next_receiver = Clock::now() + std::chrono::seconds(1);
        }
      }
      // SQLite: ship each app's new WAL frames (a shipper that fails is
      // started again a second later, on a new generation).
      // Not before the topology is ready: the migrations create the files
      // and switch them to WAL mode.
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
      if (backup_asap.exchange(false)) {
        asked = true;
        next_backup = Clock::now();
      }
      if (!pg.host.empty() && receiver > 0 && !sync_on && Clock::now() >= next_sync_try) {
        set_sync(true);
        next_sync_try = Clock::now() + std::chrono::milliseconds(500);
      }
      // The scheduled base backup, as a child process.
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
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    shippers.clear();
    if (!pg.host.empty()) set_sync(false);
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

BackupSchedule::BackupSchedule(const Topology& topo, const std::string& engine, Postgres pg)
    : impl_(new Impl{topo, engine, std::move(pg)}) {
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
