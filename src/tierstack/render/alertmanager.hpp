#pragma once
// Owns: Alertmanager's configuration for the local topology and the local
// copies of the alert rules. Prometheus (render/prometheus.hpp) sends its
// alerts to the one Alertmanager; `tierstack status` reads the firing ones
// back (supervise/alerts.hpp).
#include <map>
#include <set>
#include <string>

#include "tierstack/topology/topology.hpp"

namespace tierstack {

// alertmanager.yml: one route to a receiver without integrations — locally
// the alerts are read through the API (`tierstack status`, amtool).
std::string render_alertmanager(const Topology& topo);

// A Prometheus rule file's text with the `for:` of each alert named in
// `alert_for` replaced by (or, without one, given) that duration; everything
// else byte for byte. The names it changed are added to `applied`.
std::string render_alert_rules(const std::string& rules,
                               const std::map<std::string, std::string>& alert_for,
                               std::set<std::string>& applied);

}  // namespace tierstack
