#pragma once
// Owns: the firing alerts as `tierstack status` shows them — read from the
// local Alertmanager's API (GET /api/v2/alerts) and formatted one line per
// alert: its name, severity, since when, its labels, then its summary.
#include <ctime>
#include <string>

namespace tierstack {

// The "alerts:" section from an /api/v2/alerts answer (a JSON array) at
// `now`; "alerts: none firing" for an empty one. Throws on malformed JSON.
std::string format_alerts(const std::string& api_v2_alerts, std::time_t now);

// Whether that answer holds an alert with this name whose `instance` label is
// `instance` (false for anything that is not a list of alerts).
bool has_alert(const std::string& api_v2_alerts, const std::string& alertname,
               const std::string& instance);

}  // namespace tierstack
