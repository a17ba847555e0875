// shop import-django --from URL [--media DIR]: imports the original Django
// store's database (spec shop.md §1, §7) into tierstack's schema.
//
// Source tables: auth_user, product_product, account_billingaddress,
// account_stripemodel, account_ordermodel — read with the same SQL on SQLite
// and PostgreSQL (CAST(... AS TEXT) for decimals and datetimes). Each target
// table is written in one transaction, ids preserved; on PostgreSQL the
// identity sequences are then moved past them. The run ends with the rows
// imported per table and the anomalies found.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "platform/auth/password.hpp"
#include "platform/db/connection.hpp"
#include "platform/db/import_support.hpp"
#include "shop/app.hpp"
#include "shop/commands/commands.hpp"
#include "shop/commands/import_rows.hpp"
#include "shop/domain/timestamps.hpp"

namespace shop::commands {

namespace {

using ts::db::Value;
using ts::db::importing::Anomalies;
using ts::db::importing::Progress;
constexpr const char* kCommand = "shop import-django";

using import_rows::card_brand;
using import_rows::decimal_cents;
using import_rows::digits_only;
using import_rows::normalize_timestamp;
using import_rows::squash;

const std::set<std::string>& us_states() {
  static const std::set<std::string> s = {
      "Alabama",       "Alaska",      "Arizona",        "Arkansas",      "California",
      "Colorado",      "Connecticut", "Delaware",       "Florida",       "Georgia",
      "Hawaii",        "Idaho",       "Illinois",       "Indiana",       "Iowa",
      "Kansas",        "Kentucky",    "Louisiana",      "Maine",         "Maryland",
      "Massachusetts", "Michigan",    "Minnesota",      "Mississippi",   "Missouri",
      "Montana",       "Nebraska",    "Nevada",         "New Hampshire", "New Jersey",
      "New Mexico",    "New York",    "North Carolina", "North Dakota",  "Ohio",
      "Oklahoma",      "Oregon",      "Pennsylvania",   "Rhode Island",  "South Carolina",
      "South Dakota",  "Tennessee",   "Texas",          "Utah",          "Vermont",
      "Virginia",      "Washington",  "West Virginia",  "Wisconsin",     "Wyoming"};
  return s;
}

struct Address {
  std::int64_t id;
  std::string name, phone, pin, house_no, landmark, city, state;
};

const char* kTables[] = {"shop_users", "shop_products", "shop_addresses", "shop_cards",
                         "shop_orders"};

}  // namespace

int import_django(ts::service::Context& ctx) {
  CLI::App cli(
      "Import the original Django store's database (auth_user, product_product, "
      "account_billingaddress, account_stripemodel, account_ordermodel) into this store's "
      "empty database: ids kept, one transaction per table, then a report of rows and "
      "anomalies.",
      "shop import-django");
  std::string from, media;
  cli.add_option("--from", from,
                 "source database: sqlite:///path.db, a file path, or postgresql://…")
      ->required();
  cli.add_option("--media", media, "the original's image directory (copied to SHOP_MEDIA_DIR)");
  std::vector<std::string> args(ctx.args.rbegin(), ctx.args.rend());
  try {
    cli.parse(args);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 2;
  }
  std::unique_ptr<ts::db::Connection> src;
  try {
    src = ts::db::importing::open_source(from);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shop import-django: %s\n", e.what());
    return 1;
  }
  try {
    if (src->dialect() == ts::db::Dialect::postgres) src->execute_script("SET TIME ZONE 'UTC'");
    src->query("SELECT COUNT(*) FROM auth_user");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shop import-django: cannot read %s: %s\n",
                 ts::db::redact_url(from).c_str(), e.what());
    return 1;
  }
  auto& db = *ctx.db;
  for (const char* t : kTables) {
    if (db.query(std::string("SELECT COUNT(*) FROM ") + t).scalar<std::int64_t>() > 0) {
      std::fprintf(stderr,
                   "shop import-django: %s is not empty; import into a fresh database "
                   "(ids are kept)\n",
                   t);
      return 1;
    }
  }

  const auto started = std::chrono::steady_clock::now();
  const std::string now = domain::format_db_timestamp(domain::now_timestamp());
  Anomalies bad;
  std::map<std::string, std::int64_t> imported;
  std::set<std::int64_t> user_ids;

