// PostgreSQL backups: pg_basebackup, scratch clusters for checks and point-in-time restore.
#include "platform/core/text.hpp"
#include "tierstack/db/backup/backup_internal.hpp"

namespace tierstack {
namespace backup_detail {

// ------------------------------------------------------------------ scratch PostgreSQL

ScratchCluster::ScratchCluster(const Backup& b, const fs::path& where, const std::string& target,
                               const fs::path& wal_archive)
    : dir_(where) {
  const auto bindir = pg_bindir();
  fs::create_directories(dir_ / "run");
  unpack_base_backup(b, dir_ / "data", dir_);
  const auto extra = recovery_settings(target, wal_archive);
  if (auto u = postgres_user()) {
    chown_tree(dir_, u->first, u->second);
    uid_ = *u;
  }
  start_server(bindir, extra);
  wait_ready(target);
}

std::vector<std::string> ScratchCluster::recovery_settings(const std::string& target,
                                                           const fs::path& wal_archive) const {
  std::vector<std::string> extra;
  if (target.empty()) return extra;
  if (!fs::is_directory(wal_archive))
    throw Failure("point-in-time restore needs the WAL archive " + wal_archive.string() +
                  " (pg_receivewal writes it while tierstack up runs); it does not exist");
  write_file(dir_ / "data" / "recovery.signal", "");
  extra = {"-c", "restore_command=" + restore_command(wal_archive), "-c",
           "recovery_target_action=promote"};
  if (target != "latest")
    extra.insert(extra.end(),
                 {"-c", "recovery_target_time=" + target, "-c", "recovery_target_inclusive=true"});
  return extra;
}

void ScratchCluster::start_server(const std::string& bindir,
                                  const std::vector<std::string>& extra) {
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
}

void ScratchCluster::wait_ready(const std::string& target) {
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
      if (!recovering) return;
    }
    if (Clock::now() > deadline) throw Failure("the PostgreSQL server on the backup did not start");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

ScratchCluster::~ScratchCluster() {
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

void ScratchCluster::unpack_base_backup(const Backup& b, const fs::path& data,
                                        const fs::path& work) {
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

std::string ScratchCluster::restore_command(const fs::path& wal_archive) {
  const auto w = wal_archive.string();
  return "if [ -f '" + w + "/%f' ]; then cp '" + w + "/%f' '%p'; elif [ -f '" + w +
         "/%f.partial' ]; then cp '" + w + "/%f.partial' '%p'; else exit 1; fi";
}

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
  auto p = backup_root / (".scratch-" + std::to_string(getpid()) + "-" + random_hex(4));
  fs::create_directories(p);
  fs::permissions(p, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::replace);
  return p;
}

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

void backup_postgres(const Source& src, const fs::path& root, const fs::path& tmp,
                     json::object& manifest) {
  if (const auto id = std::string(ts::core::trim(read_file(root / "wal" / "ARCHIVE_ID")));
      !id.empty())
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

}  // namespace backup_detail

using namespace backup_detail;

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

}  // namespace tierstack
