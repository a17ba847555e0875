#include "tierstack/net/isolated.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <exception>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tierstack/os/files.hpp"
#include "tierstack/os/net.hpp"
#include "tierstack/os/process.hpp"

namespace tierstack {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
// A few durations below are std::chrono::seconds(n) rather than ns: on those
// cppcheck 2.10 (Debian 12) stops with an internal error (MathLib::toLongNumber)
// and leaves the whole file unchecked.

namespace {

constexpr const char* kIp = "/usr/sbin/ip";
constexpr const char* kNft = "/usr/sbin/nft";

std::string id_of(const fs::path& state_dir) {
  std::error_code ec;
  auto p = fs::weakly_canonical(fs::absolute(state_dir), ec);
  if (ec) p = fs::absolute(state_dir);
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char ch : p.string()) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%06llx", static_cast<unsigned long long>(h & 0xffffff));
  return buf;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

// Runs a command (optionally inside a namespace); throws with its output on failure.
void run(std::vector<std::string> argv, const fs::path& log, const std::string& netns = "") {
  SpawnOptions o;
  o.argv = std::move(argv);
  o.log_file = log;
  o.netns = netns;
  {
    std::ofstream l(log, std::ios::app);
    l << "$ " << (netns.empty() ? "" : "[netns " + netns + "] ") << join(o.argv, " ") << "\n";
  }
  const int rc = run_to_end(o, 20s);
  if (rc != 0) {
    const auto text = read_file(log);
    const auto from = text.rfind("$ ");
    throw std::runtime_error("isolated network: `" + join(o.argv, " ") + "` failed (status " +
                             std::to_string(rc) +
                             "): " + (from == std::string::npos ? "" : text.substr(from)));
  }
}

bool link_exists(const std::string& name) {
  return fs::exists("/sys/class/net/" + name);
}

// Processes whose network namespace is the named one.
std::vector<pid_t> pids_in_netns(const std::string& name) {
  std::vector<pid_t> out;
  struct stat ns {};
  if (stat(("/run/netns/" + name).c_str(), &ns) != 0) return out;
  DIR* d = opendir("/proc");
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    const pid_t pid = static_cast<pid_t>(std::strtol(e->d_name, nullptr, 10));
    if (pid <= 0) continue;
    struct stat st {};
    if (stat(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), &st) != 0) continue;
    if (st.st_ino == ns.st_ino && st.st_dev == ns.st_dev) out.push_back(pid);
  }
  closedir(d);
  return out;
}

std::vector<std::string> remove_all(const std::string& prefix, const std::string& host_link) {
  std::vector<std::string> removed, names;
  if (DIR* d = opendir("/run/netns")) {
    while (dirent* e = readdir(d)) {
      const std::string n = e->d_name;
      if (n.rfind(prefix, 0) == 0) names.push_back(n);
    }
    closedir(d);
  }
  // What still runs in them goes first: a namespace with a process in it
  // outlives its name, and so would its links.
  for (auto& n : names)
    for (pid_t pid : pids_in_netns(n)) {
      kill(pid, SIGKILL);
      removed.push_back("process " + std::to_string(pid) + " (in " + n + ")");
    }
  for (auto& n : names)
    for (pid_t pid : pids_in_netns(n)) wait_gone(pid, 5s);
  const fs::path devnull = "/dev/null";
  for (auto& n : names) {
    SpawnOptions o;
    o.argv = {kIp, "netns", "delete", n};
    o.log_file = devnull;
    if (run_to_end(o, 20s) == 0) removed.push_back("namespace " + n);
  }
  // The operator link goes with the router namespace (its peer); a run that
  // died half way through creating it may have left it alone.
  if (link_exists(host_link)) {
    SpawnOptions o;
    o.argv = {kIp, "link", "delete", host_link};
    o.log_file = devnull;
    if (run_to_end(o, 20s) == 0) removed.push_back("link " + host_link);
  }
  return removed;
}

// IPv4 networks this host already routes to or has an address in.
std::vector<std::pair<std::uint32_t, std::uint32_t>> host_networks() {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> nets;
  std::ifstream in("/proc/net/route");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string iface, dst, gw, flags, ref, use, metric, mask;
    if (!(f >> iface >> dst >> gw >> flags >> ref >> use >> metric >> mask)) continue;
    const auto d = ntohl(static_cast<std::uint32_t>(std::stoul(dst, nullptr, 16)));
    const auto m = ntohl(static_cast<std::uint32_t>(std::stoul(mask, nullptr, 16)));
    if (m != 0) nets.emplace_back(d & m, m);  // not the default route
  }
  ifaddrs* ifa = nullptr;
  if (getifaddrs(&ifa) == 0) {
    for (auto* i = ifa; i; i = i->ifa_next)
      if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET)
        nets.emplace_back(ntohl(reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr),
                          0xffffffffu);
    freeifaddrs(ifa);
  }
  return nets;
}

