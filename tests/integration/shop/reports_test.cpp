// Business reports (spec §7, issue 8): GET /api/reports/{counts,states,
// products,revenue}/ and `shop report`, on a small hand-made data set with
// answers computed by hand, and on `shop seed --users 200 --orders 2000
// --seed 7` checked against totals computed here from the raw rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "pay_fixture.hpp"

namespace {

using namespace shop_test;

constexpr const char* kTs = "2024-01-01T00:00:00.000000Z";

class ShopReports : public ::testing::TestWithParam<std::string> {
 protected:
  ShopReports() : server(GetParam()), db(open_db(server)) {}

  boost::json::object report(const std::string& path, const std::string& token) {
    auto r = server.get(path, token);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    if (r.status != 200) return {};
    return json(r).as_object();
  }

  std::int64_t add_order(std::int64_t user, std::optional<std::int64_t> product,
                         const std::string& item, std::optional<std::string> state, bool paid,
                         std::optional<std::string> paid_at, std::int64_t cents,
                         const std::string& created_at) {
    return db
        ->query(
            "INSERT INTO shop_orders (user_id, name, ordered_item, product_id, shipping_state, "
            "paid_status, paid_at, total_price_cents, created_at) "
            "VALUES ($1, 'Customer', $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            {user, item, product, state, paid ? 1 : 0, paid_at, cents, created_at})
        .scalar<std::int64_t>();
  }

  void add_address(std::int64_t user, const std::string& state) {
    db->query(
        "INSERT INTO shop_addresses (user_id, name, phone_number, pin_code, house_no, landmark, "
        "city, state) VALUES ($1, 'N', '9123456789', '110000', '1', 'park', 'City', $2)",
        {user, state});
  }

  // Users admin, alice, bob; products Desk 100.00, Lamp 25.50, Pen 1.99;
  // 3 addresses, 1 card, 7 orders (table in the comments below).
  void hand_made() {
    admin = add_user(*db, "admin", true);
    alice = add_user(*db, "alice");
    bob = add_user(*db, "bob");
    const auto desk = add_product(*db, "Desk", 10000);
    const auto lamp = add_product(*db, "Lamp", 2550);
    const auto pen = add_product(*db, "Pen", 199);
    add_address(alice.id, "Texas");
    add_address(alice.id, "Ohio");
    add_address(bob.id, "Texas");
    db->query(
        "INSERT INTO shop_cards (user_id, brand, last4, exp_month, exp_year, created_at) "
        "VALUES ($1, 'visa', '4242', 8, 2030, $2)",
        {alice.id, kTs});
    // #  user   product          state   paid  month(paid_at or created_at)  cents
    // 1  alice  Desk             Texas   yes   2024-01                      10000
    // 2  alice  Desk             Ohio    no    2024-02 (created)            10000
    // 3  alice  Lamp             Texas   yes   2024-02 (created 01-31)       2550
    // 4  bob    Pen              Texas   yes   2024-02                        199
    // 5  bob    "Computer Chair" Ohio    yes   2024-03                       5000
    // 6  bob    Lamp             Alaska  no    2024-03 (created)             2550
    // 7  bob    Pen              (none)  yes   2024-03                        199
    add_order(alice.id, desk, "Desk", "Texas", true, "2024-01-15T10:00:30.000000Z", 10000,
              "2024-01-15T10:00:00.000000Z");
    add_order(alice.id, desk, "Desk", "Ohio", false, std::nullopt, 10000,
              "2024-02-01T09:00:00.000000Z");
    add_order(alice.id, lamp, "Lamp", "Texas", true, "2024-02-01T00:00:10.000000Z", 2550,
              "2024-01-31T23:59:50.000000Z");
    add_order(bob.id, pen, "Pen", "Texas", true, "2024-02-10T12:00:00.000000Z", 199,
              "2024-02-10T11:59:00.000000Z");
    add_order(bob.id, std::nullopt, "Computer Chair", "Ohio", true, "2024-03-05T08:00:00.000000Z",
              5000, "2024-03-05T07:00:00.000000Z");
    add_order(bob.id, lamp, "Lamp", "Alaska", false, std::nullopt, 2550,
              "2024-03-20T07:00:00.000000Z");
    add_order(bob.id, pen, "Pen", std::nullopt, true, "2024-03-21T07:00:00.000000Z", 199,
              "2024-03-21T06:00:00.000000Z");
  }

  ShopServer server;
  std::shared_ptr<ts::db::Pool> db;
  TestUser admin, alice, bob;
};

using Group = std::tuple<std::string, std::int64_t, std::int64_t>;  // key, orders, cents

std::vector<Group> groups(const boost::json::value& rows, const char* key) {
  std::vector<Group> out;
  for (const auto& v : rows.as_array()) {
    const auto& o = v.as_object();
    out.emplace_back(std::string(o.at(key).as_string()), o.at("orders").as_int64(),
                     o.at("revenue_cents").as_int64());
  }
  return out;
}

TEST_P(ShopReports, AnonymousIs401AndNonAdminIs403) {
  hand_made();
  for (const char* path : {"/api/reports/counts/", "/api/reports/states/", "/api/reports/products/",
                           "/api/reports/revenue/"}) {
    EXPECT_EQ(server.get(path).status, 401) << path;
    EXPECT_EQ(server.get(path, alice.token).status, 403) << path;
    EXPECT_EQ(server.get(path, admin.token).status, 200) << path;
  }
  EXPECT_EQ(server.get("/api/reports/states/?top=0", admin.token).status, 400);
  EXPECT_EQ(server.get("/api/reports/states/?top=x", admin.token).status, 400);
  EXPECT_EQ(server.get("/api/reports/revenue/?paid_only=maybe", admin.token).status, 400);
}

TEST_P(ShopReports, HandMadeDataSetAnswers) {
  hand_made();
  const auto counts = report("/api/reports/counts/", admin.token);
  EXPECT_EQ(counts,
            (boost::json::object{
                {"users", 3}, {"products", 3}, {"orders", 7}, {"addresses", 3}, {"cards", 1}}));

  auto states = report("/api/reports/states/?top=2", admin.token);
  EXPECT_EQ(groups(states.at("top"), "state"),
            (std::vector<Group>{{"Texas", 3, 12749}, {"Ohio", 2, 15000}}));
  EXPECT_EQ(groups(states.at("bottom"), "state"),
            (std::vector<Group>{{"Alaska", 1, 2550}, {"Ohio", 2, 15000}}));
  EXPECT_EQ(states.at("states").as_int64(), 3);
  EXPECT_EQ(states.at("orders_without_state").as_int64(), 1);
  EXPECT_EQ(states.at("top").as_array()[0].as_object().at("revenue"), "127.49");
  states = report("/api/reports/states/?top=2&paid_only=true", admin.token);
  EXPECT_EQ(groups(states.at("top"), "state"),
            (std::vector<Group>{{"Texas", 3, 12749}, {"Ohio", 1, 5000}}));
  EXPECT_EQ(groups(states.at("bottom"), "state"),
            (std::vector<Group>{{"Ohio", 1, 5000}, {"Texas", 3, 12749}}));

  auto products = report("/api/reports/products/", admin.token);  // top 3 by default
  EXPECT_EQ(groups(products.at("by_orders"), "name"),
            (std::vector<Group>{{"Desk", 2, 20000}, {"Lamp", 2, 5100}, {"Pen", 2, 398}}));
  EXPECT_EQ(
      groups(products.at("by_revenue"), "name"),
      (std::vector<Group>{{"Desk", 2, 20000}, {"Lamp", 2, 5100}, {"Computer Chair", 1, 5000}}));
  EXPECT_TRUE(products.at("by_revenue").as_array()[2].as_object().at("product_id").is_null());
  EXPECT_FALSE(products.at("by_revenue").as_array()[0].as_object().at("product_id").is_null());
  products = report("/api/reports/products/?top=3&paid_only=1", admin.token);
  EXPECT_EQ(groups(products.at("by_orders"), "name"),
            (std::vector<Group>{{"Pen", 2, 398}, {"Desk", 1, 10000}, {"Computer Chair", 1, 5000}}));
  EXPECT_EQ(
      groups(products.at("by_revenue"), "name"),
      (std::vector<Group>{{"Desk", 1, 10000}, {"Computer Chair", 1, 5000}, {"Lamp", 1, 2550}}));

  auto revenue = report("/api/reports/revenue/", admin.token);
  EXPECT_EQ(
      groups(revenue.at("months"), "month"),
      (std::vector<Group>{{"2024-01", 1, 10000}, {"2024-02", 3, 12749}, {"2024-03", 3, 7749}}));
  EXPECT_EQ(revenue.at("revenue_cents").as_int64(), 30498);
  EXPECT_EQ(revenue.at("revenue"), "304.98");
  revenue = report("/api/reports/revenue/?paid_only=true", admin.token);
  EXPECT_EQ(
      groups(revenue.at("months"), "month"),
      (std::vector<Group>{{"2024-01", 1, 10000}, {"2024-02", 2, 2749}, {"2024-03", 2, 5199}}));
  EXPECT_EQ(revenue.at("orders").as_int64(), 5);
}

TEST_P(ShopReports, CliPrintsTheSameAnswers) {
  hand_made();
  auto [status, out] =
      shop_cmd({"report", "states", "--top", "2", "--format", "csv"}, server.env());
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("ranking,state,orders,revenue\ntop,Texas,3,127.49\ntop,Ohio,2,150.00\n"
                     "bottom,Alaska,1,25.50\nbottom,Ohio,2,150.00\n"),
            std::string::npos)
      << out;
  std::tie(status, out) = shop_cmd({"report", "counts", "--format", "json"}, server.env());
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find(R"({"users":3,"products":3,"orders":7,"addresses":3,"cards":1})"),
            std::string::npos)
      << out;
  std::tie(status, out) = shop_cmd({"report", "products", "--paid-only"}, server.env());
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("Computer Chair"), std::string::npos) << out;
  std::tie(status, out) = shop_cmd({"report", "revenue", "--format", "csv"}, server.env());
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("month,orders,revenue\n2024-01,1,100.00\n2024-02,3,127.49\n2024-03,3,77.49\n"),
            std::string::npos)
      << out;
  std::tie(status, out) = shop_cmd({"report", "nonsense"}, server.env());
  EXPECT_EQ(status, 2) << out;
}

