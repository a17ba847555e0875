// shop — the store's REST API service. See README.md for configuration.
#include <cstdlib>
#include <memory>
#include <string_view>

#include "platform/service/service.hpp"
#include "shop/api/access.hpp"
#include "shop/api/routes.hpp"
#include "shop/app.hpp"
#include "shop/commands/commands.hpp"

int main(int argc, char** argv) {
  static std::unique_ptr<shop::Shop> shop;
  static shop::Settings settings;

  ts::service::App app;
  app.name = "shop";
  app.env_prefix = "SHOP";
  app.default_listen = "127.0.0.1:8000";
  const char* pwd = std::getenv("PWD");
  app.default_database = "sqlite:///" + std::string(pwd ? pwd : "/tmp") + "/var/shop.db";
  app.migrations = ts::db::embedded_migrations_shop();
  app.trailing_slash = ts::http::TrailingSlash::redirect_get;
  // As ts::service::run decides: no command means serve.
  static const bool serving = argc < 2 || std::string_view(argv[1]) == "serve";
  app.configure = [](ts::Config& cfg) { settings = shop::read_settings(cfg, serving); };
  app.setup = [](ts::service::Context& ctx) {
    shop = std::make_unique<shop::Shop>(ctx.db, settings);
    if (!ctx.server) return;  // a command, not serve
    shop::api::register_products(*shop, ctx.router);
    shop::api::register_accounts(*shop, ctx.router);
    shop::api::register_addresses(*shop, ctx.router);
    shop::api::register_cards(*shop, ctx.router);
    shop::api::register_checkout(*shop, ctx.router);
    shop::api::register_orders(*shop, ctx.router);
    shop::api::register_reports(*shop, ctx.router);
    ctx.server->set_authenticator([](ts::http::Request& req) { shop::authenticate(*shop, req); });
    // RouteOptions::access (401, 403), on the header: an anonymous upload is
    // refused before its body is read.
    ctx.server->set_access_check(
        [](ts::http::Request& req, ts::http::Access access) -> std::optional<ts::http::Response> {
          shop::api::check_access(req, access);
          return std::nullopt;
        });
  };
  app.commands["seed"] = {"load the demo catalogue (when the store has no products)",
                          shop::commands::seed};
  app.commands["create-admin"] = {
      "create a staff account (--username, --email; password from stdin)",
      shop::commands::create_admin};
  app.commands["report"] = {"business reports: counts, states, products, revenue",
                            shop::commands::report};
  app.commands["import-django"] = {"import the original store's database (--from URL)",
                                   shop::commands::import_django};
  return ts::service::run(app, argc, argv);
}
