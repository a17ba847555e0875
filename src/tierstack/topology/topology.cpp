#include "tierstack/topology/topology.hpp"

#include <cctype>
#include <optional>
#include <stdexcept>

#include <toml++/toml.h>

namespace tierstack {
namespace fs = std::filesystem;

namespace {

// An integer setting, read from an integer only: a float is refused rather
// than converted (toml++'s conversion is undefined beyond int64's range, found
// by fuzz_topology with 8e+81), and any other type reads as absent.
template <typename View>
std::optional<std::int64_t> integer(const View& n) {
  if (const auto* i = n.as_integer()) return i->get();
  if (n.is_floating_point())
    throw std::runtime_error("topology: a whole number is needed, not a floating-point value");
  return std::nullopt;
}

template <typename View>
std::uint16_t port_of(const View& n, std::uint16_t fallback) {
  const auto v = integer(n);
  if (!v) return fallback;
  if (*v < 0 || *v > 65535) throw std::runtime_error("port out of range: " + std::to_string(*v));
  return static_cast<std::uint16_t>(*v);
}

// A duration in seconds: an integer, or a string "90s", "15m", "1h", "2d".
std::int64_t seconds_of(const toml::node_view<toml::node>& n, std::int64_t fallback,
                        const std::string& key) {
  if (!n) return fallback;
  if (auto v = integer(n)) {
    if (*v < 0) throw std::runtime_error("topology: " + key + " must not be negative");
    return *v;
  }
  const auto s = n.value<std::string>();
  if (!s || s->empty()) throw std::runtime_error("topology: " + key + " must be like \"1h\"");
  std::size_t used = 0;
  std::int64_t v = 0;
  try {
    v = std::stoll(*s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string unit = s->substr(used);
  const std::int64_t mult = unit == "s" || unit.empty() ? 1
                            : unit == "m"               ? 60
                            : unit == "h"               ? 3600
                            : unit == "d"               ? 86400
                                                        : -1;
  if (used == 0 || v < 0 || mult < 0)
    throw std::runtime_error("topology: " + key + " = \"" + *s +
                             "\" is not a duration (e.g. \"30s\", \"15m\", \"1h\", \"1d\")");
  return v * mult;
}

fs::path resolve(const fs::path& root, const std::string& p) {
  if (p.empty()) return {};
  const fs::path path(p);
  return (path.is_absolute() ? path : root / path).lexically_normal();
}

// A Prometheus duration: digits and a unit ("15s", "2m", "500ms").
bool prometheus_duration(const std::string& s) {
  std::size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  const std::string unit = s.substr(digits);
  return digits > 0 && (unit == "ms" || unit == "s" || unit == "m" || unit == "h" || unit == "d" ||
                        unit == "w" || unit == "y");
}

void read_monitoring(const toml::table& t, Topology& topo) {
  topo.prometheus_port = port_of(t["monitoring"]["prometheus_port"], 0);
  topo.alertmanager_port = port_of(t["monitoring"]["alertmanager_port"], 0);
  topo.node_exporter_port = port_of(t["monitoring"]["node_exporter_port"], 0);
  topo.scrape_interval = t["monitoring"]["scrape_interval"].value_or(std::string("5s"));
  topo.dashboards =
      resolve(topo.root, t["monitoring"]["dashboards"].value_or(std::string("web/dashboard/dist")));
  if (auto* f = t["monitoring"]["alert_for"].as_table()) {
    for (auto& [name, v] : *f) {
      const auto d = v.value<std::string>();
      if (!d || !prometheus_duration(*d))
        throw std::runtime_error("topology: monitoring.alert_for." + std::string(name.str()) +
                                 " must be a duration like \"15s\" or \"2m\"");
      topo.alert_for[std::string(name.str())] = *d;
    }
  }
}

AppTier::Translator translator_of(const toml::table& a, const std::string& app) {
  AppTier::Translator tr;
  const auto* t = a["translator"].as_table();
  if (!t) return tr;
  const std::string where = "topology: " + app + ".translator";
  tr.service = (*t)["service"].value_or(std::string());
  tr.url = (*t)["url"].value_or(std::string());
  tr.region = (*t)["region"].value_or(std::string());
  if (tr.service != "libretranslate" && tr.service != "microsoft")
    throw std::runtime_error(where + ".service is \"" + tr.service +
                             "\"; use \"libretranslate\" or \"microsoft\"");
  if (tr.service == "libretranslate" && tr.url.empty())
    throw std::runtime_error(where + ".url is required for libretranslate");
  if ((*t)["key"])
    throw std::runtime_error(where + ".key: the key is a secret and stays out of the file; set " +
                             "it in tierstack up's environment (docs/microblog.md, Translation)");
  return tr;
}

// One [[app]] table.
AppTier load_app(const toml::table& a, const fs::path& root) {
  AppTier app;
  app.name = a["name"].value_or(std::string());
  if (app.name.empty()) throw std::runtime_error("topology: an [[app]] has no name");
  std::string prefix;
  for (char c : app.name) prefix += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  app.env_prefix = a["env_prefix"].value_or(prefix);
  app.per_zone = static_cast<int>(integer(a["per_zone"]).value_or(1));
  app.port = port_of(a["port"], 0);
  app.monitor_port = port_of(a["monitor_port"], 0);
  app.optional = a["optional"].value_or(false);
  app.seed = a["seed"].value_or(false);
  app.lb_name = a["url_name"].value_or(app.name);
  app.lb_port = port_of(a["lb_port"], 0);
  app.web_port = port_of(a["web_port"], 0);
  if (auto* paths = a["proxy_paths"].as_array())
    for (auto& p : *paths)
      if (auto s = p.value<std::string>()) app.proxy_paths.push_back(*s);
  const auto sr = a["static_root"].value_or(std::string());
  if (!sr.empty()) app.static_root = resolve(root, sr).string();
  if (auto* env = a["env"].as_table())
    for (auto& [k, v] : *env)
      if (auto s = v.value<std::string>()) app.env[std::string(k.str())] = *s;
  app.payment_gateway = a["payment_gateway"].value_or(std::string());
  if (!app.payment_gateway.empty() && app.payment_gateway != "sandbox" &&
      app.payment_gateway != "stripe")
    throw std::runtime_error("topology: " + app.name + ".payment_gateway is \"" +
                             app.payment_gateway + "\"; use \"sandbox\" or \"stripe\"");
  app.translator = translator_of(a, app.name);
  if (app.per_zone < 1) throw std::runtime_error("topology: " + app.name + ".per_zone < 1");
  return app;
}

// [backup]: where and how often, and what to keep.
void load_backup(toml::table& t, Topology& topo) {
  const auto backup_dir = t["backup"]["dir"].value_or(std::string());
  topo.backup_dir = backup_dir.empty() ? (topo.state_dir.parent_path() / "backups")
                                       : resolve(topo.root, backup_dir);
  topo.backup_interval = seconds_of(t["backup"]["interval"], 3600, "backup.interval");
  topo.backup_verify_interval =
      seconds_of(t["backup"]["verify_interval"], 3600, "backup.verify_interval");
  topo.backup_keep_last = static_cast<int>(integer(t["backup"]["keep_last"]).value_or(24));
  topo.backup_keep_days = static_cast<int>(integer(t["backup"]["keep_days"]).value_or(7));
  if (topo.backup_keep_last < 1)
    throw std::runtime_error("topology: backup.keep_last must be at least 1");
  if (topo.backup_keep_days < 0)
    throw std::runtime_error("topology: backup.keep_days must not be negative");
  {
    // Backups inside the data they protect would go with it.
    const auto b = topo.backup_dir.lexically_normal().string() + "/";
    const auto st = topo.state_dir.lexically_normal().string() + "/";
    if (b.starts_with(st))
      throw std::runtime_error("topology: backup.dir (" + topo.backup_dir.string() +
                               ") must not be inside state_dir (" + topo.state_dir.string() + ")");
  }
}

// [logs] and [releases]: how much of each the state directory keeps.
void load_retention(toml::table& t, Topology& topo) {
  topo.log_max_kib = integer(t["logs"]["max_kib"]).value_or(10240);
  const auto log_keep = integer(t["logs"]["keep"]).value_or(3);
  const auto releases_keep = integer(t["releases"]["keep"]).value_or(3);
  if (topo.log_max_kib < 1 || topo.log_max_kib > (std::int64_t{1} << 30))
    throw std::runtime_error("topology: logs.max_kib must be between 1 and 1073741824 (1 TiB)");
  if (log_keep < 0 || log_keep > 100)
    throw std::runtime_error("topology: logs.keep must be between 0 and 100");
  if (releases_keep < 1 || releases_keep > 1000)
    throw std::runtime_error("topology: releases.keep must be between 1 and 1000");
  topo.log_keep = static_cast<int>(log_keep);
  topo.releases_keep = static_cast<int>(releases_keep);
}

}  // namespace

Topology load_topology(const fs::path& file) {
  toml::table t;
  try {
    t = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(file.string() + ": " + std::string(e.description()));
  }
  Topology topo;
  topo.file = fs::absolute(file);
  topo.root = resolve(topo.file.parent_path(), t["root"].value_or(std::string(".")));
  topo.state_dir = resolve(topo.root, t["state_dir"].value_or(std::string("var/tierstack")));
  topo.bin_dir = resolve(topo.root, t["bin_dir"].value_or(std::string()));
  if (auto* zones = t["zones"].as_array()) {
    topo.zones.clear();
    for (auto& z : *zones)
      if (auto s = z.value<std::string>()) topo.zones.push_back(*s);
  }
  if (topo.zones.empty()) throw std::runtime_error("topology: zones must not be empty");

  topo.database = t["database"]["engine"].value_or(std::string("sqlite"));
  if (topo.database != "sqlite" && topo.database != "postgres")
    throw std::runtime_error("topology: database.engine must be sqlite or postgres");
  topo.database_port = port_of(t["database"]["port"], 0);

  topo.nginx_templates =
      resolve(topo.root, t["templates"]["nginx"].value_or(std::string("deploy/nginx")));
  topo.prometheus_template = resolve(
      topo.root,
      t["templates"]["prometheus"].value_or(std::string("deploy/local/prometheus.yml.tmpl")));
  topo.prometheus_rules =
      resolve(topo.root, t["templates"]["prometheus_rules"].value_or(std::string()));

  topo.web_per_zone = static_cast<int>(integer(t["web"]["per_zone"]).value_or(1));
  topo.nginx_workers = static_cast<int>(integer(t["web"]["workers"]).value_or(1));
  read_monitoring(t, topo);

  if (auto* apps = t["app"].as_array()) {
    for (auto& node : *apps) {
      auto* a = node.as_table();
      if (!a) throw std::runtime_error("topology: [[app]] entries must be tables");
      topo.apps.push_back(load_app(*a, topo.root));
    }
  }
  if (topo.apps.empty()) throw std::runtime_error("topology: no [[app]] defined");

  load_backup(t, topo);
  load_retention(t, topo);
  return topo;
}

fs::path default_topology_file() {
  fs::path local = fs::current_path() / "deploy/local/topology.toml";
  if (fs::exists(local)) return local;
  return fs::path(TIERSTACK_SOURCE_DIR) / "deploy/local/topology.toml";
}

}  // namespace tierstack
