// The PostgreSQL cluster's first start: pg_hba.conf with --isolated, initdb
// as the postgres user, the primary started and one database per app made.
#include <stdexcept>

#include "tierstack/db/postgres/pg_node.hpp"
#include "tierstack/db/sql_quote.hpp"
#include "tierstack/render/postgres.hpp"
#include "tierstack/supervise/supervisor.hpp"

namespace tierstack {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

void Supervisor::start_database() {
  Component* pg_node = db_primary();  // the one a failover left as primary
  if (!pg_node) return;
  const auto dir = state_ / "postgres";
  const auto node = state_ / pg_node->name;
  fs::create_directories(dir / "run");
  fs::create_directories(node / "run");
  if (net_) {
    std::vector<std::string> app_cidrs;
    for (const auto& z : topo_.zones) app_cidrs.push_back(net_->subnet("priv-" + z).cidr);
    write_file(dir / "pg_hba.conf", render_pg_hba(net_->subnet("data").cidr, app_cidrs), 0600);
  }
  const auto pg_user = system_user("postgres");
  if (pg_user) chown_tree(dir, pg_user->first, pg_user->second);
  if (pg_user) chown_tree(node, pg_user->first, pg_user->second);
  if (!fs::exists(node / "data" / "PG_VERSION")) {
    SpawnOptions o;
    o.argv = {fs::path(pg_node->spawn.argv[0]).parent_path().string() + "/initdb",
              "-D",
              (node / "data").string(),
              "-U",
              "tierstack",
              "--auth=trust",
              "-E",
              "UTF8",
              "--locale=C.UTF-8"};
    o.log_file = logs_ / "initdb.log";
    o.uid = pg_node->spawn.uid;
    o.gid = pg_node->spawn.gid;
    if (run_to_end(o, 120s) != 0)
      throw std::runtime_error("initdb failed:\n" + tail_lines(o.log_file, 10));
  }
  {
    std::lock_guard lk(mu_);
    start(*pg_node);
  }
  if (!wait_ready({pg_node->name}, 60s))
    throw std::runtime_error("PostgreSQL did not start:\n" +
                             tail_lines(pg_node->spawn.log_file, 10));
  // One database per app. CREATE DATABASE takes no parameters: the name is
  // quoted as an identifier (the apps' names come from the topology).
  const auto pg = pg_connect(*pg_node);
  for (const auto& [app, url] : db_urls_) {
    if (!pg->query("SELECT 1 FROM pg_database WHERE datname = $1", {app}).empty()) continue;
    try {
      pg->execute_script("CREATE DATABASE " + quote_ident(app));
    } catch (const std::exception& e) {
      throw std::runtime_error("CREATE DATABASE " + app + ": " + e.what());
    }
  }
}

}  // namespace tierstack
