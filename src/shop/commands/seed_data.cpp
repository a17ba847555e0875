#include "shop/commands/seed_data.hpp"
#include "shop/commands/us_states.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>

#include "platform/auth/password.hpp"
#include "platform/core/splitmix.hpp"
#include "platform/db/connection.hpp"
#include "shop/domain/timestamps.hpp"
#include "shop/storage/tables.hpp"

namespace shop::commands {
namespace {

std::string slug(std::string_view name) {
  std::string out;
  for (char c : name) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out.push_back(c);
    } else if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
    if (out.size() >= 60) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

// SplitMix64 (platform/core/splitmix.hpp) with one stream per kind of row
// (users, orders), its first output skipped.
struct Rng : ts::core::SplitMix64 {
  Rng(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) : SplitMix64(seed, index) {
    mix(stream << 56);
    next();
  }
  template <class T, std::size_t N>
  const T& pick(const std::array<T, N>& a) {
    return a[below(N)];
  }
  std::string digits(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + below(10)));
    if (s[0] == '0') s[0] = static_cast<char>('1' + below(9));
    return s;
  }
};

enum Stream : std::uint64_t { kUser = 1, kOrder = 2 };

constexpr std::array<std::string_view, 32> kFirst = {
    "Cynthia", "Leslie",   "James",   "Maria",     "Robert",  "Linda",  "Michael", "Patricia",
    "David",   "Jennifer", "William", "Elizabeth", "Richard", "Susan",  "Joseph",  "Jessica",
    "Thomas",  "Sarah",    "Charles", "Karen",     "Daniel",  "Nancy",  "Matthew", "Lisa",
    "Anthony", "Betty",    "Mark",    "Sandra",    "Steven",  "Ashley", "Paul",    "Emily"};
constexpr std::array<std::string_view, 32> kLast = {
    "Kelly",  "Wyatt",    "Smith",  "Johnson",  "Brown",  "Garcia", "Miller",  "Davis",
    "Wilson", "Anderson", "Taylor", "Thomas",   "Moore",  "Martin", "Jackson", "White",
    "Harris", "Clark",    "Lewis",  "Robinson", "Walker", "Young",  "Allen",   "King",
    "Wright", "Scott",    "Torres", "Nguyen",   "Hill",   "Flores", "Green",   "Adams"};
constexpr std::array<std::string_view, 16> kStreet = {
    "Andrew Court", "David Groves", "Maple Street", "Oak Avenue", "Pine Road",  "Cedar Lane",
    "Elm Drive",    "Lake View",    "Hill Crest",   "River Walk", "Park Place", "Sunset Boulevard",
    "Mill Run",     "Forest Glen",  "Bay Point",    "Meadow Way"};
constexpr std::array<std::string_view, 16> kCityStem = {
    "Brianna", "Courtney", "Green", "West",   "North", "Lake", "Spring",   "Fair",
    "Oak",     "River",    "Mill",  "Bright", "Clear", "Rock", "Pleasant", "Maple"};
constexpr std::array<std::string_view, 8> kCityEnd = {"mouth", "ville", "field", "ton",
                                                      "burg",  "port",  "side",  " City"};
constexpr const char* kSeedDomain = "@seed.example.com";
constexpr std::int64_t kUserNumberBase = 1000;

using domain::Timestamp;

Timestamp base_time() {
  using namespace std::chrono;
  return time_point_cast<microseconds>(sys_days(year(2024) / June / 30) + hours(12));
}

std::string plain_datetime(Timestamp t) {
  // "YYYY-MM-DD HH:MM:SS", the original's delivered_at text for generated rows.
  auto s = domain::format_db_timestamp(t);  // 2021-06-29T16:03:10.030860Z
  s = s.substr(0, 19);
  s[10] = ' ';
  return s;
}

struct SeedUser {
  std::int64_t id = 0;
  storage::Address address;  // the first one
  std::string last4;
};

struct UserRow {
  std::string first, last, username, email, name;
  std::string phone, pin, house_no, landmark, city, state;
  std::string brand, last4;
  int exp_month = 1, exp_year = 2030;
  std::string customer_id, card_id;
};

