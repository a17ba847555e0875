// Validators of every API body, with the original's exact messages.
#include "shop/domain/validation.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <string>
#include <vector>

namespace shop::domain {
namespace {

using Messages = std::vector<std::string>;

boost::json::object obj(std::string_view json) {
  return boost::json::parse(json).as_object();
}

Messages messages(const FieldErrors& e, std::string_view field) {
  const auto* m = e.find(field);
  return m ? *m : Messages{};
}

boost::json::object good_address() {
  return obj(R"({"name":"testuser","phone_number":"9123456789","pin_code":"110000",
                 "house_no":"somewhere on earth","landmark":"near shop","city":"new delhi",
                 "state":"delhi","user":42})");
}

TEST(Address, AcceptsTheOriginalTestAddress) {
  auto r = validate_address(good_address());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "testuser");
  EXPECT_EQ(r->phone_number, "9123456789");
  EXPECT_EQ(r->state, "delhi");
}

TEST(Address, PhoneNumberRules) {
  for (const char* ok : {"123456789", "9123456789", "+123456789"}) {
    auto body = good_address();
    body["phone_number"] = ok;
    EXPECT_TRUE(validate_address(body)) << ok;
  }
  auto check = [](const char* phone, Messages want) {
    auto body = good_address();
    body["phone_number"] = phone;
    auto r = validate_address(body);
    ASSERT_FALSE(r) << phone;
    EXPECT_EQ(messages(r.error(), "phone_number"), want) << phone;
  };
  check("12345678", {"Enter a valid value."});
  check("12345abcde", {"Enter a valid value."});
  check("91234567890", {"Ensure this field has no more than 10 characters."});  // regex ok
  check("12345678901234567",
        {"Enter a valid value.", "Ensure this field has no more than 10 characters."});
  check("  ", {"This field may not be blank."});
}

TEST(Address, PhoneRegexAlone) {
  EXPECT_TRUE(valid_phone_number("1234567890123456"));  // optional leading 1 + 15
  EXPECT_FALSE(valid_phone_number("2234567890123456"));
  EXPECT_TRUE(valid_phone_number("+1123456789"));
  EXPECT_FALSE(valid_phone_number("++123456789"));
  EXPECT_FALSE(valid_phone_number(""));
}

TEST(Address, PinCodeRules) {
  EXPECT_TRUE(valid_pin_code("1"));
  EXPECT_TRUE(valid_pin_code("123456789"));
  EXPECT_FALSE(valid_pin_code("1234567890"));
  EXPECT_FALSE(valid_pin_code("12a"));
  auto body = good_address();
  body["pin_code"] = "1234567";
  auto r = validate_address(body);
  ASSERT_FALSE(r);
  EXPECT_EQ(messages(r.error(), "pin_code"),
            Messages{"Ensure this field has no more than 6 characters."});
  body["pin_code"] = "11-000";
  r = validate_address(body);
  ASSERT_FALSE(r);
  EXPECT_EQ(messages(r.error(), "pin_code"), Messages{"Enter a valid value."});
  body["pin_code"] = 110001;  // a JSON number is coerced like DRF does
  EXPECT_TRUE(validate_address(body));
}

TEST(Address, BlankMissingAndTooLong) {
  auto body = good_address();
  body["name"] = "";
  body.erase("city");
  body["landmark"] = std::string(121, 'x');
  body["house_no"] = std::string(300, 'x');
  auto r = validate_address(body);
  ASSERT_FALSE(r);
  EXPECT_EQ(messages(r.error(), "name"), Messages{"This field may not be blank."});
  EXPECT_EQ(messages(r.error(), "city"), Messages{"This field is required."});
  EXPECT_EQ(messages(r.error(), "landmark"),
            Messages{"Ensure this field has no more than 120 characters."});
  EXPECT_TRUE(messages(r.error(), "house_no").empty());
  // Errors come in the serializer's field order.
  ASSERT_EQ(r.error().items().size(), 3u);
  EXPECT_EQ(r.error().items()[0].field, "name");
  EXPECT_EQ(r.error().items()[1].field, "landmark");
  EXPECT_EQ(r.error().items()[2].field, "city");
}