  // auth_user → shop_users
  {
    const auto rows = src->query(
        "SELECT id, username, email, password, is_staff, is_active, is_superuser, "
        "CAST(date_joined AS TEXT), CAST(last_login AS TEXT) FROM auth_user ORDER BY id");
    auto lease = db.acquire();
    ts::db::Transaction tx(*lease);
    Progress bar(kCommand, "users", rows.size());
    std::set<std::string> emails;
    std::size_t n = 0;
    for (const auto& r : rows) {
      const auto id = r.get<std::int64_t>(0);
      const auto username = r.get<std::string>(1);
      auto email = r.get<std::optional<std::string>>(2).value_or("");
      auto hash = r.get<std::optional<std::string>>(3).value_or("");
      const bool active = r.get<bool>(5);
      bool reset = false;
      if (!ts::auth::is_usable_hash(hash)) {
        bad.add("users whose password is not a hash (must reset)", username);
        hash.clear();
        reset = true;
      }
      if (!active) bad.add("inactive users", username);
      if (!email.empty() && !emails.insert(email).second) {
        bad.add("duplicate e-mail addresses (blanked)", username + " <" + email + ">");
        email.clear();
      }
      const auto joined = normalize_timestamp(r.get<std::optional<std::string>>(7));
      if (!joined) bad.add("users without a readable date_joined (import time used)", username);
      tx.query(
          "INSERT INTO shop_users (id, username, email, password_hash, is_staff, is_active, "
          "is_superuser, date_joined, last_login, password_reset_required) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
          {id, username, email, hash, r.get<bool>(4) ? 1 : 0, active ? 1 : 0,
           r.get<bool>(6) ? 1 : 0, joined.value_or(now),
           normalize_timestamp(r.get<std::optional<std::string>>(8)), reset ? 1 : 0});
      user_ids.insert(id);
      bar.tick(++n);
    }
    tx.commit();
    imported["users"] = static_cast<std::int64_t>(n);
  }

  // product_product → shop_products (and images with --media)
  std::map<std::string, std::int64_t> product_by_name;
  {
    const auto rows = src->query(
        "SELECT id, name, description, CAST(price AS TEXT), stock, image FROM product_product "
        "ORDER BY id");
    const auto media_dir = read_settings(ctx.cfg).media_dir;
    auto lease = db.acquire();
    ts::db::Transaction tx(*lease);
    Progress bar(kCommand, "products", rows.size());
    std::size_t n = 0, copied = 0;
    for (const auto& r : rows) {
      const auto id = r.get<std::int64_t>(0);
      auto name = r.get<std::string>(1);
      const auto price_text = r.get<std::optional<std::string>>(3);
      auto cents = decimal_cents(price_text);
      if (!cents || *cents > 99'999'999) {
        bad.add("products with an unreadable price (0.00 used)",
                name + ": " + price_text.value_or("NULL"));
        cents = 0;
      }
      auto image = r.get<std::optional<std::string>>(5);
      if (image && image->empty()) image.reset();
      if (image && !media.empty()) {
        // Django stores the name relative to MEDIA_ROOT; only the file name is kept.
        const auto from_file = std::filesystem::path(media) / *image;
        const auto file = from_file.filename().string();
        if (file.empty() || file[0] == '.') {
          bad.add("product images with an unusable name (dropped)", *image);
          image.reset();
        } else if (std::filesystem::is_regular_file(from_file)) {
          std::filesystem::create_directories(media_dir);
          std::filesystem::copy_file(from_file, std::filesystem::path(media_dir) / file,
                                     std::filesystem::copy_options::overwrite_existing);
          image = file;
          ++copied;
        } else {
          bad.add("product images missing from --media", *image);
        }
      }
      tx.query(
          "INSERT INTO shop_products (id, name, description, price_cents, stock, image, "
          "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
          {id, name, r.get<std::optional<std::string>>(2).value_or(""), *cents,
           r.get<bool>(4) ? 1 : 0, image, now});
      product_by_name.emplace(name, id);
      bar.tick(++n);
    }
    tx.commit();
    imported["products"] = static_cast<std::int64_t>(n);
    if (!media.empty())
      std::printf("shop import-django: %zu images copied to %s\n", copied, media_dir.c_str());
  }

