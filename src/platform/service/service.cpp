#include "platform/service/service.hpp"

#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <filesystem>

#include <boost/json.hpp>

#include "platform/auth/login.hpp"
#include "platform/core/log.hpp"
#include "platform/db/error.hpp"
#include "platform/db/fiber.hpp"

namespace ts::service {
namespace {

// Blocks of 1 MiB and more (the admin order list's answer is 4–5 MB) are
// mapped for themselves and unmapped when freed. glibc's default threshold
// rises to the size of the largest mapped block freed so far, after which
// such answers come from the worker thread's malloc arena and stay there:
// each of the worker threads kept one (bench: 16 -> 50 MiB over ten admin
// lists; with a fixed threshold, 17 MiB). Setting it also fixes the trim
// threshold, so freed memory at an arena's top goes back too.
constexpr int kMmapThreshold = 1 << 20;

void return_large_blocks_to_the_system() {
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
}

void usage(const App& app) {
  std::fprintf(stderr,
               "usage: %s [command] [args]\n\n"
               "commands:\n"
               "  serve     run the HTTP service (the default)\n"
               "  migrate   apply pending database migrations and exit\n"
               "  version   print the version and the schema versions\n",
               app.name.c_str());
  for (const auto& [name, cmd] : app.commands)
    std::fprintf(stderr, "  %-9s %s\n", name.c_str(), cmd.help.c_str());
  std::fprintf(stderr, "\nConfiguration comes from %s_* environment variables (see README.md).\n",
               app.env_prefix.c_str());
}

// Where the resident memory goes, so that a trend in RSS can be told apart:
// live heap (a leak or a growing cache), free memory the allocator keeps in
// its arenas (fragmentation), or SQLite's caches filling up to their bounds.
void register_memory_metrics(metrics::Registry& registry) {
  registry.add_callback("process_heap_bytes",
                        "malloc heap by state: in use (including blocks mapped on their own), "
                        "and free but kept by the allocator.",
                        "gauge", [] {
                          const auto mi = mallinfo2();
                          return std::vector<metrics::Sample>{
                              {"state=\"in_use\"", static_cast<double>(mi.uordblks + mi.hblkhd)},
                              {"state=\"free\"", static_cast<double>(mi.fordblks)}};
                        });
  registry.add_callback(
      "db_sqlite_memory_bytes", "Memory SQLite holds: page caches, prepared statements, schemas.",
      "gauge", [] {
        return std::vector<metrics::Sample>{{"", static_cast<double>(db::sqlite_memory_used())}};
      });
}

void register_pool_metrics(metrics::Registry& registry, const std::shared_ptr<db::Pool>& pool) {
  std::weak_ptr<db::Pool> weak = pool;
  registry.add_callback("db_pool_connections", "Database connections by state.", "gauge", [weak] {
    std::vector<metrics::Sample> out;
    if (auto p = weak.lock()) {
      const auto s = p->stats();
      out.push_back({"state=\"in_use\"", static_cast<double>(s.in_use)});
      out.push_back({"state=\"idle\"", static_cast<double>(s.open - s.in_use)});
    }
    return out;
  });
  registry.add_callback("db_pool_max_connections",
                        "Largest number of database connections the pool opens.", "gauge", [weak] {
                          std::vector<metrics::Sample> out;
                          if (auto p = weak.lock())
                            out.push_back({"", static_cast<double>(p->stats().max)});
                          return out;
                        });
  registry.add_callback("db_pool_waiting", "Requests waiting for a database connection.", "gauge",
                        [weak] {
                          std::vector<metrics::Sample> out;
                          if (auto p = weak.lock())
                            out.push_back({"", static_cast<double>(p->stats().waiting)});
                          return out;
                        });
}

// Help (exit 0) or an unknown command (exit 2); nullopt for a command to run.
std::optional<int> help_or_unknown(const App& app, const std::string& command) {
  if (command == "-h" || command == "--help" || command == "help") {
    usage(app);
    return 0;
  }
  const bool builtin = command == "serve" || command == "migrate" || command == "version";
  if (!builtin && !app.commands.count(command)) {
    std::fprintf(stderr, "%s: unknown command '%s'\n\n", app.name.c_str(), command.c_str());
    usage(app);
    return 2;
  }
  return std::nullopt;
}

void configure_logging(Config& cfg) {
  if (log::Level lvl; log::parse_level(cfg.str("LOG_LEVEL", "info"), lvl))
    log::set_level(lvl);
  else
    cfg.fail("LOG_LEVEL", "must be debug, info, warn or error");
}

// SQLite page cache of a one-shot command's connection (seed, import, ...),
// in KiB, unless <PREFIX>_DB_CACHE_KIB says otherwise. A server keeps up to
// DB_POOL_SIZE connections for days, so each gets a small cache (512 KiB);
// a command works through one connection for minutes and may touch every
// page of every index: loading 1,350,000 orders (ten indexes) through 512
// KiB read and wrote the same index pages back and forth through the kernel
// (docs/performance.md, "Cost as the data grows"). SQLite fills the cache
// as pages are read, so a small command never holds more than it touched.
constexpr std::int64_t kCommandCacheKib = std::int64_t{256} * 1024;

db::PoolOptions pool_options_from(Config& cfg, bool serving) {
  db::PoolOptions pool_options;
  pool_options.max_size = static_cast<std::size_t>(cfg.integer("DB_POOL_SIZE", 16, 1, 512));
  const std::int64_t cache_kib =
      serving ? static_cast<std::int64_t>(pool_options.sqlite_cache_kib) : kCommandCacheKib;
  pool_options.sqlite_cache_kib =
      static_cast<std::size_t>(cfg.integer("DB_CACHE_KIB", cache_kib, 16, 1 << 20));
  pool_options.acquire_timeout =
      cfg.millis("DB_ACQUIRE_TIMEOUT_MS", std::chrono::milliseconds(5000),
                 std::chrono::milliseconds(1), std::chrono::milliseconds(600'000));
  return pool_options;
}

// The pool, or nullptr (logged) when the database cannot be opened.
std::shared_ptr<db::Pool> open_database(const App& app, const std::string& url,
                                        const db::PoolOptions& pool_options) {
  try {
    if (url.rfind("sqlite:///", 0) == 0) {
      // Create the directory of a default database so the first run just works.
      const std::filesystem::path file(url.substr(std::strlen("sqlite://")));
      if (url == app.default_database) std::filesystem::create_directories(file.parent_path());
    }
    return db::Pool::open(url, pool_options);
  } catch (const std::exception& e) {
    log::error("cannot open the database", {{"error", e.what()}});
    return nullptr;
  }
}

// The version and migrate commands.
int run_schema_command(const App& app, const std::string& command, db::Pool& pool) {
  if (command == "version") {
    const auto st = db::check_schema(pool, app.name, app.migrations);
    std::printf("%s %s\nschema: database at %d, this build knows %d\n", app.name.c_str(),
                TS_VERSION, st.current, st.newest);
    return 0;
  }
  const auto applied = db::migrate(pool, app.name, app.migrations);
  std::printf("%s: %zu migration(s) applied; schema at version %d\n", app.name.c_str(),
              applied.size(), db::current_version(pool, app.name));
  return 0;
}

// serve and app commands need the schema this build knows: migrates when
// allowed; false (logged) when the schema is behind and it is not.
bool ensure_schema(const App& app, db::Pool& pool, bool auto_migrate) {
  auto status = db::check_schema(pool, app.name, app.migrations);
  if (status.pending > 0) {
    if (!auto_migrate) {
      log::error("the database schema is behind this build; run the migrate command first",
                 {{"current", status.current}, {"newest", status.newest}});
      return false;
    }
    db::migrate(pool, app.name, app.migrations);
  }
  return true;
}

// The database being away is a temporary condition, not a bug: 503.
std::optional<http::Response> database_unavailable(const std::exception& e) {
  if (dynamic_cast<const db::ConnectionLost*>(&e) || dynamic_cast<const db::PoolTimeout*>(&e)) {
    auto r = http::Response::json(
        boost::json::object{{"detail", "Service temporarily unavailable."}}, 503);
    r.headers.set("Retry-After", "1");
    return r;
  }
  return std::nullopt;
}

// Password hashing capacity (docs/performance.md, logins): hash slots, one
// per core by default (a container's CPU quota can make the core count lie),
// and logins admitted to wait for one beyond them before a login is answered
// busy (429), one per slot by default.
void configure_hash_limit(Config& cfg) {
  const auto slots = static_cast<unsigned>(cfg.integer("HASH_SLOTS", 0, 0, 64));
  const auto queue = static_cast<int>(
      cfg.integer("LOGIN_QUEUE", slots ? slots : auth::HashLimit::default_slots(), 0, 1024));
  auth::HashLimit::configure_process(slots, queue);
}

void register_hash_metrics(metrics::Registry& registry) {
  registry.add_callback("password_hash_slots", "Password hash slots by state.", "gauge", [] {
    const auto& limit = auth::HashLimit::process();
    return std::vector<metrics::Sample>{
        {"state=\"running\"", static_cast<double>(limit.running())},
        {"state=\"free\"", static_cast<double>(limit.slots() - limit.running())}};
  });
  registry.add_callback("password_hash_waiting", "Password hashes waiting for a slot.", "gauge",
                        [] {
                          return std::vector<metrics::Sample>{
                              {"", static_cast<double>(auth::HashLimit::process().waiting())}};
                        });
  registry.add_callback("login_busy_total",
                        "Logins answered 429 because every hash slot and queue place was taken.",
                        "counter", [] {
                          return std::vector<metrics::Sample>{
                              {"", static_cast<double>(auth::HashLimit::process().refused())}};
                        });
}

// What a serving process adds around the app's routes: pool and hashing
// metrics, PostgreSQL fibers, readiness, and the database-away mapping.
void prepare_server(http::Server& server, metrics::Registry& registry,
                    const std::shared_ptr<db::Pool>& pool, unsigned db_fibers) {
  register_pool_metrics(registry, pool);
  register_memory_metrics(registry);
  register_hash_metrics(registry);
  // PostgreSQL: database-only handlers run in fibers on the network threads,
  // db_fibers at a time per thread (0: on the worker pool, as on SQLite).
  if (pool->dialect() == db::Dialect::postgres && db_fibers > 0) {
    db::fiber::set_limit(db_fibers);
    server.set_fiber_runner(db::fiber::start);
  }
  server.set_readiness_check([pool] { return pool->ping(); });
  server.set_exception_mapper(database_unavailable);
}

}  // namespace

int run(App& app, int argc, char** argv) {
  return_large_blocks_to_the_system();
  std::string command = argc > 1 ? argv[1] : "serve";
  if (auto exit_code = help_or_unknown(app, command)) return *exit_code;
  std::vector<std::string> args;
  for (int i = 2; i < argc; ++i) args.emplace_back(argv[i]);

  Config cfg(app.env_prefix);
  configure_logging(cfg);

  const std::string url = app.default_database.empty()
                              ? cfg.required("DATABASE_URL")
                              : cfg.str("DATABASE_URL", app.default_database);
  const db::PoolOptions pool_options = pool_options_from(cfg, command == "serve");
  const bool auto_migrate = cfg.boolean("AUTO_MIGRATE", true);
  const auto db_fibers = static_cast<unsigned>(cfg.integer("DB_FIBERS_PER_THREAD", 4, 0, 64));

  http::ServerOptions server_options;
  if (command == "serve") server_options = http::server_options_from(cfg, app.default_listen);

  configure_hash_limit(cfg);
  if (app.configure) app.configure(cfg);

  metrics::Registry registry;
  http::Router router(app.trailing_slash);
  Context ctx{cfg, nullptr, router, registry, nullptr, args};

  // Everything the app reads from the configuration is read before the check,
  // so one run reports every problem at once.
  std::unique_ptr<http::Server> server;
  try {
    cfg.check();
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "%s: %s\n", app.name.c_str(), e.what());
    return 2;
  }

  ctx.db = open_database(app, url, pool_options);
  if (!ctx.db) return 1;

  try {
    if (command == "version" || command == "migrate")
      return run_schema_command(app, command, *ctx.db);
    if (!ensure_schema(app, *ctx.db, auto_migrate)) return 1;

    if (command != "serve") {
      if (app.setup) app.setup(ctx);
      cfg.check();
      return app.commands.at(command).run(ctx);
    }

    server = std::make_unique<http::Server>(server_options, router, registry);
    ctx.server = server.get();
    if (app.setup) app.setup(ctx);
    cfg.check();
    prepare_server(*server, registry, ctx.db, db_fibers);
    server->start();
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "%s: %s\n", app.name.c_str(), e.what());
    return 2;
  } catch (const db::SchemaError& e) {
    log::error("refusing to start", {{"error", e.what()}});
    return 1;
  } catch (const std::exception& e) {
    log::error("start-up failed", {{"error", e.what()}});
    return 1;
  }

  server->run();
  ctx.db->close();
  log::info("stopped", {{"service", app.name}});
  return 0;
}

}  // namespace ts::service
