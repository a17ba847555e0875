// microblog — the server-rendered microblog. See docs/microblog.md.
#include <csignal>
#include <cstdlib>
#include <memory>
#include <thread>

#include "microblog/api/routes.hpp"
#include "microblog/app.hpp"
#include "microblog/commands/commands.hpp"
#include "microblog/jobs.hpp"
#include "microblog/web/access.hpp"
#include "microblog/web/avatar.hpp"
#include "microblog/web/page.hpp"
#include "platform/core/log.hpp"
#include "platform/service/service.hpp"

namespace {
std::unique_ptr<microblog::Microblog> blog;
std::unique_ptr<microblog::Worker> worker;
microblog::Settings settings;
volatile std::sig_atomic_t stop_requested = 0;

int run_worker(ts::service::Context&) {
  std::signal(SIGTERM, [](int) { stop_requested = 1; });
  std::signal(SIGINT, [](int) { stop_requested = 1; });
  ts::log::info("worker started");
  while (!stop_requested) {
    bool worked = false;
    try {
      worked = microblog::run_one_job(*blog);
    } catch (const std::exception& e) {
      ts::log::warn("job queue unavailable", {{"error", e.what()}});
    }
    if (!worked) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ts::log::info("worker stopped");
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  ts::service::App app;
  app.name = "microblog";
  app.env_prefix = "MICROBLOG";
  app.default_listen = "127.0.0.1:5000";
  const char* pwd = std::getenv("PWD");
  app.default_database = "sqlite:///" + std::string(pwd ? pwd : "/tmp") + "/var/microblog.db";
  app.migrations = ts::db::embedded_migrations_microblog();
  app.configure = [](ts::Config& cfg) { settings = microblog::read_settings(cfg); };
  app.setup = [](ts::service::Context& ctx) {
    blog = std::make_unique<microblog::Microblog>(ctx.db, settings);
    if (!ctx.server) return;
    if (blog->settings.public_url.empty())
      ts::log::warn(
          "MICROBLOG_PUBLIC_URL is not set: password reset and e-mail confirmation mail will "
          "not be sent (links in mail are never built from the request's Host header)");
    if (!blog->settings.translator.enabled())
      ts::log::info(
          "translation is off: no translator configured (set MICROBLOG_TRANSLATOR to "
          "libretranslate or microsoft, with MICROBLOG_TRANSLATOR_URL and/or "
          "MICROBLOG_TRANSLATOR_KEY; docs/microblog.md, Translation)");
    microblog::web::register_auth(*blog, ctx.router);
    microblog::web::register_pages(*blog, ctx.router);
    microblog::web::register_social(*blog, ctx.router);
    microblog::web::register_static(*blog, ctx.router);
    microblog::web::register_avatars(*blog, ctx.router);
    microblog::api::register_api(*blog, ctx.router);
    microblog::web::register_not_found(*blog, ctx.router);
    ctx.server->set_access_check([](ts::http::Request& req, ts::http::Access access) {
      return microblog::web::check_access(*blog, req, access);
    });
    if (blog->settings.run_worker) worker = std::make_unique<microblog::Worker>(*blog);
  };
  app.commands["worker"] = {"run background jobs (export) until SIGTERM", run_worker};
  app.commands["import-flask"] = {"import the original Flask microblog's database (--from URL)",
                                  microblog::commands::import_flask};
  app.commands["seed"] = {"add a generated data set for benchmarks (--users, --posts, --follows)",
                          microblog::commands::seed};
  const int rc = ts::service::run(app, argc, argv);
  worker.reset();
  return rc;
}
