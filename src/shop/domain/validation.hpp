#pragma once
// Validation of every body the shop API takes, as pure functions: a typed
// value, or field -> messages with the original's wording (spec §2). Where the
// original accepted nonsense (empty passwords, bad emails) the rules are
// stricter; docs/compatibility.md lists each difference.
#include "shop/domain/field_errors.hpp"
#include "shop/domain/money.hpp"
#include "shop/domain/result.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace shop::domain {

// ---- addresses (account_billingaddress) ----
struct AddressFields {
  std::string name, phone_number, pin_code, house_no, landmark, city, state;
  friend bool operator==(const AddressFields&, const AddressFields&) = default;
};

bool valid_phone_number(std::string_view s);  // ^\+?1?\d{9,15}$
bool valid_pin_code(std::string_view s);      // ^\d{0,9}$

// POST /account/create-address/: all seven keys required ("user" is ignored).
Result<AddressFields, FieldErrors> validate_address(const boost::json::object& body);
// PUT /account/update-address/<id>/: all seven keys required; a falsy value
// ("" / null / 0 / false) keeps the current one; the merged record is validated.
Result<AddressFields, FieldErrors> validate_address_update(const boost::json::object& body,
                                                           const AddressFields& current);

// ---- products (product_product); the image is the handler's business ----
struct ProductFields {
  std::string name;
  std::string description;
  Money price;
  bool stock = false;
  friend bool operator==(const ProductFields&, const ProductFields&) = default;
};

// POST /api/product-create/: name, description, price, stock required.
Result<ProductFields, FieldErrors> validate_product(const boost::json::object& body);
// PUT /api/product-update/<id>/: empty name/description/price keep the current
// value; stock is always taken from the body.
Result<ProductFields, FieldErrors> validate_product_update(const boost::json::object& body,
                                                           const ProductFields& current);

// ---- accounts (auth_user) ----
inline constexpr std::size_t kUsernameMaxLength = 150;
inline constexpr std::size_t kEmailMaxLength = 254;
inline constexpr std::size_t kPasswordMinLength = 8;
// ASVS 5.0 V6.2: at least 8, and up to at least 64 allowed; 128 bounds the work
// and the body of a guess without refusing any passphrase a person types.
inline constexpr std::size_t kPasswordMaxLength = 128;

namespace msg {
inline constexpr std::string_view kInvalidUsername =
    "Enter a valid username. This value may contain only English letters, numbers, and "
    "@/./+/-/_ characters.";
inline constexpr std::string_view kInvalidEmail = "Enter a valid email address.";
inline constexpr std::string_view kPasswordTooShort =
    "This password is too short. It must contain at least 8 characters.";
// The original's 400 body for a blank username or email (key misspelt "detial").
inline constexpr std::string_view kEmptyIdentity = "username or email cannot be empty";
}  // namespace msg

bool valid_username(std::string_view s);  // Django's ASCIIUsernameValidator: [A-Za-z0-9@.+_-]+
bool valid_email(std::string_view s);     // Django's EmailValidator, minus quoted/IP-literal forms

struct Registration {
  std::string username, email, password;
};
struct RegistrationErrors {
  FieldErrors fields;
  // True when username or email is blank: the original answers that case with
  // 400 {"detial": kEmptyIdentity}, which its clients may rely on.
  bool empty_identity = false;
};
// POST /account/register/: username, email, password required and valid.
Result<Registration, RegistrationErrors> validate_registration(const boost::json::object& body);

struct UserUpdate {
  std::string username, email;
  std::optional<std::string> new_password;  // nullopt: keep the current password
};
// PUT /account/user_update/<id>/: username, email, password keys required; a
// blank username/email keeps the current value, a blank password keeps the
// current password; non-blank values must be valid.
Result<UserUpdate, FieldErrors> validate_user_update(const boost::json::object& body,
                                                     std::string_view current_username,
                                                     std::string_view current_email);

// POST /account/login/: both keys required and non-blank (no other rules: a
// legacy account with a short password must still be able to log in).
struct Credentials {
  std::string username, password;
};
Result<Credentials, FieldErrors> validate_login(const boost::json::object& body);

}  // namespace shop::domain