UserRow make_user(std::uint64_t seed, std::int64_t i) {
  Rng r(seed, kUser, static_cast<std::uint64_t>(i));
  UserRow u;
  u.first = r.pick(kFirst);
  u.last = r.pick(kLast);
  u.username = std::string(1, u.first[0]) + u.last + std::to_string(kUserNumberBase + i);
  u.email = u.username;
  for (auto& c : u.email) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  u.email += kSeedDomain;
  u.name = u.first + " " + u.last;
  u.phone = r.digits(10);
  u.pin = r.digits(6);
  u.house_no = std::to_string(1 + r.below(99998));
  u.landmark = std::string(r.pick(kStreet));
  u.city = std::string(r.pick(kCityStem)) + std::string(r.pick(kCityEnd));
  u.state = std::string(r.pick(kUsStates));
  const bool visa = r.below(3) != 0;
  u.brand = visa ? "visa" : "mastercard";
  u.last4 = r.digits(4);
  u.exp_month = 1 + static_cast<int>(r.below(12));
  u.exp_year = 2026 + static_cast<int>(r.below(6));
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(r.next()),
                static_cast<unsigned long long>(r.next()));
  u.customer_id = std::string("cus_seed") + std::string(hex, 14);
  u.card_id = std::string("card_seed") + hex;
  return u;
}

std::int64_t count_seed_users(ts::db::Pool& db) {
  return db
      .query("SELECT COUNT(*) FROM shop_users WHERE email LIKE $1",
             {std::string("%") + kSeedDomain})
      .scalar<std::int64_t>();
}

// One statement of generated users (ids assigned by the database); their ids
// by user name.
std::map<std::string, std::int64_t> write_users(ts::db::Connection& conn,
                                                const std::vector<UserRow>& rows,
                                                const std::string& hash,
                                                const std::string& date_joined) {
  std::map<std::string, std::int64_t> id_of;
  auto users = storage::bulk_writer(conn, storage::users_table(), storage::Ids::assign, rows.size(),
                                    "id, username", [&](const ts::db::Result& r) {
                                      for (const auto& row : r)
                                        id_of[row.get<std::string>(1)] = row.get<std::int64_t>(0);
                                    });
  for (const auto& u : rows) {
    storage::UserRow w;
    w.username = u.username;
    w.email = u.email;
    w.password_hash = hash;
    w.date_joined = date_joined;
    users.add(w);
  }
  users.flush();
  return id_of;
}

storage::SandboxCardRow sandbox_card(const UserRow& u, const std::string& date_joined) {
  return {u.card_id, u.customer_id, "succeed", u.brand, u.last4, u.exp_month, u.exp_year,
          u.name,    u.city,        "USA",     u.state, u.pin,   date_joined, date_joined};
}

// Each generated user's address and saved card, and with the sandbox gateway
// the processor's side of the same card: a customer with one attached card
// that succeeds (brand, last four, expiry; no number).
void write_user_extras(ts::db::Connection& conn, const std::vector<UserRow>& rows,
                       const std::map<std::string, std::int64_t>& id_of,
                       const std::string& date_joined, bool sandbox) {
  const auto n = rows.size();
  auto addresses = storage::bulk_writer(conn, storage::addresses_table(), storage::Ids::assign, n);
  auto cards = storage::bulk_writer(conn, storage::cards_table(), storage::Ids::assign, n);
  auto customers =
      storage::bulk_writer(conn, storage::sandbox_customers_table(), storage::Ids::keep, n);
  auto sandbox_cards =
      storage::bulk_writer(conn, storage::sandbox_cards_table(), storage::Ids::keep, n);
  for (const auto& u : rows) {
    const auto uid = id_of.at(u.username);
    addresses.add({0, uid, {u.name, u.phone, u.pin, u.house_no, u.landmark, u.city, u.state}});
    cards.add({{0, uid, u.email, u.name, u.customer_id, u.card_id, u.brand, u.last4, u.exp_month,
                u.exp_year, u.city, "USA", u.state, u.pin},
               date_joined});
    if (!sandbox) continue;
    customers.add({u.customer_id, u.email, date_joined});
    sandbox_cards.add(sandbox_card(u, date_joined));
  }
  customers.flush();
  sandbox_cards.flush();
  addresses.flush();
  cards.flush();
}

