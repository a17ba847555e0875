#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include "platform/auth/password.hpp"
#include "platform/db/error.hpp"
#include "platform/service/command_line.hpp"
#include "shop/commands/commands.hpp"
#include "shop/domain/field_errors.hpp"
#include "shop/domain/validation.hpp"
#include "shop/storage/users.hpp"

namespace shop::commands {

int create_admin(ts::service::Context& ctx) {
  CLI::App cli(
      "Create a staff (admin) account. The password is read from SHOP_ADMIN_PASSWORD or stdin.",
      "shop create-admin");
  std::string username, email;
  cli.add_option("--username", username, "account name")->required();
  cli.add_option("--email", email, "e-mail address")->required();
  if (const auto status = ts::service::parse_command_line(cli, ctx.args)) return *status;
  std::string password;
  if (const char* env = std::getenv("SHOP_ADMIN_PASSWORD"); env && *env) {
    password = env;
  } else {
    std::getline(std::cin, password);
  }
  // The API's rules for every password (domain/validation.hpp).
  const auto length = domain::utf8_length(password);
  if (length < domain::kPasswordMinLength || length > domain::kPasswordMaxLength) {
    std::cerr << "shop create-admin: the password must have " << domain::kPasswordMinLength
              << " to " << domain::kPasswordMaxLength << " characters\n";
    return 2;
  }
  storage::UserRecord u;
  u.username = username;
  u.email = email;
  u.password_hash = ts::auth::hash_password(password);
  u.is_staff = true;
  u.is_superuser = true;
  try {
    auto lease = ctx.db->acquire();
    const auto id = storage::insert_user(*lease, u);
    std::cout << "shop create-admin: created admin '" << username << "' (id " << id << ")\n";
  } catch (const ts::db::UniqueViolation&) {
    std::cerr << "shop create-admin: a user with that username or email already exists\n";
    return 1;
  }
  return 0;
}

}  // namespace shop::commands
