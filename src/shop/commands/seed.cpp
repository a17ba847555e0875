#include <cstdio>

#include "platform/db/connection.hpp"
#include "shop/commands/commands.hpp"
#include "shop/storage/products.hpp"

namespace shop::commands {

// A small demo catalogue, so a fresh store shows something.
int seed(ts::service::Context& ctx) {
  if (storage::count_products(*ctx.db) > 0) {
    std::printf("shop seed: the catalogue already has products; nothing to do\n");
    return 0;
  }
  struct Item {
    const char* name;
    const char* description;
    std::int64_t cents;
    bool stock;
  };
  static const Item items[] = {
      {"MacBook Pro", "Apple laptop with a 14-inch display.", 12499999, true},
      {"Playstation 5", "Sony games console.", 3000000, false},
      {"Bolt Headphones", "Wireless over-ear headphones.", 120099, true},
      {"Computer Chairs", "Ergonomic office chair.", 599999, true},
      {"Mechanical Keyboard", "Tenkeyless keyboard with brown switches.", 749900, true},
      {"4K Monitor", "27-inch IPS display.", 2899900, false},
  };
  auto lease = ctx.db->acquire();
  ts::db::Transaction tx(*lease);
  int n = 0;
  for (const auto& it : items) {
    storage::insert_product(tx.connection(),
                            {0, it.name, it.description, it.cents, it.stock, std::nullopt});
    ++n;
  }
  tx.commit();
  std::printf("shop seed: %d products added\n", n);
  return 0;
}

}  // namespace shop::commands