void add_users(ts::db::Pool& db, const LargeSetOptions& o, LargeSetResult& res,
               const std::function<void(std::string_view)>& progress) {
  const std::int64_t have = count_seed_users(db);
  if (have >= o.users) {
    progress("users: " + std::to_string(have) + " generated users already there");
    return;
  }
  const std::string hash = ts::auth::hash_password(o.password);
  const auto date_joined = domain::format_db_timestamp(base_time() - std::chrono::hours(24 * 800));
  constexpr std::int64_t kRowsPerStatement = 250;
  for (std::int64_t start = have; start < o.users;) {
    const std::int64_t end = std::min<std::int64_t>(o.users, start + std::int64_t(o.batch));
    auto lease = db.acquire();
    ts::db::Transaction tx(*lease);
    for (std::int64_t s = start; s < end; s += kRowsPerStatement) {
      const std::int64_t e = std::min<std::int64_t>(end, s + kRowsPerStatement);
      std::vector<UserRow> rows;
      for (std::int64_t i = s; i < e; ++i) rows.push_back(make_user(o.seed, i));
      const auto id_of = write_users(tx.connection(), rows, hash, date_joined);
      write_user_extras(tx.connection(), rows, id_of, date_joined, o.sandbox_gateway);
      res.users_added += static_cast<std::int64_t>(rows.size());
      res.addresses_added += static_cast<std::int64_t>(rows.size());
      res.cards_added += static_cast<std::int64_t>(rows.size());
    }
    tx.commit();
    progress("users: " + std::to_string(end) + "/" + std::to_string(o.users));
    start = end;
  }
}

std::vector<SeedUser> load_seed_users(ts::db::Pool& db) {
  // The user's email and card, then the address (from cell 2 on).
  const auto rows =
      db.query("SELECT u.email, c.last4, " + storage::addresses_table().select_list("a") +
                   " FROM shop_users u JOIN shop_addresses a ON a.user_id = u.id "
                   "LEFT JOIN shop_cards c ON c.user_id = u.id "
                   "WHERE u.email LIKE $1 ORDER BY u.id, a.id",
               {std::string("%") + kSeedDomain});
  // Index by the number in the user name, so row i means the same user no
  // matter in which order the database handed out ids.
  std::map<std::int64_t, SeedUser> by_number;
  for (const auto& r : rows) {
    const auto email = r.get<std::string>(0);
    const auto at = email.find('@');
    std::size_t d = at;
    while (d > 0 && std::isdigit(static_cast<unsigned char>(email[d - 1]))) --d;
    const auto number = std::stoll(email.substr(d, at - d)) - kUserNumberBase;
    if (by_number.count(number)) continue;  // first address only
    SeedUser u;
    u.address = storage::addresses_table().decode(r, 2);
    u.id = u.address.user_id;
    u.last4 = r.get<std::optional<std::string>>(1).value_or("4242");
    by_number.emplace(number, std::move(u));
  }
  std::vector<SeedUser> out;
  out.reserve(by_number.size());
  for (auto& [n, u] : by_number) out.push_back(std::move(u));
  return out;
}

struct SeedProduct {
  std::int64_t id, cents;
  std::string name;
};

// Order i of the generated set: a function of (seed, i), the users and the
// products only.
storage::OrderRow make_order(std::uint64_t seed, std::int64_t i, Timestamp base,
                             const std::vector<SeedUser>& users,
                             const std::vector<SeedProduct>& products) {
  Rng r(seed, kOrder, static_cast<std::uint64_t>(i));
  const auto& u = users[r.below(users.size())];
  const auto& pr = products[r.below(products.size())];
  const bool paid = r.below(2) == 0;
  const bool delivered = r.below(2) == 0;
  // Spread over the two years before the base date, to the second.
  const auto created = base - std::chrono::seconds(r.below(730ULL * 24 * 3600));
  const auto paid_at = created + std::chrono::seconds(30 + r.below(600));
  const auto delivered_at = created + std::chrono::hours(48 + r.below(std::uint64_t{24} * 8));
  storage::OrderRow w;
  const auto& a = u.address.fields;
  w.user_id = u.id;
  w.name = a.name;
  w.ordered_item = pr.name;
  w.product_id = pr.id;
  w.card_number = u.last4;
  w.address = a.house_no + " " + a.landmark + ", " + a.city + ", " + a.state + " " + a.pin_code;
  storage::ship_to(w, {u.address.id, u.address.fields});
  w.paid_status = paid;
  if (paid) w.paid_at = domain::format_db_timestamp(paid_at);
  w.total_price_cents = pr.cents;
  w.is_delivered = delivered;
  if (delivered) w.delivered_at = plain_datetime(delivered_at);
  if (paid) w.charge_id = "ch_seed" + std::to_string(i);
  w.idempotency_key = "seed-" + std::to_string(i);
  w.created_at = domain::format_db_timestamp(created);
  return w;
}

