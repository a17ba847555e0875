// `tierstack logs`.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "tierstack/cli/commands.hpp"

namespace tierstack {
namespace fs = std::filesystem;

int cmd_logs(const fs::path& state, const std::string& instance, int lines, bool follow) {
  const auto dir = state / "logs";
  if (!fs::exists(dir)) {
    std::cerr << "tierstack: no logs in " << dir.string() << "\n";
    return 1;
  }
  std::vector<std::string> files;
  if (instance.empty()) {
    for (auto& e : fs::directory_iterator(dir)) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    std::cout << "log files (tierstack logs INSTANCE shows one):\n";
    for (auto& f : files) std::cout << "  " << f << "  (" << fs::file_size(f) << " bytes)\n";
    return 0;
  }
  for (const char* suffix : {".log", ".error.log"})
    if (fs::exists(dir / (instance + suffix)))
      files.push_back((dir / (instance + suffix)).string());
  if (files.empty()) {
    std::cerr << "tierstack: no log for '" << instance << "' in " << dir.string() << "\n";
    return 1;
  }
  std::vector<std::string> args = {"tail", "-n", std::to_string(lines)};
  if (follow) args.push_back("-F");
  args.insert(args.end(), files.begin(), files.end());
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  execvp("tail", argv.data());
  std::perror("tail");
  return 1;
}

}  // namespace tierstack