TEST(Address, UpdateKeepsCurrentForFalsyValues) {
  const AddressFields current{"testuser",  "9123456789", "110000", "somewhere on earth",
                              "near shop", "new delhi",  "delhi"};
  // The original test: pin_code and city change, the rest are "".
  auto r = validate_address_update(obj(R"({"name":"","phone_number":"","pin_code":"111111",
      "house_no":"","landmark":null,"city":"new york","state":0})"),
                                   current);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pin_code, "111111");
  EXPECT_EQ(r->city, "new york");
  EXPECT_EQ(r->name, "testuser");
  EXPECT_EQ(r->landmark, "near shop");
  EXPECT_EQ(r->state, "delhi");
}

TEST(Address, UpdateRequiresEveryKeyAndValidates) {
  const AddressFields current{"a", "9123456789", "110000", "h", "l", "c", "s"};
  auto r = validate_address_update(obj(R"({"name":"","phone_number":"12","pin_code":"",
      "house_no":"","landmark":"","city":""})"),
                                   current);
  ASSERT_FALSE(r);
  EXPECT_EQ(messages(r.error(), "phone_number"), Messages{"Enter a valid value."});
  EXPECT_EQ(messages(r.error(), "state"), Messages{"This field is required."});
  EXPECT_EQ(r.error().size(), 2u);
}

boost::json::object good_product() {
  return obj(
      R"({"name":"smart phone","description":"great phone","price":"400.99","stock":"True"})");
}