  // account_billingaddress → shop_addresses
  std::map<std::int64_t, std::vector<Address>> addresses_of;
  {
    const auto rows = src->query(
        "SELECT id, user_id, name, phone_number, pin_code, house_no, landmark, city, state "
        "FROM account_billingaddress ORDER BY id");
    auto lease = db.acquire();
    ts::db::Transaction tx(*lease);
    Progress bar(kCommand, "addresses", rows.size());
    std::size_t n = 0;
    std::map<std::string, std::int64_t> free_text;
    for (const auto& r : rows) {
      const auto id = r.get<std::int64_t>(0);
      const auto user = r.get<std::optional<std::int64_t>>(1);
      auto text = [&](int i) { return r.get<std::optional<std::string>>(i).value_or(""); };
      Address a{id, text(2), text(3), text(4), text(5), text(6), text(7), text(8)};
      bar.tick(++n);
      if (!user || !user_ids.count(*user)) {
        bad.add("addresses without a user (skipped)", "#" + std::to_string(id));
        continue;
      }
      if (!us_states().count(a.state)) ++free_text[a.state];
      tx.query(
          "INSERT INTO shop_addresses (id, user_id, name, phone_number, pin_code, house_no, "
          "landmark, city, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
          {id, *user, a.name, a.phone, a.pin, a.house_no, a.landmark, a.city, a.state});
      addresses_of[*user].push_back(std::move(a));
      ++imported["addresses"];
    }
    tx.commit();
    for (const auto& [state, count] : free_text)
      bad.add("free-text states (kept as written)",
              "\"" + state + "\" (" + std::to_string(count) + " addresses)");
  }

  // account_stripemodel → shop_cards (brand, last four, expiry; never the number)
  {
    const auto rows = src->query(
        "SELECT id, user_id, email, name_on_card, customer_id, card_id, card_number, "
        "exp_month, exp_year, address_city, address_country, address_state, address_zip "
        "FROM account_stripemodel ORDER BY id");
    auto lease = db.acquire();
    ts::db::Transaction tx(*lease);
    Progress bar(kCommand, "cards", rows.size());
    std::size_t n = 0;
    std::set<std::string> card_ids;
    for (const auto& r : rows) {
      const auto id = r.get<std::int64_t>(0);
      const auto user = r.get<std::optional<std::int64_t>>(1);
      bar.tick(++n);
      if (!user || !user_ids.count(*user)) {
        bad.add("cards without a user (skipped)", "#" + std::to_string(id));
        continue;
      }
      const auto number = digits_only(r.get<std::optional<std::string>>(6).value_or(""));
      if (number.size() > 16)
        bad.add("over-long card numbers (only brand, last 4 and expiry kept)",
                "card #" + std::to_string(id) + ": " + std::to_string(number.size()) + " digits");
      std::optional<std::string> last4;
      if (number.size() >= 4) last4 = number.substr(number.size() - 4);
      auto small_int = [&](int i, long lo, long hi) -> std::optional<std::int64_t> {
        const auto t = r.get<std::optional<std::string>>(i);
        if (!t || t->empty() || t->size() > 4 || digits_only(*t) != *t) return std::nullopt;
        const long v = std::stol(*t);
        if (v < lo || v > hi) return std::nullopt;
        return v;
      };
      auto card_id = r.get<std::optional<std::string>>(5);
      if (card_id && !card_ids.insert(*card_id).second) {
        bad.add("duplicate gateway card ids (blanked)", *card_id);
        card_id.reset();
      }
      tx.query(
          "INSERT INTO shop_cards (id, user_id, email, name_on_card, customer_id, card_id, "
          "brand, last4, exp_month, exp_year, address_city, address_country, address_state, "
          "address_zip, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
          "$13, $14, $15)",
          {id, *user, r.get<std::optional<std::string>>(2), r.get<std::optional<std::string>>(3),
           r.get<std::optional<std::string>>(4), card_id, card_brand(number), last4,
           small_int(7, 1, 12), small_int(8, 0, 9999), r.get<std::optional<std::string>>(9),
           r.get<std::optional<std::string>>(10), r.get<std::optional<std::string>>(11),
           r.get<std::optional<std::string>>(12), now});
      ++imported["cards"];
    }
    tx.commit();
  }

