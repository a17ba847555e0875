#include "tierstack/render/prometheus.hpp"

#include <filesystem>
#include <map>

#include "tierstack/render/template.hpp"

namespace tierstack {

namespace {

std::string address(const Component& c, std::uint16_t port) {
  return c.host + ":" + std::to_string(port);
}

std::string scrape_configs(const Components& comps) {
  std::string scrape;
  std::map<std::string, std::string> jobs;
  for (const auto& c : comps) {
    if (c->kind != Kind::app) continue;
    jobs[c->app] += "      - targets: [\"" + address(*c, c->monitor_port) +
                    "\"]\n        labels: {app: " + c->app + ", tier: app, zone: \"" + c->zone +
                    "\", instance: " + c->name + "}\n";
  }
  for (const auto& [app, targets] : jobs) {
    scrape += "  - job_name: " + app + "\n    metrics_path: /metrics\n    static_configs:\n";
    scrape += targets;
  }
  for (const auto& c : comps) {
    if (c->kind == Kind::node_exporter)
      scrape += "  - job_name: node\n    static_configs:\n      - targets: [\"" +
                address(*c, c->port) +
                "\"]\n        labels: {app: node, tier: host, instance: local}\n";
    if (c->kind == Kind::alertmanager)
      scrape += "  - job_name: alertmanager\n    static_configs:\n      - targets: [\"" +
                address(*c, c->port) +
                "\"]\n        labels: {app: alertmanager, tier: monitoring}\n";
    if (c->kind == Kind::prometheus)
      scrape += "  - job_name: prometheus\n    static_configs:\n      - targets: [\"" +
                address(*c, c->port) + "\"]\n        labels: {app: prometheus, tier: monitoring}\n";
  }
  return scrape;
}

}  // namespace

std::filesystem::path local_rules_dir(const Topology& topo) {
  return topo.state_dir / "prometheus" / "rules";
}

std::string render_prometheus(const Topology& topo, const Components& comps,
                              const std::string& tmpl) {
  std::string rules = "  []";
  if (!topo.prometheus_rules.empty() && std::filesystem::exists(topo.prometheus_rules))
    rules = "  - " + (local_rules_dir(topo) / "*.yml").string();
  std::string alertmanagers;
  for (const auto& c : comps)
    if (c->kind == Kind::alertmanager)
      alertmanagers += "        - targets: [\"" + address(*c, c->port) + "\"]\n";
  alertmanagers = alertmanagers.empty() ? "  alertmanagers: []"
                                        : "  alertmanagers:\n    - static_configs:\n" +
                                              alertmanagers.substr(0, alertmanagers.size() - 1);
  const auto& interval = topo.scrape_interval;
  return render(tmpl,
                {{"scrape_interval", interval},
                 {"scrape_timeout", interval},
                 {"rule_files", rules},
                 {"alerting", alertmanagers},
                 {"scrape_configs", scrape_configs(comps)}},
                "prometheus template");
}

}  // namespace tierstack
