#include "tierstack/render/postgres.hpp"

#include <algorithm>

namespace tierstack {

std::string render_pg_hba(const std::string& data_cidr, const std::vector<std::string>& app_cidrs) {
  std::string hba =
      "# Written by tierstack up --isolated.\nlocal all all trust\n"
      "host all all 127.0.0.1/32 trust\nhost all all " +
      data_cidr + " trust\n" + "host replication all 127.0.0.1/32 trust\nhost replication all " +
      data_cidr + " trust\n";
  for (const auto& cidr : app_cidrs) hba += "host all all " + cidr + " trust\n";
  return hba;
}

std::string replication_slot(const std::string& node) {
  std::string s = "tierstack_" + node;
  std::replace(s.begin(), s.end(), '-', '_');
  return s;
}

std::string render_standby_conf(const std::string& primary_host, int primary_port,
                                const std::string& standby) {
  return "primary_conninfo = 'host=" + primary_host + " port=" + std::to_string(primary_port) +
         " user=replicator application_name=" + standby + "'\n" + "primary_slot_name = '" +
         replication_slot(standby) + "'\n";
}

std::string sync_standby_names(const std::vector<std::string>& names) {
  if (names.empty()) return "";
  std::string s = "FIRST " + std::to_string(names.size()) + " (";
  for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", \"" : "\"") + names[i] + "\"";
  return s + ")";
}

}  // namespace tierstack
