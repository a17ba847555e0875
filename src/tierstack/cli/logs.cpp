// `tierstack logs`: the log files; one instance's last lines (tail, -f
// following it); and, read here (log_lines.hpp), the lines matching --grep
// and with --all every log merged in time order, each line after the name of
// the log it is from. --follow keeps printing what the logs gain, through
// their rotation (supervise/retention.hpp).
#include <unistd.h>

#include <algorithm>
#include <boost/regex.hpp>
#include <cstdio>
#include <functional>
#include <iostream>
#include <limits>
#include <optional>
#include <thread>

#include "tierstack/cli/commands.hpp"
#include "tierstack/cli/log_lines.hpp"
#include "tierstack/os/files.hpp"
#include "tierstack/supervise/retention.hpp"

namespace tierstack {
namespace fs = std::filesystem;

namespace {

struct Named {
  std::string label;
  fs::path file;
};

// Every live log of the directory, named by its file without ".log".
std::vector<Named> all_logs(const fs::path& dir) {
  std::vector<Named> out;
  for (const auto& f : live_logs(dir)) out.push_back({f.stem().string(), f});
  return out;
}

int exec_tail(const std::vector<Named>& logs, int lines, bool follow) {
  std::vector<std::string> args = {"tail", "-n", std::to_string(lines)};
  if (follow) args.push_back("-F");
  for (const auto& l : logs) args.push_back(l.file.string());
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  execvp("tail", argv.data());
  std::perror("tail");
  return 1;
}

// Prints lines of several logs, with the log's name in front when asked.
class Printer {
 public:
  Printer(bool prefix, const std::vector<Named>& logs) : prefix_(prefix) {
    for (const auto& l : logs) width_ = std::max(width_, l.label.size());
  }
  void print(std::vector<LogSource> sources, std::size_t last_n) {
    std::vector<std::string> labels;
    labels.reserve(sources.size());
    for (const auto& s : sources) labels.push_back(s.label);
    auto merged = merge_by_time(std::move(sources));
    const auto from = merged.size() > last_n ? merged.size() - last_n : 0;
    for (std::size_t i = from; i < merged.size(); ++i) {
      if (prefix_) {
        const auto& label = labels.at(merged[i].source);
        std::cout << label << std::string(width_ > label.size() ? width_ - label.size() : 0, ' ')
                  << " | ";
      }
      std::cout << merged[i].text << '\n';
    }
    std::cout.flush();
  }

 private:
  bool prefix_;
  std::size_t width_ = 0;
};

int show(const fs::path& dir, std::vector<Named> logs, const LogsArgs& a,
         const std::function<bool(std::string_view)>& keep) {
  const auto n = static_cast<std::size_t>(std::max(a.lines, 0));
  Printer printer(a.all, logs);
  std::vector<LogSource> sources;
  std::vector<FollowedLog> followed;
  for (const auto& l : logs) {
    const auto end = file_size_or0(l.file);
    sources.push_back({l.label, last_lines(l.file, end, n, keep)});
    followed.emplace_back(l.file, end);
  }
  printer.print(std::move(sources), n);
  if (!a.follow) return 0;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    if (a.all)  // a log that appeared meanwhile is followed from its start
      for (auto& l : all_logs(dir))
        if (std::none_of(logs.begin(), logs.end(),
                         [&](const Named& o) { return o.file == l.file; })) {
          followed.emplace_back(l.file, 0);
          logs.push_back(std::move(l));
        }
    std::vector<LogSource> fresh;
    for (std::size_t i = 0; i < followed.size(); ++i) {
      LogSource s{logs[i].label, {}};
      for (auto& line : followed[i].poll())
        if (!keep || keep(line)) s.lines.push_back(std::move(line));
      fresh.push_back(std::move(s));
    }
    printer.print(std::move(fresh), std::numeric_limits<std::size_t>::max());
  }
}

}  // namespace

int cmd_logs(const fs::path& state, const LogsArgs& a) {
  const auto dir = state / "logs";
  if (a.all && !a.instance.empty()) {
    std::cerr << "tierstack: logs: give an instance or --all, not both\n";
    return 2;
  }
  std::optional<boost::regex> re;
  if (!a.grep.empty()) {
    try {
      re.emplace(a.grep, boost::regex::ECMAScript);
    } catch (const boost::regex_error& e) {
      std::cerr << "tierstack: logs --grep: '" << a.grep
                << "' is not a regular expression (ECMAScript syntax): " << e.what() << "\n";
      return 2;
    }
  }
  if (!fs::exists(dir)) {
    std::cerr << "tierstack: no logs in " << dir.string() << "\n";
    return 1;
  }
  if (a.instance.empty() && !a.all) {
    if (re) {
      std::cerr << "tierstack: logs --grep: give an instance or --all\n";
      return 2;
    }
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    std::cout << "log files (tierstack logs INSTANCE shows one, --all all of them):\n";
    for (auto& f : files) std::cout << "  " << f << "  (" << fs::file_size(f) << " bytes)\n";
    return 0;
  }
  std::vector<Named> logs;
  if (a.all) {
    logs = all_logs(dir);
  } else {
    for (const char* suffix : {".log", ".error.log"})
      if (fs::exists(dir / (a.instance + suffix)))
        logs.push_back({a.instance, dir / (a.instance + suffix)});
  }
  if (logs.empty()) {
    std::cerr << "tierstack: no log for '" << (a.all ? std::string("--all") : a.instance) << "' in "
              << dir.string() << "\n";
    return 1;
  }
  if (!a.all && !re) return exec_tail(logs, a.lines, a.follow);  // as it always was
  std::function<bool(std::string_view)> keep;
  if (re)
    keep = [&re](std::string_view line) {
      try {
        return boost::regex_search(line.begin(), line.end(), *re);
      } catch (const std::runtime_error&) {  // too complex for this line
        return false;
      }
    };
  return show(dir, std::move(logs), a, keep);
}

}  // namespace tierstack
