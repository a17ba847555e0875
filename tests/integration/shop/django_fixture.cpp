#include "django_fixture.hpp"

#include "platform/db/connection.hpp"

namespace shop_test {

namespace {

// What Django 3.2's migrations create (column order as in the seed database).
constexpr const char* kSqliteDdl = R"sql(
CREATE TABLE "auth_user" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "password" varchar(128) NOT NULL, "last_login" datetime NULL, "is_superuser" bool NOT NULL, "username" varchar(150) NOT NULL UNIQUE, "last_name" varchar(150) NOT NULL, "email" varchar(254) NOT NULL, "is_staff" bool NOT NULL, "is_active" bool NOT NULL, "date_joined" datetime NOT NULL, "first_name" varchar(150) NOT NULL);
CREATE TABLE "product_product" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(200) NOT NULL, "description" text NOT NULL, "price" decimal NOT NULL, "stock" bool NOT NULL, "image" varchar(100) NULL);
CREATE TABLE "account_billingaddress" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(200) NOT NULL, "phone_number" varchar(10) NOT NULL, "pin_code" varchar(6) NOT NULL, "house_no" varchar(300) NOT NULL, "landmark" varchar(120) NOT NULL, "city" varchar(120) NOT NULL, "state" varchar(120) NOT NULL, "user_id" integer NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "account_stripemodel" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "email" varchar(254) NULL, "name_on_card" varchar(200) NULL, "customer_id" varchar(200) NULL, "card_number" varchar(16) NULL UNIQUE, "exp_month" varchar(2) NULL, "exp_year" varchar(4) NULL, "card_id" text NULL, "user_id" integer NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED, "address_city" varchar(120) NULL, "address_country" varchar(120) NULL, "address_state" varchar(120) NULL, "address_zip" varchar(6) NULL);
CREATE TABLE "account_ordermodel" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(120) NOT NULL, "ordered_item" varchar(200) NULL, "card_number" varchar(16) NULL, "address" varchar(300) NULL, "paid_status" bool NOT NULL, "paid_at" datetime NULL, "total_price" decimal NULL, "is_delivered" bool NOT NULL, "delivered_at" varchar(200) NULL, "user_id" integer NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED);
)sql";

constexpr const char* kPostgresDdl = R"sql(
CREATE TABLE "auth_user" ("id" serial NOT NULL PRIMARY KEY, "password" varchar(128) NOT NULL, "last_login" timestamp with time zone NULL, "is_superuser" boolean NOT NULL, "username" varchar(150) NOT NULL UNIQUE, "first_name" varchar(150) NOT NULL, "last_name" varchar(150) NOT NULL, "email" varchar(254) NOT NULL, "is_staff" boolean NOT NULL, "is_active" boolean NOT NULL, "date_joined" timestamp with time zone NOT NULL);
CREATE TABLE "product_product" ("id" bigserial NOT NULL PRIMARY KEY, "name" varchar(200) NOT NULL, "description" text NOT NULL, "price" numeric(8, 2) NOT NULL, "stock" boolean NOT NULL, "image" varchar(100) NULL);
CREATE TABLE "account_billingaddress" ("id" bigserial NOT NULL PRIMARY KEY, "name" varchar(200) NOT NULL, "phone_number" varchar(10) NOT NULL, "pin_code" varchar(6) NOT NULL, "house_no" varchar(300) NOT NULL, "landmark" varchar(120) NOT NULL, "city" varchar(120) NOT NULL, "state" varchar(120) NOT NULL, "user_id" integer NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "account_stripemodel" ("id" bigserial NOT NULL PRIMARY KEY, "email" varchar(254) NULL, "name_on_card" varchar(200) NULL, "customer_id" varchar(200) NULL, "card_number" varchar(16) NULL UNIQUE, "exp_month" varchar(2) NULL, "exp_year" varchar(4) NULL, "card_id" text NULL, "user_id" integer NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED, "address_city" varchar(120) NULL, "address_country" varchar(120) NULL, "address_state" varchar(120) NULL, "address_zip" varchar(6) NULL);
CREATE TABLE "account_ordermodel" ("id" bigserial NOT NULL PRIMARY KEY, "name" varchar(120) NOT NULL, "ordered_item" varchar(200) NULL, "card_number" varchar(16) NULL, "address" varchar(300) NULL, "paid_status" boolean NOT NULL, "paid_at" timestamp with time zone NULL, "total_price" numeric(8, 2) NULL, "is_delivered" boolean NOT NULL, "delivered_at" varchar(200) NULL, "user_id" integer NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED);
)sql";

}  // namespace