  // account_ordermodel → shop_orders, with product_id by name and the address
  // each order was shipped to (matched per user on the flattened string).
  {
    const auto rows = src->query(
        "SELECT id, user_id, name, ordered_item, card_number, address, paid_status, "
        "CAST(paid_at AS TEXT), CAST(total_price AS TEXT), is_delivered, delivered_at "
        "FROM account_ordermodel ORDER BY id");
    auto lease = db.acquire();
    ts::db::Transaction tx(*lease);
    Progress bar(kCommand, "orders", rows.size());
    std::size_t n = 0;
    std::map<std::string, std::int64_t> unknown_products;
    for (const auto& r : rows) {
      const auto id = r.get<std::int64_t>(0);
      const auto user = r.get<std::optional<std::int64_t>>(1);
      bar.tick(++n);
      if (!user || !user_ids.count(*user)) {
        bad.add("orders without a user (skipped)", "#" + std::to_string(id));
        continue;
      }
      const auto item = r.get<std::optional<std::string>>(3);
      std::optional<std::int64_t> product_id;
      if (item) {
        if (auto it = product_by_name.find(*item); it != product_by_name.end())
          product_id = it->second;
      }
      if (!product_id) ++unknown_products[item.value_or("NULL")];

      const auto address = r.get<std::optional<std::string>>(5);
      const Address* shipped = nullptr;
      if (address) {
        const auto want = squash(*address);
        const auto& mine = addresses_of[*user];
        // The generated rows' format, then the original UI's; then the same
        // without the pin code (an address edited after the order).
        for (int pass = 0; pass < 2 && !shipped; ++pass) {
          for (const auto& a : mine) {
            std::string gen = a.house_no + " " + a.landmark + ", " + a.city + ", " + a.state;
            std::string ui = a.house_no + ", near " + a.landmark + ", " + a.city + ", " + a.state;
            if (pass == 0) {
              gen += " " + a.pin;
              ui += ", " + a.pin;
            }
            auto matches = [&](const std::string& s) {
              const auto q = squash(s);
              if (pass == 0) return want == q;
              return want.compare(0, q.size(), q) == 0 &&
                     (want.size() == q.size() || want[q.size()] == ',' || want[q.size()] == ' ');
            };
            if (matches(gen) || matches(ui)) {
              shipped = &a;
              break;
            }
          }
        }
      }
      if (!shipped) bad.add("orders not linked to an address", "#" + std::to_string(id));

      const auto paid_text = r.get<std::optional<std::string>>(7);
      const auto paid_at = normalize_timestamp(paid_text);
      if (paid_text && !paid_at) bad.add("orders with an unreadable paid_at (dropped)", *paid_text);
      const auto cents = decimal_cents(r.get<std::optional<std::string>>(8));
      auto card = digits_only(r.get<std::optional<std::string>>(4).value_or(""));
      if (card.size() > 4) card = card.substr(card.size() - 4);
      auto opt = [&](const std::string& s) -> Value { return shipped ? Value(s) : Value(); };
      tx.query(
          "INSERT INTO shop_orders (id, user_id, name, ordered_item, product_id, card_number, "
          "address, address_id, shipping_name, shipping_phone_number, shipping_house_no, "
          "shipping_landmark, shipping_city, shipping_state, shipping_pin_code, paid_status, "
          "paid_at, total_price_cents, is_delivered, delivered_at, created_at) VALUES ($1, $2, "
          "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, "
          "$21)",
          {id,
           *user,
           r.get<std::optional<std::string>>(2).value_or(""),
           item,
           product_id,
           card.empty() ? Value() : Value(card),
           address,
           shipped ? Value(shipped->id) : Value(),
           opt(shipped ? shipped->name : ""),
           opt(shipped ? shipped->phone : ""),
           opt(shipped ? shipped->house_no : ""),
           opt(shipped ? shipped->landmark : ""),
           opt(shipped ? shipped->city : ""),
           opt(shipped ? shipped->state : ""),
           opt(shipped ? shipped->pin : ""),
           r.get<bool>(6) ? 1 : 0,
           paid_at,
           cents,
           r.get<bool>(9) ? 1 : 0,
           r.get<std::optional<std::string>>(10),
           paid_at.value_or(now)});
      ++imported["orders"];
    }
    tx.commit();
    for (const auto& [name, count] : unknown_products)
      bad.add("ordered items matching no product (product_id NULL, text kept)",
              "\"" + name + "\" (" + std::to_string(count) + " orders)");
  }

  if (db.dialect() == ts::db::Dialect::postgres) {
    for (const char* t : kTables)
      db.query(std::string("SELECT setval(pg_get_serial_sequence('") + t +
               "', 'id'), MAX(id)) FROM " + t);
  }

  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("\nshop import-django: imported in %.1f s\n", secs);
  for (const char* t : {"users", "products", "addresses", "cards", "orders"})
    std::printf("  %-10s %8lld rows\n", t, static_cast<long long>(imported[t]));
  std::printf("anomalies:%s\n", bad.counts.empty() ? " none" : "");
  for (const auto& [kind, count] : bad.counts) {
    std::printf("  %s: %lld\n", kind.c_str(), static_cast<long long>(count));
    for (const auto& ex : bad.items[kind]) std::printf("    %s\n", ex.c_str());
    if (count > static_cast<std::int64_t>(bad.items[kind].size())) std::printf("    …\n");
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace shop::commands
