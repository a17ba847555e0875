// Authorization matrix: every endpoint that touches a user's object ×
// {anonymous, another user, the owner, an admin} → the expected status, on
// SQLite and PostgreSQL. No answer but the owner's (and an admin's, where
// admins may) may carry the owner's data.
//
// Adding an endpoint: append a Row to rows() below. `setup` creates the object
// for a fresh owner (through the API or the database) and returns its id,
// which replaces {id} in `path` (and is ctx.values["id"] for bodies); {owner}
// is the owner's user id. A row's `marker` is text only the owner's object
// carries: it must never reach anonymous callers or other users, and must
// reach the owner (and admins, when `admin_sees`) on a successful GET. Rows run with
// the actors in the order anonymous, other, admin, owner — the owner last, so
// that a destructive request (delete) is tried by the others first.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pay_fixture.hpp"
#include "shop_fixture.hpp"

using boost::json::object;

namespace {

using namespace shop_test;

struct Owner {
  std::int64_t id = 0;
  std::string username, password, email, token;
};

struct Context {
  ShopServer& srv;
  const Owner& owner;
  std::shared_ptr<ts::db::Pool> db;           // straight to the database (products)
  std::map<std::string, std::string> values;  // what setup learned (gateway ids, …)
};

struct Expect {
  int anonymous, other, owner, admin;
};

struct Row {
  std::string name;
  std::string method;  // GET, POST, PUT, DELETE
  std::string path;    // with {owner} and {id}
  // The object the row acts on, created for the owner; returns its id. Null: the owner itself.
  std::function<std::int64_t(Context&)> setup;
  // The request body (may use the owner's details, e.g. the password).
  std::function<boost::json::value(Context&)> body;
  Expect expect;
  // Extra request headers (Idempotency-Key, Customer-Id …); may be null.
  std::function<std::map<std::string, std::string>(Context&)> headers = nullptr;
  // Text only the owner's object carries (e.g. its address name); empty: none.
  // Never in an answer to anonymous or another user; in the owner's 200
  // answer to a GET, and in the admin's when admin_sees.
  std::function<std::string(Context&)> marker = nullptr;
  bool admin_sees = false;
};

boost::json::value no_body(Context&) {
  return nullptr;
}

// Text that appears only in the owner's objects: its address name (orders copy it).
std::string owner_marker(Context& c) {
  return "matrix " + c.owner.username + " home";
}

ts::test::HttpResponse must(ts::test::HttpResponse r, int status, const char* what) {
  EXPECT_EQ(r.status, status) << what << ": " << r.body;
  return r;
}

std::int64_t owner_address(Context& c) {
  auto r =
      must(c.srv.post("/account/create-address/", address_body(owner_marker(c)), c.owner.token),
           200, "create-address");
  return r.status == 200 ? json(r).at("id").as_int64() : 0;
}

// A saved card of the owner (sandbox 4242…); remembers its gateway ids.
std::int64_t owner_card(Context& c) {
  auto r = must(c.srv.post("/payments/create-card/",
                           object{{"email", c.owner.email},
                                  {"number", "4242424242424242"},
                                  {"exp_month", 12},
                                  {"exp_year", 2035},
                                  {"cvc", "123"},
                                  {"name", owner_marker(c)},
                                  {"save_card", true}},
                           c.owner.token),
                200, "create-card");
  if (r.status != 200) return 0;
  const auto created = json(r).as_object();
  c.values["customer_id"] = std::string(created.at("customer_id").as_string());
  c.values["card_id"] = std::string(created.at("card_data").at("id").as_string());
  auto list = must(c.srv.get("/account/stripe-cards/", c.owner.token), 200, "stripe-cards");
  const auto cards = json(list);
  for (const auto& card : cards.as_array())
    if (card.at("card_id") == boost::json::value(c.values["card_id"]))
      return card.at("id").as_int64();
  ADD_FAILURE() << "the new card is not in the owner's list: " << list.body;
  return 0;
}

std::int64_t product(Context& c) {
  return add_product(*c.db, "matrix product " + c.owner.username, 120099);
}

// Product, address and saved card of the owner, ready for a checkout.
std::int64_t checkout_ready(Context& c) {
  c.values["product_id"] = std::to_string(product(c));
  c.values["address_id"] = std::to_string(owner_address(c));
  return owner_card(c);
}

boost::json::value checkout_body(Context& c) {
  return object{{"product_id", std::stoll(c.values["product_id"])},
                {"address_id", std::stoll(c.values["address_id"])},
                {"saved_card_id", std::stoll(c.values["saved_card_id"])}};
}

// An order of the owner (through /api/checkout/); returns its id.
std::int64_t owner_order(Context& c) {
  c.values["saved_card_id"] = std::to_string(checkout_ready(c));
  auto r = must(c.srv.send("POST", "/api/checkout/", boost::json::serialize(checkout_body(c)),
                           {{"Idempotency-Key", "matrix-setup-order"}}, c.owner.token),
                201, "checkout");
  return r.status == 201 ? json(r).at("id").as_int64() : 0;
}

boost::json::value card_update_body(Context& c) {
  return object{{"customer_id", c.values["customer_id"]},
                {"card_id", c.values["card_id"]},
                {"card_number", ""},
                {"exp_month", "11"},
                {"exp_year", "2036"},
                {"name_on_card", "matrix renamed"},
                {"address_city", ""},
                {"address_country", ""},
                {"address_state", ""},
                {"address_zip", ""}};
}

boost::json::value product_body(Context& c) {
  return object{{"name", "matrix product of " + c.owner.username},
                {"description", "made by the authorization matrix"},
                {"price", "10.50"},
                {"stock", true},
                {"image", nullptr}};
}

std::vector<Row> rows() {
  return {
      // ---- accounts (src/shop/api/accounts.cpp) ----
      {"user detail", "GET", "/account/user/{id}/", nullptr, no_body, {401, 403, 200, 200}},
      {"user update",
       "PUT",
       "/account/user_update/{id}/",
       nullptr,
       [](Context& c) -> boost::json::value {
         return object{{"username", c.owner.username}, {"email", ""}, {"password", ""}};
       },
       {401, 403, 200, 403}},
      {"user delete",
       "POST",
       "/account/user_delete/{id}/",
       nullptr,
       [](Context& c) -> boost::json::value {
         return object{{"password", c.owner.password}};
       },
       {401, 403, 204, 403}},
      // ---- addresses (src/shop/api/addresses.cpp) ----
      // Lists are everyone's own: another user gets 200 with none of the owner's.
      {"address list",
       "GET",
       "/account/all-address-details/",
       owner_address,
       no_body,
       {401, 200, 200, 200},
       nullptr,
       owner_marker},
      // Read: 404 for everyone but the owner and admins, so ids reveal nothing.
      {"address details",
       "GET",
       "/account/address-details/{id}/",
       owner_address,
       no_body,
       {401, 404, 200, 200},
       nullptr,
       owner_marker,
       true},
      {"address update",
       "PUT",
       "/account/update-address/{id}/",
       owner_address,
       [](Context& c) -> boost::json::value { return address_body(owner_marker(c), "goa"); },
       {401, 403, 200, 403},
       nullptr,
       owner_marker},
      {"address delete",
       "DELETE",
       "/account/delete-address/{id}/",
       owner_address,
       no_body,
       {401, 403, 204, 403},
       nullptr,
       owner_marker},
      // ---- saved cards (src/shop/api/payments.cpp): 404 for cards not the caller's ----
      {"card list",
       "GET",
       "/account/stripe-cards/",
       owner_card,
       no_body,
       {401, 200, 200, 200},
       nullptr,
       owner_marker},
      {"card details",
       "GET",
       "/payments/card-details/",
       owner_card,
       no_body,
       {401, 404, 200, 404},
       [](Context& c) -> std::map<std::string, std::string> {
         return {{"Customer-Id", c.values["customer_id"]}, {"Card-Id", c.values["card_id"]}};
       },
       owner_marker},
      {"card update",
       "POST",
       "/payments/update-card/",
       owner_card,
       card_update_body,
       {401, 404, 200, 404},
       nullptr,
       owner_marker},
      {"card delete by id",
       "POST",
       "/payments/delete-card/",
       owner_card,
       [](Context& c) -> boost::json::value {
         return object{{"id", c.values["id"]}};
       },
       {401, 404, 200, 404},
       nullptr,
       owner_marker},
      {"card delete by gateway id",
       "POST",
       "/payments/delete-card/",
       owner_card,
       [](Context& c) -> boost::json::value {
         return object{{"card_id", c.values["card_id"]}};
       },
       {401, 404, 200, 404},
       nullptr,
       owner_marker},
      // ---- checkout (src/shop/api/payments.cpp): the owner's address and saved card ----
      {"checkout with the owner's address and card",
       "POST",
       "/api/checkout/",
       [](Context& c) -> std::int64_t {
         c.values["saved_card_id"] = std::to_string(checkout_ready(c));
         return 0;
       },
       checkout_body,
       {401, 400, 201, 400},
       [](Context&) -> std::map<std::string, std::string> {
         return {{"Idempotency-Key", "matrix-checkout"}};
       },
       owner_marker},
      // ---- orders (src/shop/api/orders.cpp): users see their own, admins all ----
      {"order list",
       "GET",
       "/account/all-orders-list/",
       owner_order,
       no_body,
       {401, 200, 200, 200},
       nullptr,
       owner_marker,
       true},
      {"order list, paginated",
       "GET",
       "/account/all-orders-list/?page=1&page_size=500",
       owner_order,
       no_body,
       {401, 200, 200, 200},
       nullptr,
       owner_marker,
       true},
      {"order list, searched",
       "GET",
       "/account/all-orders-list/?q=matrix",
       owner_order,
       no_body,
       {401, 200, 200, 200},
       nullptr,
       owner_marker,
       true},
      {"change order status (admins only)",
       "PUT",
       "/account/change-order-status/{id}/",
       owner_order,
       [](Context&) -> boost::json::value {
         return object{{"is_delivered", true}, {"delivered_at", "2026-11-21"}};
       },
       {401, 403, 403, 200},
       nullptr,
       owner_marker,
       true},
      // ---- product admin (src/shop/api/products.cpp): admins only ----
      // ("the owner" is a plain user here)
      {"product create",
       "POST",
       "/api/product-create/",
       nullptr,
       product_body,
       {401, 403, 403, 200}},
      {"product update",
       "PUT",
       "/api/product-update/{id}/",
       product,
       product_body,
       {401, 403, 403, 200}},
      {"product delete",
       "DELETE",
       "/api/product-delete/{id}/",
       product,
       no_body,
       {401, 403, 403, 204}},
  };
}

std::string expand(std::string path, const std::string& key, const std::string& value) {
  for (auto at = path.find(key); at != std::string::npos; at = path.find(key, at + value.size()))
    path.replace(at, key.size(), value);
  return path;
}

class Authorization : public ::testing::TestWithParam<std::string> {};

TEST_P(Authorization, Matrix) {
  // One registration per row, from one address: beyond the default burst.
  ShopServer srv(GetParam(), {{"SHOP_REGISTER_BURST", "1000"}});
  const auto admin = srv.make_admin("matrix-admin", "admin-pass-1");
  srv.register_user("matrix-other", "other-pass-1");
  const auto other = srv.login("matrix-other", "other-pass-1");
  ASSERT_FALSE(admin.empty());
  ASSERT_FALSE(other.empty());

  const auto db = open_db(srv);
  int n = 0;
  for (const auto& row : rows()) {
    SCOPED_TRACE(row.name);
    // A fresh owner per row, so that destructive rows do not disturb the next.
    Owner owner;
    owner.username = "owner" + std::to_string(++n);
    owner.password = "owner-pass-" + std::to_string(n);
    owner.email = owner.username + "@owner.example";
    owner.id = srv.register_user(owner.username, owner.password, owner.email).at("id").as_int64();
    owner.token = srv.login(owner.username, owner.password);
    Context ctx{srv, owner, db, {}};
    const auto id = row.setup ? row.setup(ctx) : owner.id;
    ctx.values["id"] = std::to_string(id);
    const auto path =
        expand(expand(row.path, "{owner}", std::to_string(owner.id)), "{id}", std::to_string(id));
    const auto marker = row.marker ? row.marker(ctx) : std::string();

    struct Actor {
      const char* name;
      std::string token;
      int expected;
      bool may_see;  // the owner's data may appear in the answer
    };
    const std::vector<Actor> actors{{"anonymous", "", row.expect.anonymous, false},
                                    {"another user", other, row.expect.other, false},
                                    {"an admin", admin, row.expect.admin, row.admin_sees},
                                    {"the owner", owner.token, row.expect.owner, true}};
    for (const auto& actor : actors) {
      const auto body = row.body(ctx);
      const auto text = body.is_null() ? std::string() : boost::json::serialize(body);
      auto headers = row.headers ? row.headers(ctx) : std::map<std::string, std::string>{};
      auto r = srv.send(row.method, path, text, headers, actor.token);
      EXPECT_EQ(r.status, actor.expected)
          << row.method << " " << path << " as " << actor.name << ": " << r.body;
      const bool outsider = actor.token.empty() || actor.token == other;
      if (r.status >= 400 || outsider) {
        EXPECT_EQ(r.body.find(owner.email), std::string::npos)
            << row.method << " " << path << " as " << actor.name << " leaked: " << r.body;
      }
      if (marker.empty()) continue;
      if (!actor.may_see) {
        EXPECT_EQ(r.body.find(marker), std::string::npos)
            << row.method << " " << path << " as " << actor.name << " leaked: " << r.body;
      } else if (row.method == "GET" && r.status == 200) {
        EXPECT_NE(r.body.find(marker), std::string::npos)
            << row.method << " " << path << " as " << actor.name
            << " should see the owner's object: " << r.body;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, Authorization, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
