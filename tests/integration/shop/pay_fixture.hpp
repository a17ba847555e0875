#pragma once
// Helpers for the address, card, checkout and order tests: accounts made
// straight in the database with a minted access token (independent of the
// login endpoints), products, addresses, and scans for card numbers.
#include <cstdint>
#include <memory>
#include <string>

#include "platform/db/pool.hpp"
#include "shop_fixture.hpp"

namespace shop_test {

struct TestUser {
  std::int64_t id = 0;
  std::string username;
  std::string email;
  std::string token;
};

std::shared_ptr<ts::db::Pool> open_db(ShopServer& server);
TestUser add_user(ts::db::Pool& db, const std::string& username, bool admin = false);
std::int64_t add_product(ts::db::Pool& db, const std::string& name, std::int64_t price_cents,
                         bool stock = true);
// The original test's address (name "testuser", 9123456789, 110000, …, state).
boost::json::object address_body(const std::string& name = "testuser",
                                 const std::string& state = "delhi");
// POST /account/create-address/ → the new id (fails the test otherwise).
std::int64_t add_address(ShopServer& server, const TestUser& user,
                         const std::string& state = "delhi");
// Every text cell of a table, concatenated (for "no card number here" checks).
std::string dump_table(ts::db::Pool& db, const std::string& table);
std::string service_log(ShopServer& server);
std::vector<std::string> keys_of(const boost::json::object& o);
int count(ts::db::Pool& db, const std::string& sql);

}  // namespace shop_test
