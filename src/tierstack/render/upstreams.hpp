#pragma once
// Owns: the text of the nginx upstream pools — web tier → app instances
// (app-upstreams.conf) and load balancer → web tier (lb-upstreams.conf) —
// from the components' readiness. supervise/pools.cpp writes them and
// reloads nginx when they change.
#include <filesystem>
#include <string>

#include "tierstack/supervise/component.hpp"
#include "tierstack/topology/topology.hpp"

namespace tierstack {

struct UpstreamTexts {
  std::string app;  // upstream app_<name> blocks, included by the web tier
  std::string lb;   // upstream web_<name> blocks, included by the load balancer
};

// The first line of both files.
inline constexpr const char* kUpstreamsHeader =
    "# Written by tierstack: the ready instances only.\n";

// The pools with the instances that are running, ready and not taken out;
// an upstream with none lists all of them.
UpstreamTexts render_upstreams(const Topology& topo, const Components& comps);

// The file the nginx of this kind (web or lb) includes.
std::filesystem::path upstreams_file(const Topology& topo, Kind kind);

}  // namespace tierstack
