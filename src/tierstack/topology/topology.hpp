#pragma once
// The declarative description of the local topology (deploy/local/topology.toml):
// zones, the tiers and their instances, ports, the database and where state lives.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tierstack {

struct AppTier {
  std::string name;        // "shop": binary name and pool name
  std::string env_prefix;  // "SHOP"
  int per_zone = 1;
  std::uint16_t port = 0;  // first instance's port; 0 = choose free ports
  std::uint16_t monitor_port = 0;
  bool optional = false;  // skipped with a note when the binary does not exist
  bool seed = false;      // run `<app> seed` once after migrating
  std::string lb_name;    // "store": the name of its URL
  std::uint16_t lb_port = 0;
  std::uint16_t web_port = 0;
  // Path prefixes the web tier proxies to this app; empty: everything.
  std::vector<std::string> proxy_paths;
  std::string static_root;                 // served by the web tier when it exists (SPA fallback)
  std::map<std::string, std::string> env;  // extra settings for every instance
  // How the app charges cards: "sandbox" or "stripe" (<PREFIX>_PAYMENT_GATEWAY);
  // empty for an app without payments. The sandbox is also allowed
  // explicitly (<PREFIX>_ALLOW_SANDBOX=true), since the shop refuses it
  // otherwise.
  std::string payment_gateway;
  // The microblog's translator ([app.translator]; docs/microblog.md,
  // "Translation"): <PREFIX>_TRANSLATOR, _TRANSLATOR_URL, _TRANSLATOR_REGION.
  // Empty service: none configured here. The key is never in the file: it
  // comes from <PREFIX>_TRANSLATOR_KEY in `tierstack up`'s environment.
  struct Translator {
    std::string service;  // "libretranslate" | "microsoft"
    std::string url, region;
  } translator;
};

struct Topology {
  std::filesystem::path file;  // the topology file itself
  std::filesystem::path root;  // relative paths resolve against this
  std::filesystem::path state_dir;
  std::filesystem::path bin_dir;  // where the app binaries are; empty: beside tierstack
  std::filesystem::path nginx_templates;
  std::filesystem::path prometheus_template;
  std::filesystem::path prometheus_rules;  // directory of *.yml rule files (optional)
  std::vector<std::string> zones{"a", "b"};
  std::string database = "sqlite";  // sqlite | postgres
  std::uint16_t database_port = 0;
  int web_per_zone = 1;
  int nginx_workers = 1;
  std::uint16_t web_port = 0;
  std::uint16_t prometheus_port = 0;
  std::uint16_t alertmanager_port = 0;
  std::string scrape_interval = "5s";
  // [monitoring.alert_for]: alert name -> the `for:` duration the local
  // Prometheus uses instead of the rule file's (the AWS rules keep theirs).
  std::map<std::string, std::string> alert_for;
  // The built dashboards page (web/dashboard/dist), served by Prometheus at /user/.
  std::filesystem::path dashboards;
  std::uint16_t node_exporter_port = 0;
  std::vector<AppTier> apps;
  // Backups ([backup]; docs/operations.md, "Backups and restore"). The
  // directory is outside the state directory so losing one does not lose
  // the other; default: "backups" beside the state directory.
  std::filesystem::path backup_dir;
  std::int64_t backup_interval = 3600;         // seconds between base backups in `up`; 0: none
  int backup_keep_last = 24;                   // retention: the newest N …
  int backup_keep_days = 7;                    // … and the newest of each of the last D days
  std::int64_t backup_verify_interval = 3600;  // restore-test a scheduled backup at most this often
  // Retention of logs/ and releases/ ([logs], [releases]; docs/operations.md,
  // "Logs and releases"): a log above log_max_kib is rotated to NAME.log.1 …
  // keeping log_keep old ones; each app keeps its newest releases_keep
  // releases and every release an instance runs.
  std::int64_t log_max_kib = 10240;
  int log_keep = 3;
  int releases_keep = 3;
};

// Reads a topology file; throws std::runtime_error naming the problem.
Topology load_topology(const std::filesystem::path& file);

// The default topology file: ./deploy/local/topology.toml, else the source tree's.
std::filesystem::path default_topology_file();

}  // namespace tierstack
