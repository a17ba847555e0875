#pragma once
// What the microblog's handlers share: the database, settings, templates,
// rate limiters, the mailer and the translator. One instance per process.
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "microblog/web/post_list_cache.hpp"
#include "platform/auth/login.hpp"
#include "platform/core/config.hpp"
#include "platform/db/pool.hpp"
#include "platform/http/rate_limit.hpp"

namespace microblog::web::view {
class data;
class Template;
}  // namespace microblog::web::view

namespace microblog {

struct MailSettings {
  std::string server;  // empty: write messages to outbox_dir instead
  int port = 25;
  bool use_tls = false;  // STARTTLS
  bool use_ssl = false;  // implicit TLS (smtps)
  std::string username;
  std::string password;
  std::string sender = "no-reply@microblog.local";
  std::string outbox_dir = "var/microblog-outbox";
};

struct TranslatorSettings {
  std::string kind;  // "", "libretranslate" or "microsoft"
  std::string url;   // base URL of the service
  std::string key;
  std::string region = "westus";  // microsoft only
  bool enabled() const { return !kind.empty(); }
};

struct Settings {
  std::string secret_key;
  int posts_per_page = 25;
  std::string web_dir;  // holds templates/ and static/
  bool secure_cookies = false;
  std::int64_t last_seen_interval_us = 60'000'000;
  // e.g. https://blog.example.com: the only base of links in e-mails (reset,
  // e-mail confirmation). Empty: such mail is not sent, never built from the
  // request's Host header, which the client chooses.
  std::string public_url;
  bool run_worker = true;  // serve also runs background jobs
  // "identicon": avatars drawn here (/avatar/…); "gravatar": gravatar.com
  // URLs as the original (each page then tells gravatar.com an e-mail hash).
  std::string avatars = "identicon";
  MailSettings mail;
  TranslatorSettings translator;
};

// Reads MICROBLOG_* settings (README / docs/microblog.md).
Settings read_settings(ts::Config& cfg);

// Templates are read, partials ({{> _name}}, files named _*.mustache)
// expanded and the result parsed once at start (web/view.hpp); a parsed
// template is immutable and shared by every thread.
class Templates {
 public:
  explicit Templates(const std::string& dir);
  ~Templates();
  // Appends the rendered template to out.
  void render(const std::string& name, const web::view::data& data, std::string& out) const;
  std::string render(const std::string& name, const web::view::data& data) const;

 private:
  std::map<std::string, std::unique_ptr<web::view::Template>> parsed_;
};

struct Microblog {
  Microblog(std::shared_ptr<ts::db::Pool> pool, Settings s);

  std::shared_ptr<ts::db::Pool> db;
  Settings settings;
  Templates templates;
  web::PostListCache post_lists;
  // Web login and the API's Basic-auth token endpoint share one login
  // service (platform/auth/login.hpp): guesses slow down the guessing
  // address, not the account holder elsewhere; every password hash, there
  // and at registration and reset, runs within the process's hash limit.
  ts::auth::PasswordLogin passwords;
  ts::http::RateLimiter reset_by_address{5.0 / 60.0, 10};
  // The registration form and POST /api/users draw on the same bucket: a
  // burst of 20 accounts per client address, then 10 an hour.
  ts::http::RateLimiter register_by_address{10.0 / 3600.0, 20};
  ts::http::RateLimiter translate_by_user{30.0 / 60.0, 30};
};

}  // namespace microblog
