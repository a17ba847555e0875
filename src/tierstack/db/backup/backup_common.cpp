// tierstack db backup & co.: options, files, checksums, time, processes, manifests
// (backup_internal.hpp).
#include "platform/core/text.hpp"
#include "tierstack/db/backup/backup_internal.hpp"

namespace tierstack {
namespace backup_detail {

Options& opts() {
  static Options o;
  return o;
}
CLI::App *backup_cmd = nullptr, *restore_cmd = nullptr, *list_cmd = nullptr, *verify_cmd = nullptr;

// ------------------------------------------------------------------ files

void fsync_path(const fs::path& p, bool directory) {
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
  return ts::core::hex_encode({reinterpret_cast<const char*>(out), sizeof out});
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
  if (n < std::uintmax_t{1024} * 1024)
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
    // %n and the length check below refuse anything sscanf would half-read.
    // NOLINTNEXTLINE(cert-err34-c)
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
  // PostgreSQL: the primary the running topology reports (after a
  // failover postgres-2; the supervisor records it in postgres/primary).
  if (st.empty())
    throw Failure("the PostgreSQL cluster is not running (tierstack up --db postgres first)");
  std::string primary =
      std::string(ts::core::trim(read_file(topo.state_dir / "postgres" / "primary")));
  if (primary.empty()) primary = "postgres";
  for (const auto& c : st.at("components").as_array()) {
    const auto& o = c.as_object();
    if (o.at("name").as_string() != primary) continue;
    s.pg_host = std::string(o.at("host").as_string());
    s.pg_port = static_cast<std::uint16_t>(o.at("port").to_number<int>());
    s.pg_netns = std::string(o.at("netns").as_string());
  }
  if (s.pg_port == 0) throw Failure("state.json lists no " + primary + " component");
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
          std::string(ts::core::trim(read_file(e.path() / "ARCHIVE_ID"))) == id->as_string())
        return e.path();
    }
  }
  return root / "wal";
}

// Compares what a database holds with what the manifest says, for the apps
// `expected` lists; prints one line per table. True when all match.
bool compare(const std::vector<AppSum>& expected, const std::vector<AppSum>& actual,
             std::int64_t* rows_out, std::size_t* tables_out) {
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

}  // namespace backup_detail
}  // namespace tierstack
