#include "tierstack/supervise/alerts.hpp"

#include <boost/json.hpp>
#include <cstdio>
#include <iomanip>
#include <map>
#include <sstream>
#include <vector>

#include "tierstack/os/http.hpp"
#include "tierstack/supervise/supervisor.hpp"

namespace tierstack {

namespace {

std::string str(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// RFC 3339 in UTC ("2024-05-01T12:03:04.123Z", as Alertmanager writes it)
// to a time; -1 when it is not that.
std::time_t parse_utc(const std::string& s) {
  std::tm tm{};
  std::istringstream in(s);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return -1;
  return timegm(&tm);
}

std::string ago(long s) {
  char buf[48];
  if (s < 120)
    std::snprintf(buf, sizeof buf, "%lds ago", s);
  else if (s < 7200)
    std::snprintf(buf, sizeof buf, "%ldm%02lds ago", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ldh%02ldm ago", s / 3600, (s / 60) % 60);
  return buf;
}

std::string since(const std::string& starts_at, std::time_t now) {
  const std::time_t t = parse_utc(starts_at);
  if (t < 0) return "since " + starts_at;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return std::string("since ") + buf + " (" + ago(now > t ? static_cast<long>(now - t) : 0) + ")";
}

}  // namespace

std::string format_alerts(const std::string& api_v2_alerts, std::time_t now) {
  const auto answer = boost::json::parse(api_v2_alerts);
  const auto& alerts = answer.as_array();
  if (alerts.empty()) return "alerts: none firing\n";
  // Oldest first: what has been wrong longest leads.
  std::multimap<std::string, const boost::json::object*> ordered;
  for (const auto& a : alerts) ordered.emplace(str(a.as_object(), "startsAt"), &a.as_object());
  std::string s = "alerts: " + std::to_string(alerts.size()) + " firing\n";
  for (const auto& [start, a] : ordered) {
    std::map<std::string, std::string> labels;
    if (const auto* l = a->if_contains("labels"))
      for (const auto& [k, v] : l->as_object())
        if (v.is_string()) labels[std::string(k)] = std::string(v.as_string());
    std::string line = "  " + labels["alertname"];
    if (!labels["severity"].empty()) line += " (" + labels["severity"] + ")";
    line += " " + since(start, now) + ":";
    // alertname and severity are shown already; environment is always "local".
    for (const auto& [k, v] : labels)
      if (k != "alertname" && k != "severity" && k != "environment")
        line.append(" ").append(k).append("=").append(v);
    s += line + "\n";
    if (const auto* ann = a->if_contains("annotations"))
      if (const auto summary = str(ann->as_object(), "summary"); !summary.empty())
        s += "      " + summary + "\n";
  }
  return s;
}

bool has_alert(const std::string& api_v2_alerts, const std::string& alertname,
               const std::string& instance) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(api_v2_alerts, ec);
  if (ec || !v.is_array()) return false;
  for (const auto& a : v.as_array()) {
    const auto* l = a.is_object() ? a.as_object().if_contains("labels") : nullptr;
    if (l && l->is_object() && str(l->as_object(), "alertname") == alertname &&
        str(l->as_object(), "instance") == instance)
      return true;
  }
  return false;
}

HttpReply Supervisor::alertmanager_alerts(std::string& url) {
  Component* am = find("alertmanager");
  if (!am) return {};
  std::string netns, host;
  std::uint16_t port = 0;
  {
    std::lock_guard lk(mu_);
    netns = am->spawn.netns;
    host = am->host;
    port = am->port;
  }
  url = "http://" + host + ":" + std::to_string(port) + "/api/v2/alerts";
  return http_get(netns, host, port, "/api/v2/alerts", std::chrono::milliseconds(2000));
}

std::string Supervisor::alerts_text() {
  if (!find("alertmanager")) return "";
  std::string url;
  const auto r = alertmanager_alerts(url);
  if (r.status != 200)
    return "alerts: unknown — Alertmanager (" + url + ") answered " +
           (r.status ? "status " + std::to_string(r.status) : std::string("nothing")) + "\n";
  try {
    return format_alerts(r.body, std::time(nullptr));
  } catch (const std::exception& e) {
    return "alerts: unknown — " + url + " answered something that is not a list of alerts (" +
           e.what() + ")\n";
  }
}

}  // namespace tierstack
