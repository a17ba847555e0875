// libFuzzer target for configuration input an operator (or a template gone
// wrong) supplies: parse_endpoint on every line, and the whole input as the
// TOML file named by <PREFIX>_CONFIG_FILE read through the typed getters.
// The file lives in a memfd so no execution touches the disk.
#include <sys/mman.h>
#include <unistd.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "platform/core/config.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool has_bracket(std::string_view s) {
  return s.find_first_of("[]") != std::string_view::npos;
}

void endpoint(std::string_view text) {
  const auto e = ts::parse_endpoint(text);
  if (!e) return;
  check(!e->host.empty());
  // What we print for an endpoint must read back as the same endpoint.
  // (A host with brackets in it cannot be printed unambiguously; skip it.)
  if (has_bracket(e->host)) return;
  const auto again = ts::parse_endpoint(e->to_string());
  check(again && again->host == e->host && again->port == e->port);
}

// The config file: one memfd per process, rewritten for every input.
const std::string& config_path() {
  static const std::string path = [] {
    const int fd = memfd_create("fuzz-config", 0);
    if (fd < 0) std::abort();
    std::string p = "/proc/self/fd/" + std::to_string(fd);
    setenv("FUZZCFG_CONFIG_FILE", p.c_str(), 1);
    return p;
  }();
  return path;
}

void write_config(std::string_view text) {
  const int fd = std::stoi(config_path().substr(std::string_view("/proc/self/fd/").size()));
  if (ftruncate(fd, 0) != 0) std::abort();
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = pwrite(fd, text.data() + done, text.size() - done, static_cast<off_t>(done));
    if (n <= 0) std::abort();
    done += static_cast<std::size_t>(n);
  }
}

void config(std::string_view text) {
  write_config(text);
  ts::Config cfg("FUZZCFG");
  const auto port = cfg.integer("PORT", 8000, 1, 65535);
  check(port >= 1 && port <= 65535);
  (void)cfg.boolean("DEBUG", false);
  const auto ms = cfg.millis("TIMEOUT_MS", std::chrono::milliseconds(100),
                             std::chrono::milliseconds(0), std::chrono::milliseconds(60'000));
  check(ms.count() >= 0 && ms.count() <= 60'000);
  for (const auto& item : cfg.list("ORIGINS", "")) {
    check(!item.empty());
    check(!std::isspace(static_cast<unsigned char>(item.front())) &&
          !std::isspace(static_cast<unsigned char>(item.back())));
  }
  const auto mode = cfg.choice("MODE", "dev", {"dev", "prod"});
  check(mode == "dev" || mode == "prod");
  (void)cfg.listen("LISTEN", "127.0.0.1:8000");
  (void)cfg.optional_listen("MONITOR_LISTEN");
  (void)cfg.str("NAME", "shop");
  (void)cfg.secret("SECRET_KEY", 32);
  if (auto raw = cfg.raw("LISTEN")) endpoint(*raw);
  try {
    cfg.check();
  } catch (const ts::ConfigError& e) {
    check(std::string_view(e.what()).starts_with("configuration error"));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  endpoint(text);
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    endpoint(rest.substr(0, nl));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  config(text);
  return 0;
}
