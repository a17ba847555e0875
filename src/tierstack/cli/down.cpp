// `tierstack down`.
#include <signal.h>

#include <iostream>

#include "tierstack/cli/commands.hpp"
#include "tierstack/net/isolated.hpp"
#include "tierstack/os/files.hpp"
#include "tierstack/os/process.hpp"

namespace tierstack {
namespace fs = std::filesystem;

int cmd_down(const fs::path& state) {
  const auto pid_text = read_file(state / "tierstack.pid");
  const pid_t pid =
      pid_text.empty() ? -1 : static_cast<pid_t>(std::strtol(pid_text.c_str(), nullptr, 10));
  if (pid > 0 && alive(pid)) {
    kill(pid, SIGTERM);
    std::cout << "stopping tierstack (pid " << pid << ")…\n" << std::flush;
    if (!wait_gone(pid, std::chrono::seconds(120))) {
      std::cerr << "tierstack: pid " << pid << " did not stop in 120 s\n";
      return 1;
    }
    cleanup_isolated(state);  // the supervisor removed its namespaces; make sure
    std::cout << "stopped; nothing left running\n";
    return 0;
  }
  // The supervisor is gone (killed?): stop what it left behind.
  int leftovers = 0;
  const auto st = read_file(state / "state.json");
  if (!st.empty()) {
    try {
      // Reverse start order, as the supervisor stops them: the database last.
      auto comps = boost::json::parse(st).at("components").as_array();
      for (auto it = comps.rbegin(); it != comps.rend(); ++it) {
        auto& c = *it;
        const auto cpid = static_cast<pid_t>(c.at("pid").to_number<long>());
        if (cpid > 0 && alive(cpid)) {
          killpg(cpid, SIGTERM);
          if (!wait_gone(cpid, std::chrono::seconds(20))) killpg(cpid, SIGKILL);
          ++leftovers;
        }
      }
    } catch (...) {
    }
  }
  // An --isolated run's namespaces, veths, bridges and firewall (and whatever
  // still runs in them).
  for (const auto& what : cleanup_isolated(state)) std::cout << "removed " << what << "\n";
  for (const char* f : {"tierstack.pid", "state.json", "control.sock"}) fs::remove(state / f);
  std::cout << (leftovers ? "tierstack was not running; stopped " + std::to_string(leftovers) +
                                " leftover process(es)\n"
                          : "tierstack is not running\n");
  return 0;
}

}  // namespace tierstack