// Two runs choosing a range at once would both see it free: the choice and
// the route that claims it happen while holding a host-wide lock (an
// abstract socket name: no file, released when the process dies).
class CreationLock {
 public:
  CreationLock() : fd_(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    const char name[] = "tierstack-isolated-create";
    std::memcpy(a.sun_path + 1, name, sizeof name - 1);
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + sizeof name);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0) {
      if (errno != EADDRINUSE || std::chrono::steady_clock::now() > deadline) {
        const std::string why = std::strerror(errno);
        close(fd_);  // no destructor for a constructor that throws
        throw std::runtime_error("isolated network: cannot take the creation lock: " + why);
      }
      std::this_thread::sleep_for(50ms);
    }
  }
  ~CreationLock() { close(fd_); }
  CreationLock(const CreationLock&) = delete;
  CreationLock& operator=(const CreationLock&) = delete;

 private:
  int fd_;
};

// A 10.X.0.0/16 that this host neither routes to nor has an address in,
// starting from one derived from the id: X.
int free_range(const std::string& id) {
  const auto nets = host_networks();
  int second = -1;
  const int start = static_cast<int>(std::stoul(id, nullptr, 16) % 64);
  for (int i = 0; i < 64 && second < 0; ++i) {
    const int x = 160 + (start + i) % 64;
    const std::uint32_t base = (10u << 24) | (static_cast<std::uint32_t>(x) << 16);
    bool clash = false;
    for (auto& [net, mask] : nets) {
      const std::uint32_t m = mask & 0xffff0000u;  // the shorter of the two prefixes
      clash = clash || (net & m) == (base & m);
    }
    if (!clash) second = x;
  }
  if (second < 0) throw std::runtime_error("isolated network: no free 10.160-223.0.0/16 range");
  return second;
}

}  // namespace

std::string netns_prefix(const fs::path& state_dir) {
  return "ts-" + id_of(state_dir) + "-";
}

std::vector<std::string> cleanup_isolated(const fs::path& state_dir) {
  const auto id = id_of(state_dir);
  auto removed = remove_all("ts-" + id + "-", "ts-" + id);
  fs::remove(state_dir / "run" / "isolated.nft");
  return removed;
}

IsolatedNet::IsolatedNet(const fs::path& state_dir, const std::vector<std::string>& zones)
    : state_(state_dir), id_(id_of(state_dir)) {
  prefix_ = "ts-" + id_ + "-";
  router_ = prefix_ + "rt";
  host_link_ = "ts-" + id_;
  if (zones.size() > 9) throw std::runtime_error("--isolated supports at most 9 zones");
  auto add = [&](const std::string& key, const std::string& bridge) {
    std::string safe;
    for (char c : key) safe += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
    subnets_.push_back({key, prefix_ + safe, bridge, "", "", ""});
  };
  add("inet", "br-inet");
  add("lb", "br-lb");
  for (std::size_t i = 0; i < zones.size(); ++i)
    add("pub-" + zones[i], "br-pub" + std::to_string(i));
  for (std::size_t i = 0; i < zones.size(); ++i)
    add("priv-" + zones[i], "br-priv" + std::to_string(i));
  add("data", "br-data");
  add("mon", "br-mon");
}

const Subnet& IsolatedNet::subnet(const std::string& key) const {
  for (auto& s : subnets_)
    if (s.key == key) return s;
  throw std::runtime_error("isolated network: no subnet " + key);
}

void IsolatedNet::create(const std::function<void(const std::string&)>& log) {
  if (geteuid() != 0)
    throw std::runtime_error("--isolated creates network namespaces and needs root");
  for (const char* tool : {kIp, kNft})
    if (!fs::exists(tool))
      throw std::runtime_error(std::string(tool) +
                               " not found (scripts/install-deps installs iproute2 and nftables)");
  const CreationLock lock;
  const auto leftovers = remove_all(prefix_, host_link_);
  if (!leftovers.empty())
    log("isolated: removed what a previous run left: " + join(leftovers, ", "));
  assign_addresses(free_range(id_));
  fs::create_directories(state_ / "logs");
  const auto lg = state_ / "logs" / "isolated.log";
  try {
    build_links(lg);
  } catch (...) {
    remove_all(prefix_, host_link_);
    throw;
  }
  log("isolated: " + std::to_string(subnets_.size() + 1) + " namespaces (" + prefix_ + "*), " +
      network_ + ", operator link " + host_link_ + " (" + host_address_ + ")");
}

