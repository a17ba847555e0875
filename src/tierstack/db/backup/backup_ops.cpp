// tierstack db backup | verify | restore | backups, retention and the metrics.
#include "tierstack/db/backup/backup_internal.hpp"

namespace tierstack {
namespace backup_detail {

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
      pid = static_cast<pid_t>(std::strtol(name.c_str() + dash + 1, nullptr, 10));
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

namespace {

using Urls = std::map<std::string, std::string>;  // app -> URL

// The checksums of every app's data at `urls`.
std::vector<AppSum> summaries_of(const Urls& urls) {
  std::vector<AppSum> sums;
  for (const auto& [app, url] : urls)
    for (auto& s : summarize_database(url)) sums.push_back(std::move(s));
  return sums;
}

}  // namespace

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
    const auto actual = summaries_of(urls);
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

namespace {

// All or nothing per target: refuses (status 3) before the first app is
// copied when the target holds rows of any app being restored.
void refuse_held_target(const std::string& to_url, const Urls& urls) {
  std::string held;
  for (const auto& a : summarize_database(to_url))
    if (urls.count(a.app))
      for (const auto& t : a.tables)
        if (t.rows > 0) held += (held.empty() ? "" : ", ") + t.table + " " + std::to_string(t.rows);
  if (!held.empty())
    throw Failure("the target already holds data (" + held + " rows); pass --replace to replace it",
                  3);
}

// The target against `reference` (its apps only); prints the comparison and
// throws when they differ.
void verify_target(const std::string& to_url, const std::vector<AppSum>& reference,
                   std::int64_t& rows, std::size_t& tables) {
  std::vector<AppSum> now;
  for (auto& s : summarize_database(to_url))
    if (std::any_of(reference.begin(), reference.end(),
                    [&](const AppSum& a) { return a.app == s.app; }))
      now.push_back(std::move(s));
  if (!compare(reference, now, &rows, &tables))
    throw Failure("the restored database does not match the backup");
}

}  // namespace

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
  ScratchDir scratch{scratch_dir(b.dir.parent_path())};
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
    const auto actual = summaries_of(urls);
    std::printf("the backup's data against its manifest:\n");
    if (!compare(expected, actual))
      throw Failure("the backup's data does not match its manifest; nothing restored");
  }
  if (!o.replace) refuse_held_target(o.to_url, urls);
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
  std::int64_t rows = 0;
  std::size_t tables = 0;
  verify_target(o.to_url, reference, rows, tables);
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

}  // namespace backup_detail
}  // namespace tierstack
