#include "pay_fixture.hpp"

#include <chrono>
#include <fstream>
#include <sstream>

#include "platform/auth/jwt.hpp"

namespace shop_test {

namespace {
std::string now_text() {
  return "2024-01-02T03:04:05.000000Z";
}
}  // namespace

std::shared_ptr<ts::db::Pool> open_db(ShopServer& server) {
  return ts::db::Pool::open(server.db_url(), {.max_size = 2});
}

TestUser add_user(ts::db::Pool& db, const std::string& username, bool admin) {
  TestUser u;
  u.username = username;
  u.email = username + "@example.com";
  u.id = db.query(
               "INSERT INTO shop_users (username, email, password_hash, is_staff, is_active, "
               "is_superuser, date_joined) VALUES ($1, $2, '', $3, 1, $3, $4) RETURNING id",
               {username, u.email, admin ? 1 : 0, now_text()})
             .scalar<std::int64_t>();
  u.token =
      ts::auth::TokenSigner(kSecret).issue("access", {{"user_id", u.id}}, std::chrono::minutes(15));
  return u;
}

std::int64_t add_product(ts::db::Pool& db, const std::string& name, std::int64_t price_cents,
                         bool stock) {
  return db
      .query(
          "INSERT INTO shop_products (name, description, price_cents, stock, image, created_at) "
          "VALUES ($1, 'test product', $2, $3, NULL, $4) RETURNING id",
          {name, price_cents, stock ? 1 : 0, now_text()})
      .scalar<std::int64_t>();
}

boost::json::object address_body(const std::string& name, const std::string& state) {
  return {{"name", name},
          {"phone_number", "9123456789"},
          {"pin_code", "110000"},
          {"house_no", "somewhere on earth"},
          {"landmark", "near shop"},
          {"city", "new delhi"},
          {"state", state}};
}

std::int64_t add_address(ShopServer& server, const TestUser& user, const std::string& state) {
  auto r = server.post("/account/create-address/", address_body(user.username, state), user.token);
  EXPECT_EQ(r.status, 200) << r.body;
  if (r.status != 200) return 0;
  return json(r).at("id").as_int64();
}

std::string dump_table(ts::db::Pool& db, const std::string& table) {
  std::string out;
  for (const auto& row : db.query("SELECT * FROM " + table)) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      const auto& v = row.at(i).variant();
      if (const auto* s = std::get_if<std::string>(&v)) out += *s;
      if (const auto* n = std::get_if<std::int64_t>(&v)) out += std::to_string(*n);
      out += '|';
    }
    out += '\n';
  }
  return out;
}

std::string service_log(ShopServer& server) {
  return server.service().process().log();
}

std::vector<std::string> keys_of(const boost::json::object& o) {
  std::vector<std::string> keys;
  for (const auto& kv : o) keys.emplace_back(kv.key());
  return keys;
}

int count(ts::db::Pool& db, const std::string& sql) {
  return static_cast<int>(db.query(sql).scalar<std::int64_t>());
}

}  // namespace shop_test
