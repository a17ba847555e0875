#include "microblog/app.hpp"

#include <kainjow/mustache.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

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
  s.run_worker = cfg.boolean("RUN_WORKER", true);

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

Templates::Templates(const std::string& dir) {
  const auto tdir = std::filesystem::path(dir) / "templates";
  if (!std::filesystem::is_directory(tdir))
    throw std::runtime_error("template directory not found: " + tdir.string() +
                             " (set MICROBLOG_WEB_DIR)");
  for (const auto& e : std::filesystem::directory_iterator(tdir)) {
    if (e.path().extension() != ".mustache") continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    const auto name = e.path().stem().string();
    kainjow::mustache::mustache check{ss.str()};
    if (!check.is_valid())
      throw std::runtime_error("template " + name + ": " + check.error_message());
    sources_[name] = ss.str();
  }
}

std::string Templates::render(const std::string& name, const kainjow::mustache::data& data) const {
  auto it = sources_.find(name);
  if (it == sources_.end()) throw std::runtime_error("no template " + name);
  kainjow::mustache::mustache tmpl{it->second};
  kainjow::mustache::data ctx = data;
  for (const auto& [pname, text] : sources_) {
    if (pname.empty() || pname[0] != '_') continue;
    const std::string* src = &text;
    ctx.set(pname, kainjow::mustache::partial([src] { return *src; }));
  }
  return tmpl.render(ctx);
}

Microblog::Microblog(std::shared_ptr<ts::db::Pool> pool, Settings s)
    : db(std::move(pool)), settings(std::move(s)), templates(settings.web_dir) {}

}  // namespace microblog