void add_orders(ts::db::Pool& db, const LargeSetOptions& o, LargeSetResult& res,
                const std::function<void(std::string_view)>& progress) {
  const std::int64_t have =
      db.query("SELECT COUNT(*) FROM shop_orders WHERE idempotency_key LIKE 'seed-%'")
          .scalar<std::int64_t>();
  if (have >= o.orders) {
    progress("orders: " + std::to_string(have) + " generated orders already there");
    return;
  }
  std::vector<SeedProduct> products;
  for (const auto& r : db.query("SELECT id, price_cents, name FROM shop_products ORDER BY id"))
    products.push_back({r.get<std::int64_t>(0), r.get<std::int64_t>(1), r.get<std::string>(2)});
  if (products.empty()) throw std::runtime_error("orders need products: the catalogue is empty");
  const auto users = load_seed_users(db);
  if (users.empty()) throw std::runtime_error("orders need generated users: pass --users N");

  constexpr std::size_t kRowsPerStatement = 200;
  const auto base = base_time();
  for (std::int64_t start = have; start < o.orders;) {
    const std::int64_t end = std::min<std::int64_t>(o.orders, start + std::int64_t(o.batch));
    auto lease = db.acquire();
    ts::db::Transaction tx(*lease);
    auto orders = storage::bulk_writer(tx.connection(), storage::orders_table(),
                                       storage::Ids::assign, kRowsPerStatement);
    for (std::int64_t i = start; i < end; ++i)
      orders.add(make_order(o.seed, i, base, users, products));
    orders.flush();
    res.orders_added += end - start;
    tx.commit();
    progress("orders: " + std::to_string(end) + "/" + std::to_string(o.orders));
    start = end;
  }
}

}  // namespace

std::int64_t add_missing_sandbox_cards(ts::db::Pool& db) {
  // Generated cards only (ids cus_seed…/card_seed…), complete ones only; a
  // card deleted through the API is gone from shop_cards and stays gone.
  constexpr const char* kSeeded =
      "FROM shop_cards c WHERE substr(c.customer_id, 1, 8) = 'cus_seed' AND "
      "substr(c.card_id, 1, 9) = 'card_seed' AND c.last4 IS NOT NULL AND c.exp_month IS NOT NULL "
      "AND c.exp_year IS NOT NULL";
  auto lease = db.acquire();
  ts::db::Transaction tx(*lease);
  tx.query(
      "INSERT INTO shop_sandbox_customers (id, email, created_at) SELECT c.customer_id, "
      "MIN(COALESCE(c.email, '')), MIN(c.created_at) " +
      std::string(kSeeded) +
      " AND NOT EXISTS (SELECT 1 FROM shop_sandbox_customers s WHERE s.id = c.customer_id) "
      "GROUP BY c.customer_id");
  const auto added = tx.query(
                           "INSERT INTO shop_sandbox_cards (id, customer_id, behaviour, brand, "
                           "last4, exp_month, exp_year, name, address_city, address_country, "
                           "address_state, address_zip, created_at, attached_at) SELECT "
                           "c.card_id, c.customer_id, 'succeed', c.brand, c.last4, c.exp_month, "
                           "c.exp_year, COALESCE(c.name_on_card, ''), COALESCE(c.address_city, "
                           "''), COALESCE(c.address_country, ''), COALESCE(c.address_state, ''), "
                           "COALESCE(c.address_zip, ''), c.created_at, c.created_at " +
                           std::string(kSeeded) +
                           " AND NOT EXISTS (SELECT 1 FROM shop_sandbox_cards k WHERE k.id = "
                           "c.card_id)")
                         .affected_rows();
  tx.commit();
  return static_cast<std::int64_t>(added);
}

