#pragma once
// The shop binary's own subcommands (besides serve, migrate, version).
#include "platform/service/service.hpp"

namespace shop::commands {

// shop seed [flags] — demo catalogue; see --help.
int seed(ts::service::Context& ctx);
// shop create-admin --username NAME --email EMAIL; the password comes from
// SHOP_ADMIN_PASSWORD or standard input, never from a flag.
int create_admin(ts::service::Context& ctx);
// shop report counts|states|products|revenue [--top N] [--paid-only] [--format F].
int report(ts::service::Context& ctx);
// shop import-django --from URL [--media DIR]: the original store's database.
int import_django(ts::service::Context& ctx);

}  // namespace shop::commands
