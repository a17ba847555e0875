// Order endpoints (spec §2.2, original tests 22-26): the unpaginated list for
// the original client, its paginated/filtered variant, and change-order-status.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "pay_fixture.hpp"

namespace {

using namespace shop_test;

class ShopOrders : public ::testing::TestWithParam<std::string> {
 protected:
  ShopOrders()
      : server(GetParam()),
        db(open_db(server)),
        testuser(add_user(*db, "testuser")),
        other(add_user(*db, "other")),
        admin(add_user(*db, "admin", true)) {}

  // n orders for a user: order i is paid when i % 2 == 0, delivered when i % 3 == 0.
  void add_orders(const TestUser& u, int n, const std::string& name) {
    db->query(
        "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $1) "
        "INSERT INTO shop_orders (user_id, name, ordered_item, card_number, address, paid_status, "
        "paid_at, total_price_cents, is_delivered, delivered_at, created_at) "
        "SELECT $2, $3, 'Computer Chairs', '4242', 'somewhere, new delhi, delhi 110000', "
        "CASE WHEN i % 2 = 0 THEN 1 ELSE 0 END, "
        "CASE WHEN i % 2 = 0 THEN '2021-06-29T16:03:10.030860Z' ELSE NULL END, 599999, "
        "CASE WHEN i % 3 = 0 THEN 1 ELSE 0 END, "
        "CASE WHEN i % 3 = 0 THEN '01 July 2021' ELSE NULL END, '2024-01-02T03:04:05.000000Z' "
        "FROM seq",
        {n, u.id, name});
  }

