#include "microblog/app.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "microblog/web/view.hpp"

namespace microblog {

namespace {
constexpr const char* kDevSecret = "development-only-microblog-secret-do-not-deploy!!";

// The web assets: the configured directory, else the source tree this binary
// was built from, else the install location.
std::string default_web_dir() {
  for (const char* d : {MB_SOURCE_WEB_DIR, MB_INSTALL_WEB_DIR})
    if (std::filesystem::exists(std::filesystem::path(d) / "templates")) return d;
  return MB_INSTALL_WEB_DIR;
}
}  // namespace

Settings read_settings(ts::Config& cfg) {
  Settings s;
  const bool dev = cfg.boolean("DEV_MODE", false);
  s.secret_key = cfg.secret("SECRET_KEY", 32,
                            dev ? std::optional<std::string_view>(kDevSecret) : std::nullopt);
  s.posts_per_page = static_cast<int>(cfg.integer("POSTS_PER_PAGE", 25, 1, 1000));
  s.web_dir = cfg.str("WEB_DIR", default_web_dir());
  s.secure_cookies = cfg.boolean("SECURE_COOKIES", false);
  s.last_seen_interval_us = cfg.integer("LAST_SEEN_INTERVAL_SECONDS", 60, 0, 3600) * 1'000'000;
  s.public_url = cfg.str("PUBLIC_URL", "");
  while (!s.public_url.empty() && s.public_url.back() == '/') s.public_url.pop_back();
  // Links in mail start with it: a bare host name would make them relative.
  if (!s.public_url.empty() && !s.public_url.starts_with("https://") &&
      !s.public_url.starts_with("http://"))
    cfg.fail("PUBLIC_URL", "must start with https:// or http:// (e.g. https://blog.example.com)");
  s.run_worker = cfg.boolean("RUN_WORKER", true);
  s.avatars = cfg.choice("AVATARS", "identicon", {"identicon", "gravatar"});

  s.mail.server = cfg.str("MAIL_SERVER", "");
  s.mail.port = static_cast<int>(cfg.integer("MAIL_PORT", 25, 1, 65535));
  s.mail.use_tls = cfg.boolean("MAIL_USE_TLS", false);
  s.mail.use_ssl = cfg.boolean("MAIL_USE_SSL", false);
  s.mail.username = cfg.str("MAIL_USERNAME", "");
  s.mail.password = cfg.str("MAIL_PASSWORD", "");
  s.mail.sender = cfg.str("MAIL_SENDER", s.mail.sender);
  s.mail.outbox_dir = cfg.str("OUTBOX_DIR", s.mail.outbox_dir);

  s.translator.kind = cfg.choice("TRANSLATOR", "", {"", "libretranslate", "microsoft"});
  s.translator.url = cfg.str("TRANSLATOR_URL", s.translator.kind == "microsoft"
                                                   ? "https://api.cognitive.microsofttranslator.com"
                                                   : "");
  s.translator.key = cfg.str("TRANSLATOR_KEY", "");
  s.translator.region = cfg.str("TRANSLATOR_REGION", s.translator.region);
  if (s.translator.kind == "libretranslate" && s.translator.url.empty())
    cfg.fail("TRANSLATOR_URL", "is required for the libretranslate translator");
  if (s.translator.kind == "microsoft" && s.translator.key.empty())
    cfg.fail("TRANSLATOR_KEY", "is required for the microsoft translator");
  while (!s.translator.url.empty() && s.translator.url.back() == '/') s.translator.url.pop_back();
  return s;
}

namespace {

// Replaces every {{> name}} with the partial's text (recursively, to a depth
// that stops self-inclusion).
std::string expand_partials(const std::string& text,
                            const std::map<std::string, std::string>& partials, int depth = 0) {
  if (depth > 8) throw std::runtime_error("template partials nest too deeply");
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    const auto open = text.find("{{>", pos);
    if (open == std::string::npos) break;
    const auto close = text.find("}}", open);
    if (close == std::string::npos) break;
    std::string name = text.substr(open + 3, close - open - 3);
    const auto b = name.find_first_not_of(" \t");
    const auto e = name.find_last_not_of(" \t");
    name = b == std::string::npos ? std::string() : name.substr(b, e - b + 1);
    out.append(text, pos, open - pos);
    auto it = partials.find(name);
    if (it == partials.end()) throw std::runtime_error("unknown partial " + name);
    out += expand_partials(it->second, partials, depth + 1);
    pos = close + 2;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

}  // namespace

Templates::Templates(const std::string& dir) {
  const auto tdir = std::filesystem::path(dir) / "templates";
  if (!std::filesystem::is_directory(tdir))
    throw std::runtime_error("template directory not found: " + tdir.string() +
                             " (set MICROBLOG_WEB_DIR)");
  std::map<std::string, std::string> raw, partials;
  for (const auto& e : std::filesystem::directory_iterator(tdir)) {
    if (e.path().extension() != ".mustache") continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    const auto name = e.path().stem().string();
    (name[0] == '_' ? partials : raw)[name] = ss.str();
  }
  // Partials are templates too (a page may render one on its own).
  for (const auto& [name, text] : partials) raw.emplace(name, text);
  for (const auto& [name, text] : raw) {
    try {
      parsed_.emplace(name, std::make_unique<web::view::Template>(expand_partials(text, partials)));
    } catch (const std::exception& e) {
      throw std::runtime_error("template " + name + ": " + e.what());
    }
  }
}

Templates::~Templates() = default;

void Templates::render(const std::string& name, const web::view::data& data,
                       std::string& out) const {
  auto it = parsed_.find(name);
  if (it == parsed_.end()) throw std::runtime_error("no template " + name);
  it->second->render(data, out);
}

std::string Templates::render(const std::string& name, const web::view::data& data) const {
  std::string out;
  out.reserve(std::size_t{32} << 10);  // a page with 25 posts is about 15 KB: no growth on the way
  render(name, data, out);
  return out;
}

Microblog::Microblog(std::shared_ptr<ts::db::Pool> pool, Settings s)
    : db(std::move(pool)), settings(std::move(s)), templates(settings.web_dir) {}

}  // namespace microblog
