// Authorization matrix: every endpoint that touches a user's object ×
// {anonymous, another user, the owner, an admin} → the expected status, on
// SQLite and PostgreSQL. No answer but the owner's (and an admin's, where
// admins may) may carry the owner's data.
//
// Adding an endpoint: append a Row to rows() below. `setup` creates the object
// for a fresh owner (through the API or the database) and returns its id,
// which replaces {id} in `path`; {owner} is the owner's user id. Rows run with
// the actors in the order anonymous, other, admin, owner — the owner last, so
// that a destructive request (delete) is tried by the others first.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <functional>
#include <string>
#include <vector>

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
};

boost::json::value no_body(Context&) {
  return nullptr;
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
      // ---- addresses, cards, orders: add rows here ----
  };
}

std::string expand(std::string path, const std::string& key, const std::string& value) {
  for (auto at = path.find(key); at != std::string::npos; at = path.find(key, at + value.size()))
    path.replace(at, key.size(), value);
  return path;
}

class Authorization : public ::testing::TestWithParam<std::string> {};

TEST_P(Authorization, Matrix) {
  ShopServer srv(GetParam());
  const auto admin = srv.make_admin("matrix-admin", "admin-pass-1");
  srv.register_user("matrix-other", "other-pass-1");
  const auto other = srv.login("matrix-other", "other-pass-1");
  ASSERT_FALSE(admin.empty());
  ASSERT_FALSE(other.empty());

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
    Context ctx{srv, owner};
    const auto id = row.setup ? row.setup(ctx) : owner.id;
    const auto path =
        expand(expand(row.path, "{owner}", std::to_string(owner.id)), "{id}", std::to_string(id));

    struct Actor {
      const char* name;
      std::string token;
      int expected;
    };
    const std::vector<Actor> actors{{"anonymous", "", row.expect.anonymous},
                                    {"another user", other, row.expect.other},
                                    {"an admin", admin, row.expect.admin},
                                    {"the owner", owner.token, row.expect.owner}};
    for (const auto& actor : actors) {
      const auto body = row.body(ctx);
      const auto text = body.is_null() ? std::string() : boost::json::serialize(body);
      auto r = srv.send(row.method, path, text, {}, actor.token);
      EXPECT_EQ(r.status, actor.expected)
          << row.method << " " << path << " as " << actor.name << ": " << r.body;
      if (r.status >= 400) {
        EXPECT_EQ(r.body.find(owner.email), std::string::npos)
            << row.method << " " << path << " as " << actor.name << " leaked: " << r.body;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, Authorization, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
