#include "platform/core/config.hpp"

#include <toml++/toml.h>

#include <charconv>
#include <cstdlib>

#include "platform/core/log.hpp"
#include "platform/core/text.hpp"

namespace ts {
using core::to_lower;

std::string Endpoint::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::optional<Endpoint> parse_endpoint(std::string_view text) {
  Endpoint e;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    e.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    e.host = std::string(text.substr(0, colon));
    if (e.host.find(':') != std::string::npos) return std::nullopt;
    port = text.substr(colon + 1);
  }
  if (e.host.empty()) e.host = "0.0.0.0";
  if (e.host == "localhost") e.host = "127.0.0.1";
  unsigned value = 0;
  const auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || p != port.data() + port.size() || value > 65535 || port.empty())
    return std::nullopt;
  e.port = static_cast<std::uint16_t>(value);
  return e;
}

Config::Config(std::string prefix) : prefix_(std::move(prefix)) {
  const char* file = std::getenv(var("CONFIG_FILE").c_str());
  if (file == nullptr || *file == '\0') return;
  try {
    const toml::table table = toml::parse_file(file);
    for (const auto& [k, v] : table) {
      std::string key(k.str());
      // Exact types only: toml++'s converting value<int64_t>() casts an
      // out-of-range float (port = 5e200) to an integer, which is undefined.
      if (auto s = v.value_exact<std::string>())
        file_values_[key] = *s;
      else if (auto i = v.value_exact<std::int64_t>())
        file_values_[key] = std::to_string(*i);
      else if (auto b = v.value_exact<bool>())
        file_values_[key] = *b ? "true" : "false";
      else if (auto d = v.value_exact<double>())
        file_values_[key] = std::to_string(*d);
      else
        fail("CONFIG_FILE", "key '" + key + "' must be a string, number or boolean");
    }
  } catch (const toml::parse_error& e) {
    errors_.push_back(var("CONFIG_FILE") + ": cannot parse " + file + ": " +
                      std::string(e.description()));
  }
}

std::string Config::var(std::string_view key) const {
  return prefix_ + "_" + std::string(key);
}

std::optional<std::string> Config::raw(std::string_view key) const {
  if (const char* v = std::getenv(var(key).c_str()); v != nullptr && *v != '\0')
    return std::string(v);
  if (auto it = file_values_.find(to_lower(key)); it != file_values_.end() && !it->second.empty())
    return it->second;
  return std::nullopt;
}

void Config::fail(std::string_view key, std::string_view message) {
  errors_.push_back(var(key) + ": " + std::string(message));
}

std::string Config::str(std::string_view key, std::string_view fallback) {
  return raw(key).value_or(std::string(fallback));
}

std::string Config::required(std::string_view key) {
  auto v = raw(key);
  if (!v) {
    fail(key, "is required but not set");
    return {};
  }
  return *v;
}

std::int64_t Config::integer(std::string_view key, std::int64_t fallback, std::int64_t min,
                             std::int64_t max) {
  auto v = raw(key);
  if (!v) return fallback;
  std::int64_t out = 0;
  const std::string_view text = *v;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || p != text.data() + text.size()) {
    fail(key, "expected an integer, got '" + *v + "'");
    return fallback;
  }
  if (out < min || out > max) {
    fail(key,
         "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + *v);
    return fallback;
  }
  return out;
}

bool Config::boolean(std::string_view key, bool fallback) {
  auto v = raw(key);
  if (!v) return fallback;
  const auto l = to_lower(*v);
  if (l == "1" || l == "true" || l == "yes" || l == "on") return true;
  if (l == "0" || l == "false" || l == "no" || l == "off") return false;
  fail(key, "expected true or false, got '" + *v + "'");
  return fallback;
}

std::chrono::milliseconds Config::millis(std::string_view key, std::chrono::milliseconds fallback,
                                         std::chrono::milliseconds min,
                                         std::chrono::milliseconds max) {
  return std::chrono::milliseconds(integer(key, fallback.count(), min.count(), max.count()));
}

Endpoint Config::listen(std::string_view key, std::string_view fallback) {
  const auto text = str(key, fallback);
  if (auto e = parse_endpoint(text)) return *e;
  fail(key, "expected host:port, got '" + text + "'");
  return {};
}

std::optional<Endpoint> Config::optional_listen(std::string_view key) {
  auto v = raw(key);
  if (!v) return std::nullopt;
  if (auto e = parse_endpoint(*v)) return e;
  fail(key, "expected host:port, got '" + *v + "'");
  return std::nullopt;
}

std::string Config::choice(std::string_view key, std::string_view fallback,
                           const std::vector<std::string>& allowed) {
  auto v = str(key, fallback);
  for (const auto& a : allowed)
    if (a == v) return v;
  std::string names;
  for (const auto& a : allowed) names += (names.empty() ? "" : ", ") + a;
  fail(key, "must be one of " + names + ", got '" + v + "'");
  return std::string(fallback);
}

std::string Config::secret(std::string_view key, std::size_t min_bytes,
                           std::optional<std::string_view> dev_fallback) {
  auto v = raw(key);
  if (!v) {
    if (dev_fallback) {
      log::warn("using the built-in development secret; set it for any real deployment",
                {{"variable", var(key)}});
      return std::string(*dev_fallback);
    }
    fail(key, "is required (a random string of at least " + std::to_string(min_bytes) + " bytes)");
    return {};
  }
  if (v->size() < min_bytes) {
    fail(key, "must be at least " + std::to_string(min_bytes) + " bytes long");
  }
  return *v;
}

std::vector<std::string> Config::list(std::string_view key, std::string_view fallback) {
  const auto text = str(key, fallback);
  std::vector<std::string> out;
  std::string_view rest(text);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto item = core::trim(rest.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

void Config::check() const {
  if (errors_.empty()) return;
  std::string msg = "configuration error";
  msg += errors_.size() > 1 ? "s:" : ":";
  for (const auto& e : errors_) msg += "\n  " + e;
  throw ConfigError(msg);
}

}  // namespace ts
