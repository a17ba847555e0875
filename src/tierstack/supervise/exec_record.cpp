// The exec record of an app (exec_record.hpp): JSON in <state>/run.
#include "tierstack/supervise/exec_record.hpp"

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "tierstack/os/files.hpp"
#include "tierstack/supervise/plan.hpp"

namespace tierstack {
namespace fs = std::filesystem;

fs::path exec_record_path(const fs::path& state, const std::string& app) {
  return state / "run" / (app + ".exec.json");
}

ExecRecord exec_record_of(const Component& c, const AppTier& a) {
  ExecRecord r;
  r.app = a.name;
  r.binary = c.spawn.argv.empty() ? fs::path() : fs::path(c.spawn.argv.front());
  r.cwd = c.spawn.cwd;
  r.netns = c.spawn.netns;
  r.env = c.spawn.env;
  for (const auto& k : instance_env_keys(a.env_prefix)) r.env.erase(k);
  return r;
}

void write_exec_record(const fs::path& state, const ExecRecord& r) {
  boost::json::object env;
  for (const auto& [k, v] : r.env) env[k] = v;
  const boost::json::object o{{"app", r.app},
                              {"binary", r.binary.string()},
                              {"cwd", r.cwd.string()},
                              {"netns", r.netns},
                              {"env", env}};
  write_file(exec_record_path(state, r.app), boost::json::serialize(o) + "\n", 0600);
}

std::optional<ExecRecord> read_exec_record(const fs::path& state, const std::string& app) {
  const auto path = exec_record_path(state, app);
  if (!fs::exists(path)) return std::nullopt;
  if (!std::ifstream(path))
    throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno) +
                             " (run as the user that ran tierstack up)");
  try {
    const auto o = boost::json::parse(read_file(path)).as_object();
    ExecRecord r;
    r.app = std::string(o.at("app").as_string());
    r.binary = std::string(o.at("binary").as_string());
    r.cwd = std::string(o.at("cwd").as_string());
    r.netns = std::string(o.at("netns").as_string());
    for (const auto& [k, v] : o.at("env").as_object()) r.env[std::string(k)] = v.as_string();
    return r;
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot read " + path.string() + ": " + e.what());
  }
}

}  // namespace tierstack