  ShopServer server;
  std::shared_ptr<ts::db::Pool> db;
  TestUser testuser, other, admin;
};

TEST_P(ShopOrders, ListShowsOwnOrdersAndAdminsSeeAll) {
  add_orders(testuser, 3, "Test User");
  add_orders(other, 2, "Other Person");
  // Original test 22 (content now checked) and 23.
  auto mine = server.get("/account/all-orders-list/", testuser.token);
  ASSERT_EQ(mine.status, 200) << mine.body;
  auto list = json(mine).as_array();
  ASSERT_EQ(list.size(), 3u);
  const auto& unpaid = list[0].as_object();
  EXPECT_EQ(keys_of(unpaid),
            (std::vector<std::string>{"id", "name", "ordered_item", "card_number", "address",
                                      "paid_status", "paid_at", "total_price", "is_delivered",
                                      "delivered_at", "user"}));
  EXPECT_EQ(unpaid.at("paid_status"), false);
  EXPECT_TRUE(unpaid.at("paid_at").is_null());
  EXPECT_TRUE(unpaid.at("delivered_at").is_null());
  EXPECT_EQ(unpaid.at("total_price"), "5999.99");
  EXPECT_EQ(unpaid.at("user").as_int64(), testuser.id);
  const auto& paid = list[1].as_object();
  EXPECT_EQ(paid.at("paid_at"), "2021-06-29T21:33:10.030860+05:30");
  EXPECT_EQ(list[2].at("delivered_at"), "01 July 2021");
  for (const auto& o : list) EXPECT_EQ(o.at("user").as_int64(), testuser.id);

  auto all = server.get("/account/all-orders-list/", admin.token);
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(json(all).as_array().size(), 5u);
  EXPECT_EQ(server.get("/account/all-orders-list/").status, 401);
  EXPECT_EQ(json(server.get("/account/all-orders-list/", admin.token)).as_array()[0].at("id"),
            list[0].at("id"));
}

TEST_P(ShopOrders, PaginatedAndFilteredVariant) {
  add_orders(testuser, 20, "Test User");
  add_orders(other, 10, "Other Person");
  auto r = server.get("/account/all-orders-list/?page=1&page_size=12", admin.token);
  ASSERT_EQ(r.status, 200) << r.body;
  auto page = json(r).as_object();
  EXPECT_EQ(keys_of(page), (std::vector<std::string>{"count", "next", "previous", "results"}));
  EXPECT_EQ(page.at("count").as_int64(), 30);
  EXPECT_EQ(page.at("results").as_array().size(), 12u);
  EXPECT_TRUE(page.at("previous").is_null());
  EXPECT_EQ(page.at("next"), "/account/all-orders-list/?page=2&page_size=12");
  auto last = json(server.get("/account/all-orders-list/?page=3&page_size=12", admin.token));
  EXPECT_EQ(last.at("results").as_array().size(), 6u);
  EXPECT_TRUE(last.at("next").is_null());
  EXPECT_EQ(last.at("previous"), "/account/all-orders-list/?page=2&page_size=12");
  EXPECT_EQ(server.get("/account/all-orders-list/?page=4&page_size=12", admin.token).status, 404);
  EXPECT_EQ(server.get("/account/all-orders-list/?page=zero", admin.token).status, 400);
  EXPECT_EQ(server.get("/account/all-orders-list/?paid=maybe", admin.token).status, 400);

  // Filters: 20 + 10 orders, paid when i even, delivered when i % 3 == 0.
  auto paid = json(server.get("/account/all-orders-list/?paid=true", admin.token));
  EXPECT_EQ(paid.at("count").as_int64(), 10 + 5);
  for (const auto& o : paid.at("results").as_array()) EXPECT_EQ(o.at("paid_status"), true);
  auto undelivered =
      json(server.get("/account/all-orders-list/?delivered=false&paid=false", admin.token));
  // Odd i not divisible by 3: 1,5,7,11,13,17,19 (7) of 20 and 1,5,7 (3) of 10.
  EXPECT_EQ(undelivered.at("count").as_int64(), 10);
  auto search = json(server.get("/account/all-orders-list/?q=other%20PERSON", admin.token));
  EXPECT_EQ(search.at("count").as_int64(), 10);
  for (const auto& o : search.at("results").as_array()) EXPECT_EQ(o.at("name"), "Other Person");
  auto like = json(server.get("/account/all-orders-list/?q=%25", admin.token));
  EXPECT_EQ(like.at("count").as_int64(), 0);  // % is literal text, not a wildcard

  // A normal user pages through their own orders only.
  auto own = json(server.get("/account/all-orders-list/?page=1&q=person", testuser.token));
  EXPECT_EQ(own.at("count").as_int64(), 0);
  auto own_all = json(server.get("/account/all-orders-list/?page=1", testuser.token));
  EXPECT_EQ(own_all.at("count").as_int64(), 20);
  for (const auto& o : own_all.at("results").as_array())
    EXPECT_EQ(o.at("user").as_int64(), testuser.id);
}

// Pages in the second half of a list are read from its end, and the counts
// come from counts_shop_orders (triggers): every page of every filter holds
// exactly the rows of the unpaginated list, in id order, after inserts,
// status changes and deletes.
TEST_P(ShopOrders, EveryPageMatchesTheUnpaginatedList) {
  add_orders(testuser, 23, "Test User");
  add_orders(other, 14, "Other Person");
  const auto first = json(server.get("/account/all-orders-list/", admin.token)).as_array();
  for (int k : {0, 3, 4, 30}) {
    const auto id = first[static_cast<std::size_t>(k)].at("id").as_int64();
    ASSERT_EQ(server
                  .put("/account/change-order-status/" + std::to_string(id) + "/",
                       {{"is_delivered", true}, {"delivered_at", "02 July 2021"}}, admin.token)
                  .status,
              200);
  }
  db->query("UPDATE shop_orders SET paid_status = 1 - paid_status WHERE id = $1",
            {first[5].at("id").as_int64()});
  db->query("DELETE FROM shop_orders WHERE id = $1", {first[6].at("id").as_int64()});
  const auto third = add_user(*db, "third");
  add_orders(third, 4, "Third");
  db->query("DELETE FROM shop_users WHERE id = $1", {third.id});  // cascades to the orders
  add_orders(other, 2, "Late");

  const auto all = json(server.get("/account/all-orders-list/", admin.token)).as_array();
  ASSERT_EQ(all.size(), 23u + 14u - 1u + 2u);
  struct Filter {
    std::string query;
    std::optional<bool> paid, delivered;
  };
  const std::vector<Filter> filters = {{"", {}, {}},
                                       {"&paid=true", true, {}},
                                       {"&paid=false", false, {}},
                                       {"&delivered=false", {}, false},
                                       {"&delivered=true", {}, true},
                                       {"&paid=false&delivered=true", false, true},
                                       {"&paid=true&delivered=false", true, false}};
  for (const auto& f : filters) {
    std::vector<std::int64_t> want;
    for (const auto& o : all)
      if ((!f.paid || o.at("paid_status").as_bool() == *f.paid) &&
          (!f.delivered || o.at("is_delivered").as_bool() == *f.delivered))
        want.push_back(o.at("id").as_int64());
    std::vector<std::int64_t> got;
    for (int page = 1;; ++page) {
      auto r =
          server.get("/account/all-orders-list/?page_size=5&page=" + std::to_string(page) + f.query,
                     admin.token);
      if (r.status == 404 && page > 1) break;
      ASSERT_EQ(r.status, 200) << f.query << " page " << page << ": " << r.body;
      auto body = json(r).as_object();
      EXPECT_EQ(body.at("count").as_int64(), static_cast<std::int64_t>(want.size())) << f.query;
      for (const auto& o : body.at("results").as_array()) {
        got.push_back(o.at("id").as_int64());
        EXPECT_EQ(o, all[std::find_if(all.begin(), all.end(),
                                      [&](const auto& a) { return a.at("id") == o.at("id"); }) -
                         all.begin()]);
      }
      ASSERT_LT(page, 20);
    }
    EXPECT_EQ(got, want) << f.query;
  }
}

TEST_P(ShopOrders, ChangeOrderStatusByAdminOnly) {
  add_orders(testuser, 1, "Test User");
  const auto id = db->query("SELECT MIN(id) FROM shop_orders").scalar<std::int64_t>();
  const auto path = "/account/change-order-status/" + std::to_string(id) + "/";
  // Original test 24 (multipart, "True").
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"is_delivered\"\r\n\r\nTrue\r\n"
      "--b\r\nContent-Disposition: form-data; name=\"delivered_at\"\r\n\r\n02 July "
      "2021\r\n--b--\r\n";
  auto r = server.send("PUT", path, body, {{"Content-Type", "multipart/form-data; boundary=b"}},
                       admin.token);
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = json(r).as_object();
  EXPECT_EQ(o.at("id").as_int64(), id);
  EXPECT_EQ(o.at("is_delivered"), true);
  EXPECT_EQ(o.at("delivered_at"), "02 July 2021");
  EXPECT_EQ(o.at("total_price"), "5999.99");
  EXPECT_EQ(keys_of(o).size(), 11u);
  auto back =
      server.put(path, {{"is_delivered", false}, {"delivered_at", "Not Delivered"}}, admin.token);
  ASSERT_EQ(back.status, 200);
  EXPECT_EQ(json(back).at("is_delivered"), false);
  // Original tests 25 and 26.
  EXPECT_EQ(
      server.put(path, {{"is_delivered", true}, {"delivered_at", "x"}}, testuser.token).status,
      403);
  EXPECT_EQ(server.put(path, {{"is_delivered", true}, {"delivered_at", "x"}}).status, 401);
  // Where the original crashed: lowercase "false", missing keys, unknown order.
  auto lower = server.put(path, {{"is_delivered", "false"}, {"delivered_at", "x"}}, admin.token);
  EXPECT_EQ(lower.status, 400);
  EXPECT_EQ(json(lower).at("is_delivered").as_array()[0], "Must be a valid boolean.");
  auto missing = server.put(path, boost::json::object{}, admin.token);
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(json(missing).at("delivered_at").as_array()[0], "This field is required.");
  EXPECT_EQ(server
                .put("/account/change-order-status/999999/",
                     {{"is_delivered", true}, {"delivered_at", "x"}}, admin.token)
                .status,
            404);
}

TEST_P(ShopOrders, UnpaginatedListOf15000Orders) {
  for (int i = 0; i < 3; ++i) add_orders(other, 5000, "Bulk \"Customer\" \\ " + std::to_string(i));
  add_orders(testuser, 1, "Test User");
  const auto start = std::chrono::steady_clock::now();
  auto r = server.get("/account/all-orders-list/", admin.token);
  const auto ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.status, 200);
  auto list = json(r).as_array();  // valid JSON, escapes included
  EXPECT_EQ(list.size(), 15001u);
  EXPECT_EQ(list[0].at("name"), "Bulk \"Customer\" \\ 0");
  RecordProperty("all_orders_ms", std::to_string(ms));
  std::cout << "[ info ] 15001 orders in " << ms << " ms (" << r.body.size() << " bytes)\n";
  auto own = server.get("/account/all-orders-list/", testuser.token);
  EXPECT_EQ(json(own).as_array().size(), 1u);
}

