#include "microblog/account_mail.hpp"

#include <thread>

#include "microblog/domain/i18n.hpp"
#include "microblog/domain/text.hpp"
#include "microblog/web/page.hpp"
#include "platform/auth/crypto.hpp"
#include "platform/auth/signed_value.hpp"
#include "platform/core/log.hpp"
#include "platform/core/text.hpp"

namespace microblog {
namespace {

constexpr const char* kEmailChangePurpose = "email-change";

// Binds a confirmation to the address it was issued under: once the address
// changes (this or another confirmation), every older link dies.
std::string email_fingerprint(const storage::UserRow& u) {
  return ts::auth::sha256_hex(ts::core::to_lower(u.email)).substr(0, 24);
}

}  // namespace

std::optional<std::string> mail_link_base(const Microblog& app, const char* what) {
  if (!app.settings.public_url.empty()) return app.settings.public_url;
  ts::log::error(
      "mail not sent: MICROBLOG_PUBLIC_URL is not set, and links in mail are never "
      "built from the request's Host header",
      {{"mail", what}});
  return std::nullopt;
}

void send_mail_in_background(const Microblog& app, Mail m, const char* what) {
  std::thread([settings = app.settings.mail, m = std::move(m), what] {
    try {
      send_mail(settings, m);
    } catch (const std::exception& e) {
      ts::log::error("mail failed", {{"mail", what}, {"error", e.what()}});
    }
  }).detach();
}

void send_email_change(Microblog& app, const storage::UserRow& u, const std::string& new_email,
                       const std::string& locale) {
  const auto base = mail_link_base(app, "email confirmation");
  if (!base) return;
  const auto token =
      ts::auth::sign(app.settings.secret_key, kEmailChangePurpose,
                     std::to_string(u.id) + ":" + email_fingerprint(u) + ":" + new_email,
                     std::chrono::system_clock::now() + kEmailChangeLifetime);
  const auto url = *base + "/auth/confirm_email/" + token;
  Mail m;
  m.to = new_email;
  m.subject = domain::tr(locale, "[Microblog] Confirm Your Email Address");
  m.text = "Dear " + u.username +
           ",\n\nTo use this address for your Microblog account click on the following link:\n\n" +
           url +
           "\n\nUntil you do, your account keeps its current address. If you have not asked "
           "for this change simply ignore this message.\n\nSincerely,\n\nThe Microblog Team\n";
  const auto eurl = web::html_escape(url);
  m.html = "<p>Dear " + web::html_escape(u.username) +
           ",</p>\n<p>To use this address for your Microblog account <a href=\"" + eurl +
           "\">click here</a>.</p>\n<p>Alternatively, you can paste the following link in your "
           "browser's address bar:</p>\n<p>" +
           eurl +
           "</p>\n<p>Until you do, your account keeps its current address. If you have not asked "
           "for this change simply ignore this message.</p>\n<p>Sincerely,</p>\n<p>The Microblog "
           "Team</p>\n";
  send_mail_in_background(app, std::move(m), "email confirmation");
}

std::optional<std::pair<storage::UserRow, std::string>> signed_account(Microblog& app,
                                                                       std::string_view purpose,
                                                                       const std::string& token) {
  auto payload =
      ts::auth::unsign(app.settings.secret_key, purpose, token, std::chrono::system_clock::now());
  if (!payload) return std::nullopt;
  const auto colon = payload->find(':');
  if (colon == std::string::npos) return std::nullopt;
  const auto id = ts::core::parse_digits(std::string_view(*payload).substr(0, colon), 18);
  if (!id) return std::nullopt;
  auto user = storage::user_by_id(*app.db, *id);
  if (!user) return std::nullopt;
  return std::pair{std::move(*user), payload->substr(colon + 1)};
}

std::optional<std::pair<storage::UserRow, std::string>> verify_email_change(
    Microblog& app, const std::string& token) {
  // The payload is "<id>:<fingerprint of the address>:<new address>".
  auto found = signed_account(app, kEmailChangePurpose, token);
  if (!found) return std::nullopt;
  auto& [user, rest] = *found;
  const auto colon = rest.find(':');
  if (colon == std::string::npos ||
      !ts::auth::constant_time_equal(email_fingerprint(user), rest.substr(0, colon)))
    return std::nullopt;
  return std::pair{std::move(user), rest.substr(colon + 1)};
}

}  // namespace microblog