const std::vector<DemoProduct>& demo_catalogue() {
  struct Item {
    const char* name;
    const char* description;
    std::int64_t cents;
    bool stock;
  };
  // Nearly everything is in stock, as in a shop people buy from: two of the
  // first two grid pages' 24 products are sold out (the consoles), and one
  // product further on.
  static const Item items[] = {
      {"MacBook Pro", "Apple laptop with a 14-inch Liquid Retina XDR display, M1 Pro chip.",
       12499999, true},
      {"Playstation 5", "Sony's games console with an ultra-high speed SSD.", 3000000, false},
      {"Bolt Headphones", "Wireless over-ear headphones with 30 hours of battery.", 120099, true},
      {"Computer Chairs", "Ergonomic office chair with lumbar support.", 599999, true},
      {"Apple Watch Series 7", "Always-on Retina display, blood oxygen sensor.", 3999999, true},
      {"Ghost Recon Wildlands", "Open-world tactical shooter for PS4.", 122499, true},
      {"Sony WH-1000XM4", "Noise cancelling wireless headphones.", 2499000, true},
      {"Kindle Paperwhite", "Waterproof e-reader with a 6.8-inch display.", 1399900, true},
      {"Samsung Galaxy S21", "5G smartphone, 8 GB RAM, 128 GB storage.", 6999900, true},
      {"iPad Air", "10.9-inch tablet with the A14 Bionic chip.", 5490000, true},
      {"Nintendo Switch", "Hybrid console for the home and on the go.", 2999900, true},
      {"Xbox Series X", "Microsoft's fastest console, 1 TB SSD.", 4999000, false},
      {"Canon EOS 1500D", "24.1 MP DSLR camera with an 18-55 mm lens.", 3499900, true},
      {"GoPro HERO9", "5K action camera, waterproof to 10 m.", 3749000, true},
      {"Dell UltraSharp 27 Monitor", "27-inch 4K USB-C monitor.", 4299900, true},
      {"Mechanical Keyboard", "Tenkeyless keyboard with brown switches.", 749900, true},
      {"Amazon Echo Dot", "Smart speaker with Alexa.", 349900, true},
      {"Fitbit Charge 5", "Fitness tracker with stress management tools.", 1499900, true},
      {"JBL Flip 5", "Portable waterproof Bluetooth speaker.", 899900, true},
      {"Seagate 2TB External Hard Drive", "Portable USB 3.0 drive.", 549900, true},
      {"SanDisk 128GB USB Flash Drive", "USB 3.1 flash drive, up to 150 MB/s.", 129900, true},
      {"Logitech G305 Lightspeed Wireless Gaming Mouse (Various Colors)",
       "HERO sensor, 12,000 DPI, 250 hours on one AA battery.", 416335, true},
      {"Anker PowerCore 20000", "High-capacity power bank.", 399900, true},
      {"TP-Link Archer AX50", "Wi-Fi 6 dual-band router.", 899900, true},
      {"Philips Hue Starter Kit", "Three colour bulbs and a bridge.", 1299900, true},
      {"Standing Desk", "Electric height-adjustable desk, 140 x 70 cm.", 2499900, true},
      {"Logitech C920 Webcam", "Full HD 1080p webcam with stereo audio.", 699500, true},
      {"Govee Bluetooth RGB LED Light Strips: 66.5' $14, 100'",
       "App-controlled colour-changing LED strips.", 208168, true},
      {"Samsung 980 PRO 1TB SSD", "PCIe 4.0 NVMe internal SSD.", 1199900, true},
      {"Portable Projector", "1080p mini projector with HDMI.", 1599900, false},
      {"Electric Kettle", "1.7 litre stainless steel kettle.", 189900, true},
      {"Smart LED Bulb", "Wi-Fi bulb, 16 million colours.", 79900, true},
      {"Noise Cancelling Earbuds", "True wireless earbuds with ANC.", 999900, true},
  };
  static const std::vector<DemoProduct> catalogue = [] {
    std::vector<DemoProduct> out;
    for (const auto& it : items)
      out.push_back({it.name, it.description, it.cents, it.stock, slug(it.name) + ".png"});
    return out;
  }();
  return catalogue;
}

LargeSetResult generate_large_set(ts::db::Pool& db, const LargeSetOptions& options,
                                  const std::function<void(std::string_view)>& progress) {
  LargeSetResult res;
  if (options.users > 0) add_users(db, options, res, progress);
  if (options.orders > 0) add_orders(db, options, res, progress);
  return res;
}

}  // namespace shop::commands
