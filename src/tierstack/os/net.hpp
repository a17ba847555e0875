#pragma once
// Owns: the socket-level primitives — free loopback ports, and running code
// inside a network namespace. Both the isolated network (net/) and the HTTP
// and database probes build on this; it depends on nothing in tierstack.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tierstack {

// Free loopback TCP ports, all distinct.
std::vector<std::uint16_t> free_ports(std::size_t n);

// Runs fn on a thread that has joined the named network namespace (on the
// calling thread when netns is empty). Sockets fn opens stay in it.
void in_netns(const std::string& netns, const std::function<void()>& fn);

}  // namespace tierstack
