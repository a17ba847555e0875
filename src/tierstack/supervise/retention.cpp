#include "tierstack/supervise/retention.hpp"

#include <mutex>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <system_error>

#include "tierstack/supervise/supervisor.hpp"

namespace tierstack {
namespace fs = std::filesystem;

std::vector<fs::path> live_logs(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".log" && it->is_regular_file(ec)) out.push_back(it->path());
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

fs::path numbered(const fs::path& log, int n) {
  return fs::path(log.string() + "." + std::to_string(n));
}

bool rotate_one(const fs::path& log, int keep) {
  std::error_code ec;
  if (keep > 0) {
    fs::remove(numbered(log, keep), ec);
    for (int k = keep - 1; k >= 1; --k)
      if (fs::exists(numbered(log, k), ec)) fs::rename(numbered(log, k), numbered(log, k + 1), ec);
    std::ifstream in(log, std::ios::binary);
    std::ofstream out(numbered(log, 1), std::ios::binary | std::ios::trunc);
    if (!in || !out) return false;
    out << in.rdbuf();  // to the end as it is now, lines appended meanwhile included
    out.close();
    if (!out) return false;
  }
  fs::resize_file(log, 0, ec);
  return !ec;
}

// A release stamp: digits, then any number of 'x'. Ordered by the number,
// then by the x's (the later release of the same second has more).
bool stamp(const std::string& s) {
  const auto digits = s.find_first_not_of("0123456789");
  return digits != 0 &&
         (digits == std::string::npos || s.find_first_not_of('x', digits) == std::string::npos);
}

bool older(const std::string& a, const std::string& b) {
  const auto da = a.find_first_not_of("0123456789"), db = b.find_first_not_of("0123456789");
  const std::string na = a.substr(0, da), nb = b.substr(0, db);
  if (na.size() != nb.size()) return na.size() < nb.size();
  if (na != nb) return na < nb;
  return a.size() < b.size();
}

}  // namespace

std::vector<fs::path> rotate_logs(const std::vector<fs::path>& files, const LogRotation& rotation) {
  std::vector<fs::path> rotated;
  for (const auto& f : files) {
    std::error_code ec;
    const auto size = fs::file_size(f, ec);
    if (ec || size <= rotation.max_bytes) continue;
    if (rotate_one(f, rotation.keep)) rotated.push_back(f);
  }
  return rotated;
}

std::vector<std::string> releases_to_prune(std::vector<std::string> releases,
                                           const std::set<std::string>& in_use, int keep) {
  releases.erase(std::remove_if(releases.begin(), releases.end(),
                                [](const std::string& r) { return !stamp(r); }),
                 releases.end());
  std::sort(releases.begin(), releases.end(), older);
  std::vector<std::string> out;
  const auto n = static_cast<std::ptrdiff_t>(releases.size()) - std::max(keep, 0);
  for (std::ptrdiff_t i = 0; i < n; ++i)
    if (!in_use.count(releases[static_cast<std::size_t>(i)]))
      out.push_back(releases[static_cast<std::size_t>(i)]);
  return out;
}

std::vector<fs::path> prune_releases(const fs::path& releases_dir, const std::string& app,
                                     const std::set<std::string>& in_use, int keep) {
  const auto dir = releases_dir / app;
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec)) names.push_back(it->path().filename().string());
  std::vector<fs::path> removed;
  for (const auto& r : releases_to_prune(names, in_use, keep)) {
    std::error_code rm;
    fs::remove_all(dir / r, rm);
    if (!rm) removed.push_back(dir / r);
  }
  return removed;
}

// The supervisor's side: its topology's bounds applied to its state directory.
void Supervisor::rotate_logs_now() {
  auto files = live_logs(logs_);
  files.push_back(state_ / "tierstack.log");  // the detached supervisor's own
  rotate_logs(files, {static_cast<std::uintmax_t>(topo_.log_max_kib) * 1024, topo_.log_keep});
}

void Supervisor::prune_releases_of(const std::string& app, const Out& out) {
  std::set<std::string> in_use;
  {
    std::lock_guard lk(mu_);
    for (const auto& c : comps_)
      if (c->kind == Kind::app && c->app == app && !c->release.empty()) in_use.insert(c->release);
  }
  const auto removed = prune_releases(state_ / "releases", app, in_use, topo_.releases_keep);
  if (!removed.empty())
    out(app + ": " + std::to_string(removed.size()) + " old release" +
        (removed.size() == 1 ? "" : "s") + " removed (releases.keep = " +
        std::to_string(topo_.releases_keep) + ", and every release an instance runs)");
}

}  // namespace tierstack