// On SQLite a customer's list runs on the network thread (token check and query
// included): that must not weaken the token checks, nor show stale rows.
TEST_P(ShopOrders, CustomerListChecksTheSessionAndSeesNewOrders) {
  const auto id = server.register_user("nia", "niapass123", "nia@example.com").at("id").as_int64();
  const auto token = server.login("nia", "niapass123");
  EXPECT_EQ(json(server.get("/account/all-orders-list/", token)).as_array().size(), 0u);
  // A row written by anyone is in the very next answer.
  add_orders(TestUser{id, "nia", "nia@example.com", token}, 2, "Nia");
  EXPECT_EQ(json(server.get("/account/all-orders-list/", token)).as_array().size(), 2u);
  add_orders(TestUser{id, "nia", "nia@example.com", token}, 1, "Nia");
  EXPECT_EQ(json(server.get("/account/all-orders-list/", token)).as_array().size(), 3u);
  // A password change ends the session the token belongs to: 401 at once.
  auto changed = server.put("/account/user_update/" + std::to_string(id) + "/",
                            {{"username", ""},
                             {"email", ""},
                             {"password", "niapass456"},
                             {"current_password", "niapass123"}},
                            token);
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(server.get("/account/all-orders-list/", token).status, 401);
  // So does logging out, and a deactivated account is refused.
  const auto second = server.login("nia", "niapass456");
  EXPECT_EQ(server.get("/account/all-orders-list/", second).status, 200);
  ASSERT_EQ(server.post("/account/logout/", boost::json::object{}, second).status / 100, 2);
  EXPECT_EQ(server.get("/account/all-orders-list/", second).status, 401);
  const auto third = server.login("nia", "niapass456");
  db->query("UPDATE shop_users SET is_active = 0 WHERE id = $1", {id});
  EXPECT_EQ(server.get("/account/all-orders-list/", third).status, 401);
  // Staff's unpaginated list moves to the worker pool and still answers.
  EXPECT_EQ(json(server.get("/account/all-orders-list/", admin.token)).as_array().size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Engines, ShopOrders, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
