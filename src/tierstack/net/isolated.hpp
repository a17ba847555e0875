#pragma once
// `tierstack up --isolated`: the topology's subnets as network namespaces
// joined to a router namespace by veth pairs and bridges, with an nftables
// filter in the router equivalent to the security groups of
// ../shared/specs/deployment.md (see docs/operations.md, "Isolated subnets").
//
// Every name derives from the state directory (ts-<id>-…), so two state
// directories never collide and the leftovers of a crashed run are found
// again. Everything except the operator link lives inside namespaces we
// create, so deleting them removes every veth, bridge and nftables table.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace tierstack {

struct Subnet {
  std::string key;      // inet, lb, pub-a, priv-a, data, mon
  std::string netns;    // ts-<id>-pub-a
  std::string bridge;   // the subnet's bridge in the router namespace
  std::string cidr;     // 10.X.10.0/24
  std::string gateway;  // the router's address on it
  std::string address;  // the address of the namespace ("host") in it
};

// One permitted flow: new TCP connections from these subnets to these
// address:port pairs. Everything else forwarded by the router is refused.
struct Allow {
  std::string comment;
  std::vector<std::string> from;  // subnet keys, or "operator" for the host link
  std::vector<std::pair<std::string, std::uint16_t>> to;
};

class IsolatedNet {
 public:
  IsolatedNet(const std::filesystem::path& state_dir, const std::vector<std::string>& zones);

  const std::string& id() const { return id_; }
  const Subnet& subnet(const std::string& key) const;  // throws for an unknown key
  const std::vector<Subnet>& subnets() const { return subnets_; }
  const std::string& router_netns() const { return router_; }
  const std::string& operator_link() const { return host_link_; }
  const std::string& network() const { return network_; }  // 10.X.0.0/16

  // Picks a /16 that no route or address of this host uses, then creates the
  // namespaces, bridges, veths, addresses and routes. Throws naming the
  // command that failed (after removing what it had created).
  void create(const std::function<void(const std::string&)>& log);
  // Loads the router's filter: forward policy drop plus the flows.
  void apply_rules(const std::vector<Allow>& flows);
  // Kills what still runs in our namespaces, deletes them and the operator
  // link. Returns what it removed; safe to call more than once.
  std::vector<std::string> teardown();

 private:
  void assign_addresses(int second);
  void build_links(const std::filesystem::path& log);

  std::filesystem::path state_;
  std::string id_, prefix_, router_, host_link_, network_;
  std::vector<Subnet> subnets_;
  std::string host_address_, router_host_address_;
};

// The namespace-name prefix of a state directory: "ts-<6 hex>-".
std::string netns_prefix(const std::filesystem::path& state_dir);

// Removes the namespaces and the operator link a run on this state
// directory left behind (after a crash), killing what still runs in them.
// Returns what it removed (nothing when there is nothing).
std::vector<std::string> cleanup_isolated(const std::filesystem::path& state_dir);

}  // namespace tierstack