void build_django_db(const std::string& url) {
  auto conn = ts::db::connect(url);
  const bool pg = conn->dialect() == ts::db::Dialect::postgres;
  conn->execute_script(pg ? kPostgresDdl : kSqliteDdl);
  // Datetimes as Django writes them: naive UTC text on SQLite, timestamptz on PostgreSQL.
  auto when = [&](const char* t) -> ts::db::Value {
    if (!t) return nullptr;
    return pg ? std::string(t) + "+00" : std::string(t);
  };
  // SQLite holds 30000 as INTEGER and 1200.99 as REAL; PostgreSQL numeric(8,2).
  auto money = [&](const char* text, double v) -> ts::db::Value {
    if (pg) return std::string(text);
    if (v == static_cast<double>(static_cast<std::int64_t>(v))) return static_cast<std::int64_t>(v);
    return v;
  };

  const char* user_sql =
      "INSERT INTO auth_user (id, password, last_login, is_superuser, username, first_name, "
      "last_name, email, is_staff, is_active, date_joined) "
      "VALUES ($1, $2, $3, $4, $5, '', '', $6, $7, $8, $9)";
  conn->query(user_sql, {1, kLegacyHash, when("2021-07-01 08:00:00.5"), true, "yash",
                         "yashmarmat08@gmail.com", true, true, when("2021-06-20 10:00:00.123456")});
  conn->query(user_sql, {10, kLegacyHash, when(nullptr), false, "testuser", "testuser@gmail.com",
                         false, true, when("2021-06-21 10:00:00")});
  conn->query(user_sql, {19, kLegacyHash, when(nullptr), false, "ty", "ty@gmail.com", false, true,
                         when("2021-06-22 10:00:00")});
  conn->query(user_sql, {100, "aB3dE5gH7j", when(nullptr), false, "CKelly3216",
                         "ckelly3216@example.com", false, true, when("2022-01-02 03:04:05")});
  conn->query(user_sql, {101, "x9Y8z7W6v5", when(nullptr), true, "JDoe0001", "jdoe0001@example.com",
                         true, false, when("2022-01-03 03:04:05")});

  const char* product_sql =
      "INSERT INTO product_product (id, name, description, price, stock, image) "
      "VALUES ($1, $2, $3, $4, $5, $6)";
  conn->query(product_sql, {2, "MacBook Pro", "Apple laptop", money("124999.99", 124999.99), true,
                            "laptop_W0rdEyw.jpg"});
  conn->query(product_sql, {3, "Playstation 5", "", money("30000", 30000), false, nullptr});
  conn->query(product_sql, {4, "Bolt Headphones", "Wireless", money("1200.99", 1200.99), true, ""});
  conn->query(product_sql, {5, "Computer Chairs", "Office chair", money("5999.99", 5999.99), true,
                            "chair_missing.jpg"});

  const char* address_sql =
      "INSERT INTO account_billingaddress (id, name, phone_number, pin_code, house_no, landmark, "
      "city, state, user_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
  conn->query(address_sql, {14, "Yash Marmat", "9123456789", "110000", "Somewhere in New Delhi",
                            "near park", "New Delhi", "Delhi", 1});
  conn->query(address_sql, {15, "Yash Marmat", "9123456789", "111121", "new house", "none",
                            "california", "new york", 1});
  conn->query(address_sql, {34, "Cynthia Kelly", "1166218360", "990210", "85850", "David Groves",
                            "West Courtneymouth", "Alaska", 100});
  conn->query(address_sql,
              {35, "John Doe", "5550001111", "123456", "12", "Elm St", "Springfield", "ny", 101});
  conn->query(address_sql, {36, "Test User", "9000000000", "560001", "7", "Lake View", "Bangalore",
                            "unknown", 10});

  const char* card_sql =
      "INSERT INTO account_stripemodel (id, email, name_on_card, customer_id, card_number, "
      "exp_month, exp_year, card_id, user_id, address_city, address_country, address_state, "
      "address_zip) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
  conn->query(card_sql, {26, "yashmarmat08@gmail.com", "Yash Marmat", "cus_JhPLb4Px3sW8Oe",
                         "4242424242424242", "8", "2028", "card_1J40WaKueibZHHFgK8QECEmm", 1,
                         "New Delhi", "INDIA", "Delhi", "111111"});
  if (!pg)  // varchar(16) is enforced by PostgreSQL: the original's load failed there
    conn->query(card_sql, {27, "ckelly3216@example.com", "Cynthia Kelly",
                           "6b1f1c8e-0000-4000-8000-000000000001", kLongCardNumber, "12", "2027",
                           "6b1f1c8e-0000-4000-8000-000000000002", 100, "West Courtneymouth", "USA",
                           "Alaska", "990210"});
  conn->query(card_sql, {28, "jdoe0001@example.com", "John Doe", "cus_doe", "5555555555554444", "1",
                         "2026", "card_doe", 101, "Springfield", "USA", "ny", "123456"});
  conn->query(card_sql, {29, "testuser@gmail.com", "Test User", "cus_test", "378282246310005", "3",
                         "2029", "card_test", 10, "Bangalore", "INDIA", "KA", "560001"});

  const char* order_sql =
      "INSERT INTO account_ordermodel (id, name, ordered_item, card_number, address, paid_status, "
      "paid_at, total_price, is_delivered, delivered_at, user_id) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
  conn->query(
      order_sql,
      {24, "Yash Marmat", "Bolt Headphones", "4242",
       "Somewhere in New Delhi, near near park, New Delhi, \n        Delhi, 110012", true,
       when("2021-06-29 16:03:10.030860"), money("1200.99", 1200.99), true, "01 July 2021", 1});
  conn->query(order_sql, {25, "Yash Marmat", "Computer Chair", "4242",
                          "new house, near none, california, \n        new york, 111121", false,
                          when(nullptr), money("5999.99", 5999.99), false, "Not Delivered", 1});
  conn->query(order_sql, {75, "Leslie Wyatt", "MacBook Pro", "4094",
                          "85850 David Groves, West Courtneymouth, Alaska 990210", true,
                          when("2022-07-14 02:21:55"), money("124999.99", 124999.99), true,
                          "2022-07-16 02:21:55", 100});
  conn->query(order_sql, {76, "Leslie Wyatt", "Playstation 5", "4094",
                          "85850 David Groves, West Courtneymouth, Alaska 990210", false,
                          when(nullptr), money("30000", 30000), true, "2022-08-01 10:00:00", 100});
  conn->query(order_sql,
              {77, "John Doe", "Playstation 5", "4444", "12 Elm St, Springfield, ny 123456", true,
               when("2023-01-05 09:00:00"), money("30000", 30000), false, nullptr, 101});
  conn->query(
      order_sql,
      {78, "Yash Marmat", "Bolt Headphones", "4242", "new house none, california, new york 111121",
       true, when("2021-07-01 00:00:00"), money("1200.99", 1200.99), false, nullptr, 1});
  conn->query(order_sql, {79, "Test User", "Bolt Headphones", "0005", "somewhere else entirely",
                          false, when(nullptr), money("1200.99", 1200.99), false, nullptr, 10});
}

}  // namespace shop_test
