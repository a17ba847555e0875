#pragma once
// Owns: the PostgreSQL settings tierstack writes as text — pg_hba.conf with
// --isolated, a standby's primary_conninfo lines, and the value of
// synchronous_standby_names. db/postgres/ applies them.
#include <string>
#include <vector>

namespace tierstack {

// pg_hba.conf for --isolated: initdb's own trusts loopback only; the apps
// connect from their private subnets (the firewall admits nobody else),
// tierstack's probes, the standby, pg_basebackup and pg_receivewal from the
// database's own subnet.
std::string render_pg_hba(const std::string& data_cidr, const std::vector<std::string>& app_cidrs);

// Physical replication slot names allow [a-z0-9_] only: tierstack_<node>.
std::string replication_slot(const std::string& node);

// What a standby's postgresql.auto.conf says about its primary. The
// connection names the standby (application_name, what
// synchronous_standby_names matches).
std::string render_standby_conf(const std::string& primary_host, int primary_port,
                                const std::string& standby);

// synchronous_standby_names for these members: "FIRST k ("a", "b")", a
// commit waits for every member listed; "" (reset: off) for none.
std::string sync_standby_names(const std::vector<std::string>& names);

}  // namespace tierstack
