#pragma once
// Owns: Prometheus's configuration for the local topology (the topology's
// templates.prometheus rendered): one scrape job per app over its
// instances' monitor ports, node exporter, Alertmanager, Prometheus itself,
// the rule files (the local copies, render/alertmanager.hpp's
// render_alert_rules) and the Alertmanager alerts go to.
#include <filesystem>
#include <string>

#include "tierstack/supervise/component.hpp"
#include "tierstack/topology/topology.hpp"

namespace tierstack {

// Where `up` writes the local copies of the rule files: <state>/prometheus/rules.
std::filesystem::path local_rules_dir(const Topology& topo);

// prometheus.yml from the template's text.
std::string render_prometheus(const Topology& topo, const Components& comps,
                              const std::string& tmpl);

}  // namespace tierstack
