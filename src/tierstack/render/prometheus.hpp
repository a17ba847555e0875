#pragma once
// Owns: Prometheus's configuration for the local topology (the topology's
// templates.prometheus rendered): one scrape job per app over its
// instances' monitor ports, node exporter, Prometheus itself, the rule files.
#include <string>

#include "tierstack/supervise/component.hpp"
#include "tierstack/topology/topology.hpp"

namespace tierstack {

// prometheus.yml from the template's text.
std::string render_prometheus(const Topology& topo, const Components& comps,
                              const std::string& tmpl);

}  // namespace tierstack
