#include "shop/domain/validation.hpp"

#include <array>

namespace shop::domain {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool all_digits(std::string_view s) {
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

// Reads one field of a partial update: a falsy value keeps `current`, which
// is then validated like a submitted value (as the original re-serializes it).
std::optional<std::string> read_or_keep(const boost::json::object& body, std::string_view field,
                                        const std::string& current, const CharFieldSpec& spec,
                                        FieldErrors& errors) {
  const auto* value = body.if_contains(field);
  if (value == nullptr) {
    errors.add(field, std::string(msg::kRequired));
    return std::nullopt;
  }
  if (is_falsy(*value)) return read_char_value(boost::json::value(current), field, spec, errors);
  return read_char_value(*value, field, spec, errors);
}

struct AddressSpec {
  std::string_view field;
  std::string AddressFields::*member;
  CharFieldSpec spec;
};

const std::array<AddressSpec, 7>& address_specs() {
  static const std::array<AddressSpec, 7> specs = {{
      {"name", &AddressFields::name, {.max_length = 200}},
      {"phone_number",
       &AddressFields::phone_number,
       {.max_length = 10, .valid = valid_phone_number}},
      {"pin_code", &AddressFields::pin_code, {.max_length = 6, .valid = valid_pin_code}},
      {"house_no", &AddressFields::house_no, {.max_length = 300}},
      {"landmark", &AddressFields::landmark, {.max_length = 120}},
      {"city", &AddressFields::city, {.max_length = 120}},
      {"state", &AddressFields::state, {.max_length = 120}},
  }};
  return specs;
}

const CharFieldSpec kProductName{.max_length = 200};
const CharFieldSpec kProductDescription{.allow_blank = true};

// DRF BooleanField on body["stock"].
std::optional<bool> read_stock(const boost::json::object& body, FieldErrors& errors) {
  const auto* value = body.if_contains("stock");
  if (value == nullptr) {
    errors.add("stock", std::string(msg::kRequired));
  } else if (value->is_null()) {
    errors.add("stock", std::string(msg::kNull));
  } else if (auto b = parse_drf_boolean(*value)) {
    return b;
  } else {
    errors.add("stock", std::string(msg::kInvalidBoolean));
  }
  return std::nullopt;
}

std::optional<Money> read_price_value(const boost::json::value& value, FieldErrors& errors) {
  auto price = parse_price(value);
  if (!price) {
    errors.add("price", price.error());
    return std::nullopt;
  }
  if (price.value().cents() < 0) {  // the original accepted negative prices
    errors.add("price", std::string(msg::kNegativePrice));
    return std::nullopt;
  }
  return price.value();
}

// The raw string of a key that must be present and a string (no trimming:
// usernames and passwords are taken verbatim, as the original does).
std::optional<std::string> read_raw_string(const boost::json::object& body, std::string_view field,
                                           FieldErrors& errors) {
  const auto* value = body.if_contains(field);
  if (value == nullptr) {
    errors.add(field, std::string(msg::kRequired));
  } else if (value->is_null()) {
    errors.add(field, std::string(msg::kNull));
  } else if (!value->is_string()) {
    errors.add(field, std::string(msg::kNotString));
  } else {
    return std::string(value->get_string());
  }
  return std::nullopt;
}

void check_username(std::string_view field, const std::string& username, FieldErrors& errors) {
  if (!valid_username(username)) errors.add(field, std::string(msg::kInvalidUsername));
  if (utf8_length(username) > kUsernameMaxLength)
    errors.add(field, msg::max_length(kUsernameMaxLength));
}

void check_email(std::string_view field, const std::string& email, FieldErrors& errors) {
  if (!valid_email(email)) errors.add(field, std::string(msg::kInvalidEmail));
  if (utf8_length(email) > kEmailMaxLength) errors.add(field, msg::max_length(kEmailMaxLength));
}

void check_password(std::string_view field, const std::string& password, FieldErrors& errors) {
  const auto len = utf8_length(password);
  if (len < kPasswordMinLength) errors.add(field, std::string(msg::kPasswordTooShort));
  if (len > kPasswordMaxLength) errors.add(field, msg::max_length(kPasswordMaxLength));
  if (password.find('\0') != std::string::npos)
    errors.add(field, std::string(msg::kNullCharacters));
}

bool blank(std::string_view s) {
  return strip(s).empty();
}

bool valid_local_part(std::string_view s) {
  static constexpr std::string_view kAtext = "-!#$%&'*+/=?^_`{}|~";
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (char c : s) {
    if (c == '.') {
      if (prev == '.') return false;
    } else if (!is_alpha(c) && !is_digit(c) && kAtext.find(c) == std::string_view::npos) {
      return false;
    }
    prev = c;
  }
  return true;
}

bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
    return false;
  for (char c : label)
    if (!is_alpha(c) && !is_digit(c) && c != '-') return false;
  return true;
}

bool valid_domain(std::string_view s) {
  if (s == "localhost") return true;
  const auto last_dot = s.rfind('.');
  if (last_dot == std::string_view::npos) return false;
  // Top-level label: 2-63 of [A-Za-z0-9-], not ending in '-' (Django 3.2).
  const auto tld = s.substr(last_dot + 1);
  if (tld.size() < 2 || tld.size() > 63 || tld.back() == '-') return false;
  for (char c : tld)
    if (!is_alpha(c) && !is_digit(c) && c != '-') return false;
  std::string_view rest = s.substr(0, last_dot);
  while (true) {
    const auto dot = rest.find('.');
    if (!valid_label(rest.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    rest.remove_prefix(dot + 1);
  }
}

}  // namespace

bool valid_phone_number(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (!all_digits(s)) return false;
  // "1?" then 9-15 digits: 16 digits only when the first is the optional 1.
  return (s.size() >= 9 && s.size() <= 15) || (s.size() == 16 && s.front() == '1');
}

bool valid_pin_code(std::string_view s) {
  return s.size() <= 9 && all_digits(s);
}

bool valid_username(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_alpha(c) && !is_digit(c) && c != '@' && c != '.' && c != '+' && c != '-' && c != '_')
      return false;
  return true;
}

bool valid_email(std::string_view s) {
  const auto at = s.rfind('@');
  if (at == std::string_view::npos) return false;
  return valid_local_part(s.substr(0, at)) && valid_domain(s.substr(at + 1));
}

Result<AddressFields, FieldErrors> validate_address(const boost::json::object& body) {
  AddressFields out;
  FieldErrors errors;
  for (const auto& f : address_specs())
    if (auto v = read_char_field(body, f.field, f.spec, errors)) out.*f.member = std::move(*v);
  if (!errors.empty()) return failure(std::move(errors));
  return out;
}

Result<AddressFields, FieldErrors> validate_address_update(const boost::json::object& body,
                                                           const AddressFields& current) {
  AddressFields out;
  FieldErrors errors;
  for (const auto& f : address_specs())
    if (auto v = read_or_keep(body, f.field, current.*f.member, f.spec, errors))
      out.*f.member = std::move(*v);
  if (!errors.empty()) return failure(std::move(errors));
  return out;
}

Result<ProductFields, FieldErrors> validate_product(const boost::json::object& body) {
  ProductFields out;
  FieldErrors errors;
  if (auto v = read_char_field(body, "name", kProductName, errors)) out.name = std::move(*v);
  if (auto v = read_char_field(body, "description", kProductDescription, errors))
    out.description = std::move(*v);
  if (const auto* price = body.if_contains("price")) {
    if (auto v = read_price_value(*price, errors)) out.price = *v;
  } else {
    errors.add("price", std::string(msg::kRequired));
  }
  if (auto v = read_stock(body, errors)) out.stock = *v;
  if (!errors.empty()) return failure(std::move(errors));
  return out;
}

Result<ProductFields, FieldErrors> validate_product_update(const boost::json::object& body,
                                                           const ProductFields& current) {
  ProductFields out;
  FieldErrors errors;
  if (auto v = read_or_keep(body, "name", current.name, kProductName, errors)) out.name = *v;
  if (auto v = read_or_keep(body, "description", current.description, kProductDescription, errors))
    out.description = *v;
  if (const auto* price = body.if_contains("price")) {
    if (is_falsy(*price)) {
      out.price = current.price;
    } else if (auto v = read_price_value(*price, errors)) {
      out.price = *v;
    }
  } else {
    errors.add("price", std::string(msg::kRequired));
  }
  if (auto v = read_stock(body, errors)) out.stock = *v;
  if (!errors.empty()) return failure(std::move(errors));
  return out;
}

Result<Registration, RegistrationErrors> validate_registration(const boost::json::object& body) {
  RegistrationErrors errors;
  auto username = read_raw_string(body, "username", errors.fields);
  auto email = read_raw_string(body, "email", errors.fields);
  auto password = read_raw_string(body, "password", errors.fields);
  if (username) {
    if (blank(*username)) {
      errors.fields.add("username", std::string(msg::kBlank));
      errors.empty_identity = true;
    } else {
      check_username("username", *username, errors.fields);
    }
  }
  if (email) {
    if (blank(*email)) {
      errors.fields.add("email", std::string(msg::kBlank));
      errors.empty_identity = true;
    } else {
      check_email("email", *email, errors.fields);
    }
  }
  if (password) check_password("password", *password, errors.fields);
  if (!errors.fields.empty()) return failure(std::move(errors));
  return Registration{std::move(*username), std::move(*email), std::move(*password)};
}

Result<UserUpdate, FieldErrors> validate_user_update(const boost::json::object& body,
                                                     std::string_view current_username,
                                                     std::string_view current_email) {
  FieldErrors errors;
  auto username = read_raw_string(body, "username", errors);
  auto email = read_raw_string(body, "email", errors);
  auto password = read_raw_string(body, "password", errors);
  UserUpdate out;
  if (username) {
    out.username = blank(*username) ? std::string(current_username) : *username;
    if (!blank(*username)) check_username("username", *username, errors);
  }
  if (email) {
    out.email = blank(*email) ? std::string(current_email) : *email;
    if (!blank(*email)) check_email("email", *email, errors);
  }
  if (password && !password->empty()) {
    check_password("password", *password, errors);
    out.new_password = std::move(*password);
  }
  if (!errors.empty()) return failure(std::move(errors));
  return out;
}

Result<Credentials, FieldErrors> validate_login(const boost::json::object& body) {
  FieldErrors errors;
  Credentials out;
  for (auto [field, member] : {std::pair{"username", &Credentials::username},
                               std::pair{"password", &Credentials::password}}) {
    auto v = read_raw_string(body, field, errors);
    if (!v) continue;
    if (blank(*v)) {
      errors.add(field, std::string(msg::kBlank));
      continue;
    }
    // DRF trims the username; the password is compared verbatim.
    out.*member = member == &Credentials::username ? std::string(strip(*v)) : std::move(*v);
  }
  if (!errors.empty()) return failure(std::move(errors));
  return out;
}

}  // namespace shop::domain