// The subnets' addresses in 10.<second>.0.0/16.
void IsolatedNet::assign_addresses(int second) {
  const std::string p = "10." + std::to_string(second) + ".";
  network_ = p + "0.0/16";
  std::size_t zi = 0, zj = 0;
  for (auto& s : subnets_) {
    int third = 0;
    if (s.key == "inet")
      third = 0;
    else if (s.key == "lb")
      third = 1;
    else if (s.key.rfind("pub-", 0) == 0)
      third = 10 + static_cast<int>(zi++);
    else if (s.key.rfind("priv-", 0) == 0)
      third = 20 + static_cast<int>(zj++);
    else if (s.key == "data")
      third = 30;
    else
      third = 31;
    const std::string net = p + std::to_string(third) + ".";
    s.cidr = net + "0/24";
    s.gateway = net + "1";
    s.address = net + "2";
  }
  host_address_ = p + "255.1";
  router_host_address_ = p + "255.2";
}

// The namespaces, bridges, veths, addresses and routes (the router refuses
// every flow until apply_rules loads them).
void IsolatedNet::build_links(const fs::path& lg) {
  run({kIp, "netns", "add", router_}, lg);
  run({kIp, "-n", router_, "link", "set", "lo", "up"}, lg);
  apply_rules({});  // refuse everything until the flows are known
  in_netns(router_, [] {
    std::ofstream f("/proc/sys/net/ipv4/ip_forward");
    f << "1\n";
    if (!f.flush()) throw std::runtime_error("cannot enable forwarding in the router namespace");
  });
  for (auto& s : subnets_) {
    const std::string veth = "vr" + s.bridge.substr(2);  // br-pub0 -> vr-pub0
    run({kIp, "netns", "add", s.netns}, lg);
    run({kIp, "-n", s.netns, "link", "set", "lo", "up"}, lg);
    run({kIp, "-n", router_, "link", "add", s.bridge, "type", "bridge"}, lg);
    run({kIp, "-n", router_, "addr", "add", s.gateway + "/24", "dev", s.bridge}, lg);
    run({kIp, "-n", router_, "link", "set", s.bridge, "up"}, lg);
    run({kIp, "-n", router_, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns",
         s.netns},
        lg);
    run({kIp, "-n", router_, "link", "set", veth, "master", s.bridge, "up"}, lg);
    run({kIp, "-n", s.netns, "addr", "add", s.address + "/24", "dev", "eth0"}, lg);
    run({kIp, "-n", s.netns, "link", "set", "eth0", "up"}, lg);
    run({kIp, "-n", s.netns, "route", "add", "default", "via", s.gateway}, lg);
  }
  // The operator's way in: a veth from this host's namespace to the router.
  run({kIp, "link", "add", host_link_, "type", "veth", "peer", "name", "host", "netns", router_},
      lg);
  run({kIp, "addr", "add", host_address_ + "/30", "dev", host_link_}, lg);
  run({kIp, "link", "set", host_link_, "up"}, lg);
  run({kIp, "-n", router_, "addr", "add", router_host_address_ + "/30", "dev", "host"}, lg);
  run({kIp, "-n", router_, "link", "set", "host", "up"}, lg);
  run({kIp, "route", "add", network_, "via", router_host_address_, "dev", host_link_}, lg);
}

void IsolatedNet::apply_rules(const std::vector<Allow>& flows) {
  std::ostringstream r;
  r << "# Written by tierstack up --isolated: the security groups of deployment.md.\n"
    << "table inet tierstack\n"
    << "delete table inet tierstack\n"
    << "table inet tierstack {\n"
    << "  chain input {\n"
    << "    type filter hook input priority filter; policy drop;\n"
    << "    iifname \"lo\" accept\n"
    << "    ct state established,related accept\n"
    << "  }\n"
    << "  chain forward {\n"
    << "    type filter hook forward priority filter; policy drop;\n"
    << "    ct state established,related accept\n"
    << "    ct state invalid drop\n";
  for (const auto& f : flows) {
    if (f.to.empty()) continue;
    std::vector<std::string> ifs, srcs, dsts;
    for (const auto& k : f.from) {
      if (k == "operator") {
        ifs.push_back("\"host\"");
        srcs.push_back(host_address_);
      } else {
        ifs.push_back("\"" + subnet(k).bridge + "\"");
        srcs.push_back(subnet(k).cidr);
      }
    }
    for (const auto& [addr, port] : f.to) dsts.push_back(addr + " . " + std::to_string(port));
    r << "    iifname { " << join(ifs, ", ") << " } ip saddr { " << join(srcs, ", ")
      << " } ip daddr . tcp dport { " << join(dsts, ", ") << " } ct state new counter accept"
      << " comment \"" << f.comment << "\"\n";
  }
  // Refused rather than dropped, so a denied connection fails at once.
  r << "    counter reject with icmpx type admin-prohibited comment \"everything else\"\n"
    << "  }\n"
    << "}\n";
  fs::create_directories(state_ / "run");
  const auto file = state_ / "run" / "isolated.nft";
  write_file(file, r.str());
  run({kNft, "-f", file.string()}, state_ / "logs" / "isolated.log", router_);
}

std::vector<std::string> IsolatedNet::teardown() {
  auto removed = remove_all(prefix_, host_link_);
  fs::remove(state_ / "run" / "isolated.nft");
  return removed;
}

}  // namespace tierstack
