#pragma once
// Configuration from environment variables, optionally a TOML file.
// Every setting is read through one Config object that collects all problems;
// check() then throws one ConfigError naming each bad variable, and services
// print it and exit with status 2 before doing anything else.
//
//   ts::Config cfg("SHOP");              // reads SHOP_* (and SHOP_CONFIG_FILE)
//   auto listen = cfg.listen("LISTEN", "127.0.0.1:8000");
//   auto secret = cfg.secret("SECRET_KEY", 32);
//   cfg.check();
//
// A TOML file named by <PREFIX>_CONFIG_FILE supplies values for keys in lower
// case without the prefix (listen = "0.0.0.0:8000"); the environment wins.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ts {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  std::string to_string() const;
};

// "host:port", "[v6]:port" or ":port" (all interfaces); nullopt when malformed.
std::optional<Endpoint> parse_endpoint(std::string_view text);

class Config {
 public:
  explicit Config(std::string prefix);

  std::string prefix() const { return prefix_; }
  // The full variable name, e.g. SHOP_LISTEN.
  std::string var(std::string_view key) const;

  // Raw lookup: environment first, then the TOML file; nullopt when unset or empty.
  std::optional<std::string> raw(std::string_view key) const;

  std::string str(std::string_view key, std::string_view fallback);
  std::string required(std::string_view key);
  std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t min,
                       std::int64_t max);
  bool boolean(std::string_view key, bool fallback);
  std::chrono::milliseconds millis(std::string_view key, std::chrono::milliseconds fallback,
                                   std::chrono::milliseconds min, std::chrono::milliseconds max);
  Endpoint listen(std::string_view key, std::string_view fallback);
  std::optional<Endpoint> optional_listen(std::string_view key);
  // One of `allowed`; anything else is an error naming the choices.
  std::string choice(std::string_view key, std::string_view fallback,
                     const std::vector<std::string>& allowed);
  // A secret of at least min_bytes; required unless dev_fallback is given
  // (development mode), in which case the fallback is used and a warning logged.
  std::string secret(std::string_view key, std::size_t min_bytes,
                     std::optional<std::string_view> dev_fallback = std::nullopt);
  // Comma-separated list, entries trimmed, empty entries dropped.
  std::vector<std::string> list(std::string_view key, std::string_view fallback);

  void fail(std::string_view key, std::string_view message);
  // Throws ConfigError listing every problem found so far.
  void check() const;

 private:
  std::string prefix_;
  std::map<std::string, std::string> file_values_;
  std::vector<std::string> errors_;
};

}  // namespace ts
