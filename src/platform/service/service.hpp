#pragma once
// What every tierstack service binary shares: subcommands (serve, migrate,
// version, plus the app's own), configuration from <PREFIX>_* variables,
// the database pool, migrations, readiness, pool metrics and a clean exit.
//
//   int main(int argc, char** argv) {
//     ts::service::App app{.name = "shop", .env_prefix = "SHOP", ...};
//     app.setup = [](ts::service::Context& ctx) { register routes on ctx.router };
//     return ts::service::run(app, argc, argv);
//   }
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "platform/core/config.hpp"
#include "platform/db/migrations.hpp"
#include "platform/http/router.hpp"
#include "platform/http/server.hpp"
#include "platform/metrics/metrics.hpp"

namespace ts::service {

struct Context {
  Config& cfg;
  std::shared_ptr<db::Pool> db;
  http::Router& router;
  metrics::Registry& metrics;
  http::Server* server = nullptr;  // set only for `serve`, before setup runs
  std::vector<std::string> args;   // arguments after the subcommand
};

struct Command {
  std::string help;
  // Runs with the database open and migrated to the newest known version.
  std::function<int(Context&)> run;
};

struct App {
  std::string name;               // "shop": logs, version table key
  std::string env_prefix;         // "SHOP": SHOP_LISTEN, SHOP_DATABASE_URL …
  std::string default_listen;     // "127.0.0.1:8000"
  std::string default_database;   // "sqlite:///…"; empty: <PREFIX>_DATABASE_URL is required
  db::MigrationFiles migrations;  // usually db::embedded_migrations_<app>()
  http::TrailingSlash trailing_slash = http::TrailingSlash::strict;
  // Reads the app's own settings (errors are collected and reported with the
  // platform's, before the database is touched).
  std::function<void(Config&)> configure;
  // Builds the app on the open, migrated database and, for serve, registers
  // its routes (ctx.server is null for other commands).
  std::function<void(Context&)> setup;
  std::map<std::string, Command> commands;  // extra subcommands: seed, create-admin …
};

// Parses argv, runs the subcommand and returns the process exit status:
// 0 success, 1 runtime failure, 2 bad usage or configuration.
int run(App& app, int argc, char** argv);

}  // namespace ts::service
