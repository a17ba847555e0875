#pragma once
// Owns: the nginx configuration of the web tier and the load balancer
// (deploy/nginx/*.tmpl rendered per instance): its server blocks per app —
// the balancer's proxy to the web tier, the web tier's SPA + API locations
// or plain proxy. The upstream pools they include are upstreams.hpp's.
#include <filesystem>
#include <string>
#include <vector>

#include "tierstack/supervise/component.hpp"
#include "tierstack/topology/topology.hpp"

namespace tierstack {

struct NginxTemplates {
  std::filesystem::path dir;
  std::string main, lb_server, spa_server, proxy_location, proxy_server;
};
// Reads deploy/nginx (the topology's templates.nginx); throws when missing.
NginxTemplates load_nginx_templates(const std::filesystem::path& dir);

// nginx.conf of one web-tier instance or the load balancer. Adds a note for
// the operator when an app's front-end build is missing (once, for the first
// zone's web instance).
std::string render_nginx_conf(const Topology& topo, const NginxTemplates& t, const Component& c,
                              std::vector<std::string>& notes);

// Where render_nginx_conf's output goes: <state>/nginx/<instance>/nginx.conf.
std::filesystem::path nginx_dir(const Topology& topo, const Component& c);

}  // namespace tierstack
