#include "tierstack/render/alertmanager.hpp"

#include <sstream>

namespace tierstack {

std::string render_alertmanager(const Topology& topo) {
  (void)topo;  // every local topology routes the same way
  return "# Alertmanager for the local topology, rendered by `tierstack up` into\n"
         "# <state>/alertmanager/alertmanager.yml (src/tierstack/render/alertmanager.cpp).\n"
         "# The local Prometheus sends every alert here; there is no notification\n"
         "# integration: `tierstack status` lists the firing alerts, as do\n"
         "# /api/v2/alerts and `amtool alert query`.\n"
         "route:\n"
         "  receiver: local\n"
         "  group_by: [alertname, app, instance]\n"
         "  group_wait: 10s\n"
         "  group_interval: 1m\n"
         "  repeat_interval: 4h\n"
         "receivers:\n"
         "  - name: local\n";
}

namespace {

std::size_t indent_of(const std::string& line) {
  const auto p = line.find_first_not_of(' ');
  return p == std::string::npos ? line.size() : p;
}

// "InstanceDown" from `- alert: InstanceDown` (quotes dropped); "" otherwise.
std::string alert_name(const std::string& line) {
  const auto i = indent_of(line);
  if (line.compare(i, 9, "- alert: ") != 0) return "";
  std::string name = line.substr(i + 9);
  while (!name.empty() && (name.back() == ' ' || name.back() == '\r')) name.pop_back();
  if (name.size() >= 2 && (name.front() == '"' || name.front() == '\'') &&
      name.back() == name.front())
    name = name.substr(1, name.size() - 2);
  return name;
}

}  // namespace

std::string render_alert_rules(const std::string& rules,
                               const std::map<std::string, std::string>& alert_for,
                               std::set<std::string>& applied) {
  std::istringstream in(rules);
  std::string out, line;
  // Within an overridden rule: the column of its keys (`for:` at that column
  // is the rule's own; deeper ones are inside a block such as expr: |).
  std::size_t key_col = 0;
  bool in_rule = false;
  while (std::getline(in, line)) {
    const bool blank = line.find_first_not_of(' ') == std::string::npos;
    if (in_rule && !blank && indent_of(line) < key_col) in_rule = false;
    if (in_rule && indent_of(line) == key_col && line.compare(key_col, 4, "for:") == 0) continue;
    out += line + "\n";
    const auto name = alert_name(line);
    const auto it = name.empty() ? alert_for.end() : alert_for.find(name);
    if (it == alert_for.end()) continue;
    key_col = indent_of(line) + 2;
    in_rule = true;
    out += std::string(key_col, ' ') + "for: " + it->second + "\n";
    applied.insert(name);
  }
  return out;
}

}  // namespace tierstack
