#pragma once
// Owns: the firewall flows of `up --isolated`, equivalent to
// ../shared/specs/deployment.md's security groups, from the planned
// components. net/isolated.hpp loads them into the router's nftables.
#include <vector>

#include "tierstack/net/isolated.hpp"
#include "tierstack/supervise/component.hpp"
#include "tierstack/topology/topology.hpp"

namespace tierstack {

std::vector<Allow> security_groups(const Topology& topo, const Components& comps);

}  // namespace tierstack
