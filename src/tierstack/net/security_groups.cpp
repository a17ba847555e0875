#include "tierstack/net/security_groups.hpp"

namespace tierstack {

std::vector<Allow> security_groups(const Topology& topo, const Components& comps) {
  // deployment.md: load balancer from anywhere; web tier only from the load
  // balancer; app tier only from the web tier (and monitoring on the metrics
  // port); database only from the app tier. The operator link (this host)
  // counts as the internet, plus Prometheus's UI and Alertmanager's API (a
  // bastion's view).
  Allow internet{"internet -> load balancer", {"inet", "operator"}, {}};
  Allow ops{"operator -> prometheus, alertmanager", {"operator"}, {}};
  Allow lb_web{"load balancer -> web tier", {"lb"}, {}};
  Allow web_app{"web tier -> app tier", {}, {}};
  Allow mon_app{"monitoring -> app tier metrics", {"mon"}, {}};
  Allow app_db{"app tier -> database", {}, {}};
  for (const auto& z : topo.zones) {
    web_app.from.push_back("pub-" + z);
    app_db.from.push_back("priv-" + z);
  }
  for (const auto& c : comps) {
    switch (c->kind) {
      case Kind::lb:
        for (const auto& [app, port] : c->app_ports) internet.to.emplace_back(c->host, port);
        break;
      case Kind::web:
        for (const auto& [app, port] : c->app_ports) lb_web.to.emplace_back(c->host, port);
        break;
      case Kind::app:
        web_app.to.emplace_back(c->host, c->port);
        mon_app.to.emplace_back(c->host, c->monitor_port);
        break;
      case Kind::postgres:
        app_db.to.emplace_back(c->host, c->port);
        break;
      case Kind::prometheus:
      case Kind::alertmanager:
        ops.to.emplace_back(c->host, c->port);
        break;
      case Kind::node_exporter:
        break;  // scraped by Prometheus in its own subnet
    }
  }
  return {internet, ops, lb_web, web_app, mon_app, app_db};
}

}  // namespace tierstack
