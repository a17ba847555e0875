// `tierstack mail [--list | --show N] [--follow]`: the mail the apps of the
// topology wrote instead of sending it (no SMTP server configured): each
// app's <PREFIX>_OUTBOX_DIR from its exec record, <state>/mail/<app> unless
// the topology sets another. Messages are .eml files named
// <microseconds>-<n>.eml (src/microblog/mail.cpp), so their order is by name.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <set>
#include <thread>

#include "tierstack/cli/commands.hpp"
#include "tierstack/cli/mail_decode.hpp"
#include "tierstack/os/files.hpp"
#include "tierstack/supervise/exec_record.hpp"

namespace tierstack {
namespace fs = std::filesystem;

namespace {

struct Outboxes {
  std::vector<fs::path> dirs;
  std::vector<std::string> notes;  // apps that send through SMTP instead
};

// Every app's outbox; throws when no app has run on the state directory yet.
Outboxes find_outboxes(const Topology& topo) {
  Outboxes o;
  bool any = false;
  for (const auto& a : topo.apps) {
    const auto rec = read_exec_record(topo.state_dir, a.name);
    if (!rec) continue;
    any = true;
    const auto p = a.env_prefix;
    if (const auto s = rec->env.find(p + "_MAIL_SERVER"); s != rec->env.end() && !s->second.empty())
      o.notes.push_back(a.name + " sends its mail through the SMTP server " + s->second + " (" + p +
                        "_MAIL_SERVER), not to an outbox");
    if (const auto d = rec->env.find(p + "_OUTBOX_DIR"); d != rec->env.end())
      o.dirs.push_back(rec->cwd / d->second);  // an absolute setting stays as it is
  }
  if (!any)
    throw std::runtime_error("no app has run on the state directory " + topo.state_dir.string() +
                             " yet: start the topology with " + "`tierstack up` first");
  return o;
}

// The messages, oldest first.
std::vector<fs::path> messages(const Outboxes& o) {
  std::vector<fs::path> all;
  for (const auto& d : o.dirs) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(d, ec))
      if (e.path().extension() == ".eml") all.push_back(e.path());
  }
  std::sort(all.begin(), all.end(), [](const fs::path& a, const fs::path& b) {
    const auto an = a.filename().string(), bn = b.filename().string();
    return an.size() != bn.size() ? an.size() < bn.size() : an < bn;
  });
  return all;
}

std::string list_line(int n, const MailMessage& m) {
  char line[160];
  std::snprintf(line, sizeof line, "%4d  %-31s  %-30s  ", n, m.date.c_str(), m.to.c_str());
  return line + m.subject + "\n";
}

void print_message(int n, const fs::path& file) {
  const auto m = decode_mail(read_file(file));
  std::string out = "\n=== mail " + std::to_string(n) + " (" + file.string() + ")\n";
  out += "From:    " + m.from + "\nTo:      " + m.to + "\nDate:    " + m.date +
         "\nSubject: " + m.subject + "\n";
  for (const auto& a : m.attachments) out += "Attached: " + a + "\n";
  out += m.html_only ? "(HTML only)\n\n" : "\n";
  out += m.text;
  if (!out.ends_with('\n')) out += '\n';
  std::cout << out << std::flush;
}

void print_list(const std::vector<fs::path>& all, const Outboxes& o, const fs::path& state) {
  // <state>/mail/<app> by default: named once as <state>/mail.
  std::set<std::string> places;
  for (const auto& d : o.dirs)
    places.insert(d.parent_path() == state / "mail" ? (state / "mail").string() : d.string());
  std::string where;
  for (const auto& p : places) where += (where.empty() ? "" : ", ") + p;
  std::cout << all.size() << (all.size() == 1 ? " message" : " messages") << " in " << where
            << "\n";
  for (std::size_t i = 0; i < all.size(); ++i)
    std::cout << list_line(static_cast<int>(i + 1), decode_mail(read_file(all[i])));
  std::cout << std::flush;
}

// Prints each message that appears from now on, until killed.
[[noreturn]] void follow(const Outboxes& o, std::vector<fs::path> all) {
  std::set<fs::path> seen(all.begin(), all.end());
  std::cerr << "tierstack: waiting for mail (Ctrl-C to stop)\n";
  for (;;) {
    for (std::size_t i = 0; i < all.size(); ++i)
      if (seen.insert(all[i]).second) print_message(static_cast<int>(i + 1), all[i]);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    all = messages(o);
  }
}

}  // namespace

int cmd_mail(const Topology& topo, const MailArgs& args) {
  Outboxes o;
  try {
    o = find_outboxes(topo);
  } catch (const std::exception& e) {
    std::cerr << "tierstack: " << e.what() << "\n";
    return 2;
  }
  for (const auto& n : o.notes) std::cerr << "tierstack: note: " << n << "\n";
  const auto all = messages(o);
  if (args.show > 0) {
    if (static_cast<std::size_t>(args.show) > all.size()) {
      std::cerr << "tierstack: no mail " << args.show << ": the outboxes hold " << all.size()
                << " (tierstack mail --list)\n";
      return 2;
    }
    print_message(args.show, all[static_cast<std::size_t>(args.show - 1)]);
    if (!args.follow) return 0;
  } else {
    print_list(all, o, topo.state_dir);
    if (!args.list && !args.follow && !all.empty())
      print_message(static_cast<int>(all.size()), all.back());
  }
  if (args.follow) follow(o, all);
  return 0;
}

}  // namespace tierstack
