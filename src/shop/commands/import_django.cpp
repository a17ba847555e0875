// shop import-django --from URL [--media DIR]: imports the original Django
// store's database (spec shop.md §1, §7) into tierstack's schema.
//
// Table-driven: kSteps lists (source query, target table, row transform); a
// transform turns one source row into the target row or skips it, noting
// anomalies. Source tables: auth_user, product_product,
// account_billingaddress, account_stripemodel, account_ordermodel — read with
// the same SQL on SQLite and PostgreSQL (CAST(... AS TEXT) for decimals and
// datetimes). Each target table is written by storage's bulk writer in one
// transaction, ids preserved; on PostgreSQL the identity sequences are then
// moved past them. The run ends with the rows imported per table and the
// anomalies found.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "platform/auth/password.hpp"
#include "platform/db/connection.hpp"
#include "platform/db/import_support.hpp"
#include "platform/service/command_line.hpp"
#include "shop/app.hpp"
#include "shop/commands/commands.hpp"
#include "shop/commands/import_rows.hpp"
#include "shop/commands/us_states.hpp"
#include "shop/domain/checkout.hpp"
#include "shop/domain/timestamps.hpp"
#include "shop/storage/tables.hpp"

namespace shop::commands {

namespace {

using ts::db::Value;
using ts::db::importing::Anomalies;
using ts::db::importing::Progress;
constexpr const char* kCommand = "shop import-django";

using domain::squash_whitespace;
using import_rows::card_brand;
using import_rows::decimal_cents;
using import_rows::digits_only;
using import_rows::normalize_timestamp;

const std::set<std::string_view>& us_states() {
  static const std::set<std::string_view> s(kUsStates.begin(), kUsStates.end());
  return s;
}

// What the steps learn and later steps use: users that exist (addresses,
// cards and orders of others are skipped), products by name and addresses
// by user (orders are linked to them).
struct State {
  std::string now;  // the import's time, for columns the source lacks
  std::string media, media_dir;
  Anomalies bad;
  std::map<std::string, std::int64_t> imported;
  std::set<std::int64_t> user_ids;
  std::set<std::string> emails, card_ids;
  std::size_t images_copied = 0;
  std::map<std::string, std::int64_t> product_by_name;
  std::map<std::int64_t, std::vector<storage::Address>> addresses_of;
  std::map<std::string, std::int64_t> free_text_states, unknown_products;
};

using ts::db::Row;
using OptText = std::optional<std::string>;

bool owner_known(State& st, const std::optional<std::int64_t>& user, const char* kind,
                 std::int64_t id) {
  if (user && st.user_ids.count(*user)) return true;
  st.bad.add(std::string(kind) + " without a user (skipped)", "#" + std::to_string(id));
  return false;
}

// auth_user → shop_users
constexpr const char* kUsersSql =
    "SELECT id, username, email, password, is_staff, is_active, is_superuser, "
    "CAST(date_joined AS TEXT), CAST(last_login AS TEXT) FROM auth_user ORDER BY id";

std::optional<storage::UserRow> user_row(State& st, const Row& r) {
  storage::UserRow u;
  u.id = r.get<std::int64_t>(0);
  u.username = r.get<std::string>(1);
  u.email = r.get<OptText>(2).value_or("");
  u.password_hash = r.get<OptText>(3).value_or("");
  u.is_staff = r.get<bool>(4);
  u.is_active = r.get<bool>(5);
  u.is_superuser = r.get<bool>(6);
  if (!ts::auth::is_usable_hash(u.password_hash)) {
    st.bad.add("users whose password is not a hash (must reset)", u.username);
    u.password_hash.clear();
    u.password_reset_required = true;
  }
  if (!u.is_active) st.bad.add("inactive users", u.username);
  if (!u.email.empty() && !st.emails.insert(u.email).second) {
    st.bad.add("duplicate e-mail addresses (blanked)", u.username + " <" + u.email + ">");
    u.email.clear();
  }
  const auto joined = normalize_timestamp(r.get<OptText>(7));
  if (!joined) st.bad.add("users without a readable date_joined (import time used)", u.username);
  u.date_joined = joined.value_or(st.now);
  u.last_login = normalize_timestamp(r.get<OptText>(8));
  st.user_ids.insert(u.id);
  return u;
}

// product_product → shop_products (and images with --media)
constexpr const char* kProductsSql =
    "SELECT id, name, description, CAST(price AS TEXT), stock, image FROM product_product "
    "ORDER BY id";

// Django stores the image name relative to MEDIA_ROOT; only the file name is
// kept, and the file is copied when --media has it.
OptText copy_image(State& st, OptText image) {
  if (image && image->empty()) image.reset();
  if (!image || st.media.empty()) return image;
  const auto from_file = std::filesystem::path(st.media) / *image;
  const auto file = from_file.filename().string();
  if (file.empty() || file[0] == '.') {
    st.bad.add("product images with an unusable name (dropped)", *image);
    return std::nullopt;
  }
  if (!std::filesystem::is_regular_file(from_file)) {
    st.bad.add("product images missing from --media", *image);
    return image;
  }
  std::filesystem::create_directories(st.media_dir);
  std::filesystem::copy_file(from_file, std::filesystem::path(st.media_dir) / file,
                             std::filesystem::copy_options::overwrite_existing);
  ++st.images_copied;
  return file;
}

std::optional<storage::ProductRow> product_row(State& st, const Row& r) {
  storage::ProductRow p;
  p.id = r.get<std::int64_t>(0);
  p.name = r.get<std::string>(1);
  p.description = r.get<OptText>(2).value_or("");
  const auto price_text = r.get<OptText>(3);
  const auto cents = decimal_cents(price_text);
  if (!cents || *cents > 99'999'999)
    st.bad.add("products with an unreadable price (0.00 used)",
               p.name + ": " + price_text.value_or("NULL"));
  p.price_cents = cents && *cents <= 99'999'999 ? *cents : 0;
  p.stock = r.get<bool>(4);
  p.image = copy_image(st, r.get<OptText>(5));
  p.created_at = st.now;
  st.product_by_name.emplace(p.name, p.id);
  return p;
}

// account_billingaddress → shop_addresses
constexpr const char* kAddressesSql =
    "SELECT id, user_id, name, phone_number, pin_code, house_no, landmark, city, state "
    "FROM account_billingaddress ORDER BY id";

std::optional<storage::Address> address_row(State& st, const Row& r) {
  const auto id = r.get<std::int64_t>(0);
  const auto user = r.get<std::optional<std::int64_t>>(1);
  if (!owner_known(st, user, "addresses", id)) return std::nullopt;
  auto text = [&](int i) { return r.get<OptText>(i).value_or(""); };
  storage::Address a{id, *user, {text(2), text(3), text(4), text(5), text(6), text(7), text(8)}};
  if (!us_states().count(a.fields.state)) ++st.free_text_states[a.fields.state];
  st.addresses_of[*user].push_back(a);
  return a;
}

// account_stripemodel → shop_cards (brand, last four, expiry; never the number)
constexpr const char* kCardsSql =
    "SELECT id, user_id, email, name_on_card, customer_id, card_id, card_number, "
    "exp_month, exp_year, address_city, address_country, address_state, address_zip "
    "FROM account_stripemodel ORDER BY id";

// A month or year written as up to four digits within [lo, hi], else NULL.
std::optional<int> small_int(const OptText& t, int lo, int hi) {
  if (!t || t->empty() || t->size() > 4 || digits_only(*t) != *t) return std::nullopt;
  const int v = std::stoi(*t);
  if (v < lo || v > hi) return std::nullopt;
  return v;
}

std::optional<storage::CardRow> card_row(State& st, const Row& r) {
  const auto id = r.get<std::int64_t>(0);
  const auto user = r.get<std::optional<std::int64_t>>(1);
  if (!owner_known(st, user, "cards", id)) return std::nullopt;
  const auto number = digits_only(r.get<OptText>(6).value_or(""));
  if (number.size() > 16)
    st.bad.add("over-long card numbers (only brand, last 4 and expiry kept)",
               "card #" + std::to_string(id) + ": " + std::to_string(number.size()) + " digits");
  storage::CardRow c;
  c.id = id;
  c.user_id = *user;
  c.email = r.get<OptText>(2);
  c.name_on_card = r.get<OptText>(3);
  c.customer_id = r.get<OptText>(4);
  c.card_id = r.get<OptText>(5);
  if (c.card_id && !st.card_ids.insert(*c.card_id).second) {
    st.bad.add("duplicate gateway card ids (blanked)", *c.card_id);
    c.card_id.reset();
  }
  c.brand = card_brand(number);
  if (number.size() >= 4) c.last4 = number.substr(number.size() - 4);
  c.exp_month = small_int(r.get<OptText>(7), 1, 12);
  c.exp_year = small_int(r.get<OptText>(8), 0, 9999);
  c.address_city = r.get<OptText>(9);
  c.address_country = r.get<OptText>(10);
  c.address_state = r.get<OptText>(11);
  c.address_zip = r.get<OptText>(12);
  c.created_at = st.now;
  return c;
}

// account_ordermodel → shop_orders, with product_id by name and the address
// each order was shipped to (matched per user on the flattened string).
constexpr const char* kOrdersSql =
    "SELECT id, user_id, name, ordered_item, card_number, address, paid_status, "
    "CAST(paid_at AS TEXT), CAST(total_price AS TEXT), is_delivered, delivered_at "
    "FROM account_ordermodel ORDER BY id";

// The generated rows' format, then the original UI's; then the same without
// the pin code (an address edited after the order).
const storage::Address* shipped_to(const std::string& address,
                                   const std::vector<storage::Address>& mine) {
  const auto want = squash_whitespace(address);
  for (int pass = 0; pass < 2; ++pass) {
    auto matches = [&](const std::string& s) {
      const auto q = squash_whitespace(s);
      if (pass == 0) return want == q;
      return want.compare(0, q.size(), q) == 0 &&
             (want.size() == q.size() || want[q.size()] == ',' || want[q.size()] == ' ');
    };
    for (const auto& saved : mine) {
      const auto& a = saved.fields;
      std::string gen = a.house_no + " " + a.landmark + ", " + a.city + ", " + a.state;
      std::string ui = a.house_no + ", near " + a.landmark + ", " + a.city + ", " + a.state;
      if (pass == 0) {
        gen += " " + a.pin_code;
        ui += ", " + a.pin_code;
      }
      if (matches(gen) || matches(ui)) return &saved;
    }
  }
  return nullptr;
}

std::optional<storage::OrderRow> order_row(State& st, const Row& r) {
  const auto id = r.get<std::int64_t>(0);
  const auto user = r.get<std::optional<std::int64_t>>(1);
  if (!owner_known(st, user, "orders", id)) return std::nullopt;
  storage::OrderRow o;
  o.id = id;
  o.user_id = *user;
  o.name = r.get<OptText>(2).value_or("");
  o.ordered_item = r.get<OptText>(3);
  if (o.ordered_item) {
    if (auto it = st.product_by_name.find(*o.ordered_item); it != st.product_by_name.end())
      o.product_id = it->second;
  }
  if (!o.product_id) ++st.unknown_products[o.ordered_item.value_or("NULL")];
  auto card = digits_only(r.get<OptText>(4).value_or(""));
  if (card.size() > 4) card = card.substr(card.size() - 4);
  if (!card.empty()) o.card_number = card;
  o.address = r.get<OptText>(5);
  const auto* shipped = o.address ? shipped_to(*o.address, st.addresses_of[*user]) : nullptr;
  if (shipped)
    storage::ship_to(o, {shipped->id, shipped->fields});
  else
    st.bad.add("orders not linked to an address", "#" + std::to_string(id));
  o.paid_status = r.get<bool>(6);
  const auto paid_text = r.get<OptText>(7);
  o.paid_at = normalize_timestamp(paid_text);
  if (paid_text && !o.paid_at)
    st.bad.add("orders with an unreadable paid_at (dropped)", *paid_text);
  o.total_price_cents = decimal_cents(r.get<OptText>(8));
  o.is_delivered = r.get<bool>(9);
  o.delivered_at = r.get<OptText>(10);
  o.created_at = o.paid_at.value_or(st.now);
  return o;
}

// Summaries noted once a table is in.
void after_products(State& st) {
  if (!st.media.empty())
    std::printf("shop import-django: %zu images copied to %s\n", st.images_copied,
                st.media_dir.c_str());
}
void after_addresses(State& st) {
  for (const auto& [state, count] : st.free_text_states)
    st.bad.add("free-text states (kept as written)",
               "\"" + state + "\" (" + std::to_string(count) + " addresses)");
}
void after_orders(State& st) {
  for (const auto& [name, count] : st.unknown_products)
    st.bad.add("ordered items matching no product (product_id NULL, text kept)",
               "\"" + name + "\" (" + std::to_string(count) + " orders)");
}

// One source table into one target table, in one transaction.
struct Step {
  const char* label;  // as in the progress lines and the report
  std::function<void(State&, ts::db::Connection& src, ts::db::Pool& db)> run;
  void (*after)(State&);
};

template <class T>
Step step(const char* label, const char* source_sql, const ts::db::Table<T>& (*target)(),
          std::optional<T> (*transform)(State&, const Row&), void (*after)(State&) = nullptr) {
  auto run = [=](State& st, ts::db::Connection& src, ts::db::Pool& db) {
    const auto rows = src.query(source_sql);
    auto lease = db.acquire();
    ts::db::Transaction tx(*lease);
    auto writer = storage::bulk_writer(tx.connection(), target(), storage::Ids::keep);
    Progress bar(kCommand, label, rows.size());
    std::size_t n = 0;
    auto& imported = st.imported[label];
    for (const auto& r : rows) {
      if (auto row = transform(st, r)) {
        writer.add(*row);
        ++imported;
      }
      bar.tick(++n);
    }
    writer.flush();
    ts::db::move_identity_past_ids(tx.connection(), target().name());
    tx.commit();
  };
  return {label, run, after};
}

const std::vector<Step>& steps() {
  static const std::vector<Step> s = {
      step("users", kUsersSql, &storage::users_table, &user_row),
      step("products", kProductsSql, &storage::products_table, &product_row, &after_products),
      step("addresses", kAddressesSql, &storage::addresses_table, &address_row, &after_addresses),
      step("cards", kCardsSql, &storage::cards_table, &card_row),
      step("orders", kOrdersSql, &storage::orders_table, &order_row, &after_orders),
  };
  return s;
}

// The target tables, which must be empty (ids are kept).
std::vector<std::string> target_tables() {
  return {storage::users_table().name(), storage::products_table().name(),
          storage::addresses_table().name(), storage::cards_table().name(),
          storage::orders_table().name()};
}

// Parses the options: --from and --media, or the exit status when the run ends here.
std::variant<int, std::pair<std::string, std::string>> parse_options(ts::service::Context& ctx) {
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
  if (const auto status = ts::service::parse_command_line(cli, ctx.args)) return *status;
  return std::pair{from, media};
}

// The source, opened and readable; nullptr after printing why not.
std::unique_ptr<ts::db::Connection> open_readable_source(std::string& from) {
  std::unique_ptr<ts::db::Connection> src;
  try {
    src = ts::db::importing::open_source(from);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shop import-django: %s\n", e.what());
    return nullptr;
  }
  try {
    if (src->dialect() == ts::db::Dialect::postgres) src->execute_script("SET TIME ZONE 'UTC'");
    src->query("SELECT COUNT(*) FROM auth_user");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shop import-django: cannot read %s: %s\n",
                 ts::db::redact_url(from).c_str(), e.what());
    return nullptr;
  }
  return src;
}

void print_report(State& st, double secs) {
  std::printf("\nshop import-django: imported in %.1f s\n", secs);
  for (const auto& s : steps())
    std::printf("  %-10s %8lld rows\n", s.label, static_cast<long long>(st.imported[s.label]));
  st.bad.print();
}

}  // namespace

int import_django(ts::service::Context& ctx) {
  auto parsed = parse_options(ctx);
  if (const int* status = std::get_if<int>(&parsed)) return *status;
  auto [from, media] = std::get<1>(parsed);
  const auto src = open_readable_source(from);
  if (!src) return 1;
  auto& db = *ctx.db;
  for (const auto& t : target_tables()) {
    if (db.query("SELECT COUNT(*) FROM " + t).scalar<std::int64_t>() > 0) {
      std::fprintf(stderr,
                   "shop import-django: %s is not empty; import into a fresh database "
                   "(ids are kept)\n",
                   t.c_str());
      return 1;
    }
  }
  const auto started = std::chrono::steady_clock::now();
  State st;
  st.now = domain::format_db_timestamp(domain::now_timestamp());
  st.media = media;
  st.media_dir = read_settings(ctx.cfg).media_dir;
  for (const auto& s : steps()) {
    s.run(st, *src, db);
    if (s.after) s.after(st);
  }
  print_report(st,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return 0;
}

}  // namespace shop::commands