TEST(Product, AcceptsFormAndJsonBodies) {
  auto r = validate_product(good_product());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "smart phone");
  EXPECT_EQ(r->price.cents(), 40099);
  EXPECT_TRUE(r->stock);
  r = validate_product(obj(R"({"name":"x","description":"","price":30000,"stock":false})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->description, "");
  EXPECT_EQ(r->price.to_string(), "30000.00");
  EXPECT_FALSE(r->stock);
}

TEST(Product, FieldMessages) {
  auto r =
      validate_product(obj(R"({"name":"  ","description":null,"price":"12.345","stock":"maybe"})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(messages(r.error(), "name"), Messages{"This field may not be blank."});
  EXPECT_EQ(messages(r.error(), "description"), Messages{"This field may not be null."});
  EXPECT_EQ(messages(r.error(), "price"),
            Messages{"Ensure that there are no more than 2 decimal places."});
  EXPECT_EQ(messages(r.error(), "stock"), Messages{"Must be a valid boolean."});

  auto body = good_product();
  body["name"] = std::string(201, 'n');
  body["price"] = "1234567";
  r = validate_product(body);
  ASSERT_FALSE(r);
  EXPECT_EQ(messages(r.error(), "name"),
            Messages{"Ensure this field has no more than 200 characters."});
  EXPECT_EQ(messages(r.error(), "price"),
            Messages{"Ensure that there are no more than 6 digits before the decimal point."});
}

TEST(Product, PriceEdgeCases) {
  auto price_error = [](boost::json::value price) {
    auto body = good_product();
    body["price"] = std::move(price);
    auto r = validate_product(body);
    return r ? std::string("ok") : messages(r.error(), "price").at(0);
  };
  EXPECT_EQ(price_error("abc"), "A valid number is required.");
  EXPECT_EQ(price_error(""), "A valid number is required.");
  EXPECT_EQ(price_error("1234567.00"), "Ensure that there are no more than 8 digits in total.");
  EXPECT_EQ(price_error("-1"), "Ensure this value is greater than or equal to 0.");
  EXPECT_EQ(price_error("0"), "ok");
  EXPECT_EQ(price_error(nullptr), "This field may not be null.");
}

TEST(Product, MissingKeysAreFieldErrors) {
  auto r = validate_product(obj("{}"));
  ASSERT_FALSE(r);
  for (const char* f : {"name", "description", "price", "stock"})
    EXPECT_EQ(messages(r.error(), f), Messages{"This field is required."}) << f;
}

TEST(Product, UpdateKeepsEmptyFieldsButAlwaysTakesStock) {
  const ProductFields current{"Ghost Recon Wildlands", "Great game", Money::from_cents(122499),
                              true};
  // The original test: name "", description "", price "400.99", stock "True", image "".
  auto r = validate_product_update(
      obj(R"({"name":"","description":"","price":"400.99","stock":"True","image":""})"), current);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "Ghost Recon Wildlands");
  EXPECT_EQ(r->description, "Great game");
  EXPECT_EQ(r->price.cents(), 40099);
  EXPECT_TRUE(r->stock);
  r = validate_product_update(obj(R"({"name":"New","description":"","price":"","stock":"false"})"),
                              current);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "New");
  EXPECT_EQ(r->price.cents(), 122499);
  EXPECT_FALSE(r->stock);
  r = validate_product_update(obj(R"({"name":"","description":"","price":""})"), current);
  ASSERT_FALSE(r);
  EXPECT_EQ(messages(r.error(), "stock"), Messages{"This field is required."});
}

TEST(Username, DjangoAsciiRules) {
  for (const char* ok : {"yash", "CKelly3216", "a.b@c+d-e_f", "1"})
    EXPECT_TRUE(valid_username(ok)) << ok;
  for (const char* bad : {"", "with space", "semi;colon", "ünïcode", "tab\t"})
    EXPECT_FALSE(valid_username(bad)) << bad;
}

TEST(Email, DjangoLikeRules) {
  for (const char* ok : {"yashmarmat08@gmail.com", "ckelly3216@example.com", "a+b@sub.example.co",
                         "x@localhost", "o'neil@ex-ample.org", "u@xn--bcher-kva.de"})
    EXPECT_TRUE(valid_email(ok)) << ok;
  for (const char* bad : {"", "plain", "@example.com", "a@", "a@b", "a@b.c", "a..b@example.com",
                          ".a@example.com", "a@-example.com", "a@example-.com", "a b@example.com",
                          "a@exa mple.com", "a@example.com-", "a@@example.com"})
    EXPECT_FALSE(valid_email(bad)) << bad;
}

TEST(Registration, AcceptsTheOriginalTestUser) {
  auto r = validate_registration(
      obj(R"({"username":"yash","email":"yashmarmat08@gmail.com","password":"yash1234"})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->username, "yash");
  EXPECT_EQ(r->password, "yash1234");
}

TEST(Registration, BlankIdentityIsFlagged) {
  auto r = validate_registration(obj(R"({"username":"","email":"","password":""})"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().empty_identity);
  EXPECT_EQ(messages(r.error().fields, "username"), Messages{"This field may not be blank."});
  EXPECT_EQ(messages(r.error().fields, "email"), Messages{"This field may not be blank."});
  EXPECT_EQ(messages(r.error().fields, "password"),
            Messages{"This password is too short. It must contain at least 8 characters."});
}

TEST(Registration, ImprovedRules) {
  auto r = validate_registration(
      obj(R"({"username":"bad name","email":"not-an-email","password":"short"})"));
  ASSERT_FALSE(r);
  EXPECT_FALSE(r.error().empty_identity);
  EXPECT_EQ(messages(r.error().fields, "username"), Messages{std::string(msg::kInvalidUsername)});
  EXPECT_EQ(messages(r.error().fields, "email"), Messages{"Enter a valid email address."});
  EXPECT_EQ(messages(r.error().fields, "password").size(), 1u);

  auto body = obj(R"({"email":"a@example.com","password":"longenough"})");
  body["username"] = std::string(151, 'u');
  r = validate_registration(body);
  ASSERT_FALSE(r);
  EXPECT_EQ(messages(r.error().fields, "username"),
            Messages{"Ensure this field has no more than 150 characters."});
}

TEST(Registration, MissingOrWrongTypes) {
  auto r = validate_registration(obj(R"({"username":5,"email":null})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(messages(r.error().fields, "username"), Messages{"Not a valid string."});
  EXPECT_EQ(messages(r.error().fields, "email"), Messages{"This field may not be null."});
  EXPECT_EQ(messages(r.error().fields, "password"), Messages{"This field is required."});
}

TEST(UserUpdate, BlankKeepsCurrentValues) {
  // The original test: username "admin22", email "", password "".
  auto r = validate_user_update(obj(R"({"username":"admin22","email":"","password":""})"), "admin",
                                "admin@gmail.com");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->username, "admin22");
  EXPECT_EQ(r->email, "admin@gmail.com");
  EXPECT_FALSE(r->new_password);
  r = validate_user_update(
      obj(R"({"username":" ","email":"new@example.com","password":"n3w-secret"})"), "admin",
      "admin@gmail.com");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->username, "admin");
  EXPECT_EQ(r->email, "new@example.com");
  EXPECT_EQ(r->new_password, "n3w-secret");
}

TEST(UserUpdate, ValidatesNonBlankValues) {
  auto r = validate_user_update(obj(R"({"username":"a b","email":"x@","password":"1234567"})"),
                                "admin", "admin@gmail.com");
  ASSERT_FALSE(r);
  EXPECT_EQ(messages(r.error(), "username"), Messages{std::string(msg::kInvalidUsername)});
  EXPECT_EQ(messages(r.error(), "email"), Messages{"Enter a valid email address."});
  EXPECT_EQ(messages(r.error(), "password"),
            Messages{"This password is too short. It must contain at least 8 characters."});
  r = validate_user_update(obj(R"({"username":"a"})"), "admin", "admin@gmail.com");
  ASSERT_FALSE(r);
  EXPECT_EQ(messages(r.error(), "email"), Messages{"This field is required."});
  EXPECT_EQ(messages(r.error(), "password"), Messages{"This field is required."});
}

TEST(Login, RequiredAndBlank) {
  auto r = validate_login(obj(R"({})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(messages(r.error(), "username"), Messages{"This field is required."});
  EXPECT_EQ(messages(r.error(), "password"), Messages{"This field is required."});
  r = validate_login(obj(R"({"username":"","password":""})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(messages(r.error(), "username"), Messages{"This field may not be blank."});
  EXPECT_EQ(messages(r.error(), "password"), Messages{"This field may not be blank."});
  r = validate_login(obj(R"({"username":" yash ","password":" pw "})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->username, "yash");
  EXPECT_EQ(r->password, " pw ");
}

// ASVS 5.0 V6.2 (issue 12): 8 to 128 characters (code points, not bytes), at
// registration and at a change.
TEST(Passwords, EightToOneHundredTwentyEightCharacters) {
  const Messages too_long{"Ensure this field has no more than 128 characters."};
  auto body = obj(R"({"username":"pat","email":"pat@example.com"})");
  body["password"] = std::string(128, 'p');
  EXPECT_TRUE(validate_registration(body));
  body["password"] = std::string(129, 'p');
  auto r = validate_registration(body);
  ASSERT_FALSE(r);
  EXPECT_EQ(messages(r.error().fields, "password"), too_long);
  std::string wide;
  for (int i = 0; i < 128; ++i) wide += "\u00fc";  // 256 bytes, 128 characters
  body["password"] = wide;
  EXPECT_TRUE(validate_registration(body));

  auto update = obj(R"({"username":"","email":""})");
  update["password"] = std::string(129, 'p');
  auto u = validate_user_update(update, "pat", "pat@example.com");
  ASSERT_FALSE(u);
  EXPECT_EQ(messages(u.error(), "password"), too_long);
  update["password"] = std::string(128, 'p');
  EXPECT_TRUE(validate_user_update(update, "pat", "pat@example.com"));
}

}  // namespace
}  // namespace shop::domain
