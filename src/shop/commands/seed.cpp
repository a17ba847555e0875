#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>

#include "platform/db/connection.hpp"
#include "platform/service/command_line.hpp"
#include "shop/app.hpp"
#include "shop/commands/commands.hpp"
#include "shop/commands/seed_data.hpp"
#include "shop/media/store.hpp"
#include "shop/storage/products.hpp"

namespace shop::commands {

namespace {

// Writes the demo pictures that products refer to and the media directory
// lacks (a new host sharing the database gets them too); returns how many.
int write_demo_images(ts::db::Pool& db, const std::string& media_dir) {
  std::set<std::string> used;
  for (const auto& r : db.query("SELECT image FROM shop_products WHERE image IS NOT NULL"))
    used.insert(r.get<std::string>(0));
  int written = 0;
  const auto& catalogue = demo_catalogue();
  for (std::size_t i = 0; i < catalogue.size(); ++i) {
    if (!used.count(catalogue[i].image)) continue;
    const auto path = std::filesystem::path(media_dir) / catalogue[i].image;
    if (std::filesystem::exists(path)) continue;
    media::save_image_as(media_dir, catalogue[i].image, demo_image_png(i));
    ++written;
  }
  return written;
}

}  // namespace

// shop seed [--users N --orders M --seed S]: the demo catalogue when the
// store has no products, then optionally a generated data set.
int seed(ts::service::Context& ctx) {
  CLI::App cli(
      "Load the demo catalogue (33 products with pictures) when the store has no products, and "
      "optionally a deterministic generated data set: users (each with an address and a saved "
      "card), and orders spread over products, states and months. Generated users share the "
      "password given by --password, stored as one argon2id hash computed once per run. With the "
      "sandbox gateway (SHOP_PAYMENT_GATEWAY=sandbox, the default) each saved card is also a "
      "sandbox customer and card that succeeds, so seeded users can pay with it; with stripe "
      "the cards are only the shop's records. Running it again adds nothing that is already "
      "there.",
      "shop seed");
  LargeSetOptions o;
  ts::service::add_count_option(cli, "--users", o.users,
                                "generated users in total (with addresses and cards)", 10'000'000);
  ts::service::add_count_option(cli, "--orders", o.orders, "generated orders in total",
                                100'000'000);
  ts::service::add_generator_options(cli, o.seed, o.batch, o.password);
  if (const auto status = ts::service::parse_command_line(cli, ctx.args)) return *status;

  const auto started = std::chrono::steady_clock::now();
  const auto settings = read_settings(ctx.cfg);
  const auto& media_dir = settings.media_dir;
  // Generated cards get sandbox rows only when the sandbox is the gateway.
  o.sandbox_gateway = settings.payment_gateway == "sandbox";
  const auto& catalogue = demo_catalogue();
  if (storage::count_products(*ctx.db) > 0) {
    std::printf("shop seed: the catalogue already has products; not adding the demo catalogue\n");
  } else {
    auto lease = ctx.db->acquire();
    ts::db::Transaction tx(*lease);
    for (const auto& it : catalogue)
      storage::insert_product(tx.connection(),
                              {0, it.name, it.description, it.cents, it.stock, it.image});
    tx.commit();
    std::printf("shop seed: %zu products added\n", catalogue.size());
  }
  const int images = write_demo_images(*ctx.db, media_dir);
  if (images > 0) std::printf("shop seed: %d pictures written to %s\n", images, media_dir.c_str());

  if (o.sandbox_gateway) {
    // Generated cards from a run before the sandbox kept them in this
    // database, or from a run with the stripe gateway, become payable.
    if (const auto n = add_missing_sandbox_cards(*ctx.db); n > 0)
      std::printf("shop seed: %lld generated cards added to the sandbox gateway\n",
                  static_cast<long long>(n));
  }
  if (o.users > 0 || o.orders > 0) {
    auto res = generate_large_set(*ctx.db, o, [](std::string_view line) {
      std::printf("shop seed: %.*s\n", static_cast<int>(line.size()), line.data());
      std::fflush(stdout);
    });
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf(
        "shop seed: added %lld users, %lld addresses, %lld cards, %lld orders in %.1f s\n",
        static_cast<long long>(res.users_added), static_cast<long long>(res.addresses_added),
        static_cast<long long>(res.cards_added), static_cast<long long>(res.orders_added), secs);
  }
  return 0;
}

}  // namespace shop::commands