TEST_P(ShopReports, GeneratedDataSetMatchesRawRows) {
  auto [status, out] =
      shop_cmd({"seed", "--users", "200", "--orders", "2000", "--seed", "7"}, server.env());
  ASSERT_EQ(status, 0) << out;
  admin = add_user(*db, "report-admin", true);

  const auto counts = report("/api/reports/counts/", admin.token);
  EXPECT_EQ(
      counts,
      (boost::json::object{
          {"users", 201}, {"products", 33}, {"orders", 2000}, {"addresses", 200}, {"cards", 200}}));

  // Totals computed here from every order row, independently of the report SQL.
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> by_state, by_product, by_month;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> paid_by_month;
  std::map<std::int64_t, std::string> names;
  for (const auto& r : db->query("SELECT id, name FROM shop_products"))
    names[r.get<std::int64_t>(0)] = r.get<std::string>(1);
  for (const auto& r : db->query("SELECT shipping_state, product_id, paid_status, paid_at, "
                                 "created_at, total_price_cents FROM shop_orders")) {
    const auto cents = r.get<std::int64_t>(5);
    auto add = [&](auto& m, const std::string& k) {
      m[k].first += 1;
      m[k].second += cents;
    };
    add(by_state, r.get<std::string>(0));
    add(by_product, names.at(r.get<std::int64_t>(1)));
    const auto when = r.get<std::optional<std::string>>(3).value_or(r.get<std::string>(4));
    add(by_month, when.substr(0, 7));
    if (r.get<bool>(2)) add(paid_by_month, when.substr(0, 7));
  }
  auto ranked = [](const auto& m, bool by_revenue, bool ascending) {
    std::vector<Group> v;
    for (const auto& [k, p] : m) v.emplace_back(k, p.first, p.second);
    std::sort(v.begin(), v.end(), [&](const Group& a, const Group& b) {
      auto ka = by_revenue ? std::tuple(std::get<2>(a), std::get<1>(a))
                           : std::tuple(std::get<1>(a), std::get<2>(a));
      auto kb = by_revenue ? std::tuple(std::get<2>(b), std::get<1>(b))
                           : std::tuple(std::get<1>(b), std::get<2>(b));
      if (ka != kb) return ascending ? ka < kb : ka > kb;
      return std::get<0>(a) < std::get<0>(b);
    });
    return v;
  };
  auto head = [](std::vector<Group> v, std::size_t n) {
    v.resize(std::min(n, v.size()));
    return v;
  };

  const auto states = report("/api/reports/states/?top=5", admin.token);
  EXPECT_EQ(groups(states.at("top"), "state"), head(ranked(by_state, false, false), 5));
  EXPECT_EQ(groups(states.at("bottom"), "state"), head(ranked(by_state, false, true), 5));
  EXPECT_EQ(states.at("states").as_int64(), static_cast<std::int64_t>(by_state.size()));

  const auto products = report("/api/reports/products/?top=3", admin.token);
  EXPECT_EQ(groups(products.at("by_orders"), "name"), head(ranked(by_product, false, false), 3));
  EXPECT_EQ(groups(products.at("by_revenue"), "name"), head(ranked(by_product, true, false), 3));

  auto months = [](const auto& m) {
    std::vector<Group> v;
    for (const auto& [k, p] : m) v.emplace_back(k, p.first, p.second);
    return v;
  };
  EXPECT_EQ(groups(report("/api/reports/revenue/", admin.token).at("months"), "month"),
            months(by_month));
  EXPECT_EQ(
      groups(report("/api/reports/revenue/?paid_only=true", admin.token).at("months"), "month"),
      months(paid_by_month));
}

INSTANTIATE_TEST_SUITE_P(Engines, ShopReports, ::testing::Values("sqlite", "postgres"));

}  // namespace
