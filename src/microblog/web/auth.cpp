// /auth/*: login, logout, register, password reset (spec §2.4).
#include "microblog/account_mail.hpp"
#include "microblog/domain/i18n.hpp"
#include "microblog/domain/text.hpp"
#include "microblog/mail.hpp"
#include "microblog/web/page.hpp"
#include "platform/auth/crypto.hpp"
#include "platform/auth/login.hpp"
#include "platform/auth/signed_value.hpp"
#include "platform/core/log.hpp"
#include "platform/core/text.hpp"

namespace microblog::web {
namespace {

constexpr auto kResetLifetime = std::chrono::seconds(600);

// Binds a reset token to the password hash it was issued under, so it dies
// once used (the hash changes) and after any other password change.
std::string hash_fingerprint(const storage::UserRow& u) {
  return ts::auth::sha256_hex(u.password_hash.value_or("")).substr(0, 24);
}

std::string reset_token(Microblog& app, const storage::UserRow& u) {
  return ts::auth::sign(app.settings.secret_key, "password-reset",
                        std::to_string(u.id) + ":" + hash_fingerprint(u),
                        std::chrono::system_clock::now() + kResetLifetime);
}

std::optional<storage::UserRow> verify_reset_token(Microblog& app, const std::string& token) {
  // The payload is "<id>:<fingerprint of the password hash>".
  auto found = signed_account(app, "password-reset", token);
  if (!found || !ts::auth::constant_time_equal(hash_fingerprint(found->first), found->second))
    return std::nullopt;
  return std::move(found->first);
}

void send_reset_email(Microblog& app, const storage::UserRow& u, const std::string& locale) {
  const auto root = mail_link_base(app, "password reset");
  if (!root) return;  // the visitor still sees the usual "check your email"
  const auto url = *root + "/auth/reset_password/" + reset_token(app, u);
  Mail m;
  m.to = u.email;
  m.subject = domain::tr(locale, "[Microblog] Reset Your Password");
  m.text = "Dear " + u.username + ",\n\nTo reset your password click on the following link:\n\n" +
           url +
           "\n\nIf you have not requested a password reset simply ignore this message.\n\n"
           "Sincerely,\n\nThe Microblog Team\n";
  const auto eurl = html_escape(url);
  m.html = "<p>Dear " + html_escape(u.username) + ",</p>\n<p>To reset your password <a href=\"" +
           eurl +
           "\">click here</a>.</p>\n<p>Alternatively, you can paste the following link in your "
           "browser's address bar:</p>\n<p>" +
           eurl +
           "</p>\n<p>If you have not requested a password reset simply ignore this message.</p>\n"
           "<p>Sincerely,</p>\n<p>The Microblog Team</p>\n";
  send_mail_in_background(app, std::move(m), "password reset");
}

Form login_form(Page& p) {
  Form f;
  f.fields = {{"username", p.t("Username")},
              {"password", p.t("Password"), "password"},
              {"remember_me", p.t("Remember Me"), "checkbox", "", {}, false}};
  f.submit = p.t("Sign In");
  return f;
}

Form password_fields(Page& p, Form f) {
  f.fields.push_back({"password", p.t("Password"), "password"});
  f.fields.push_back({"password2", p.t("Repeat Password"), "password"});
  return f;
}

// The password's length (domain::kPasswordMin..kPasswordMax, in the
// WTForms Length message) and that both fields agree.
void check_passwords(Page& p, Form& f) {
  p.length(f["password"], domain::kPasswordMin, domain::kPasswordMax);
  auto& p2 = f["password2"];
  if (p2.errors.empty() && p2.value != f["password"].value)
    p2.errors.push_back(domain::trf(p.locale, "Field must be equal to %(other_name)s.",
                                    {{"other_name", "password"}}));
}

Response login(Page& p) {
  if (p.ctx.user) return p.redirect("/index");
  Form f = login_form(p);
  auto show = [&] { return p.render("login", p.t("Sign In"), p.form_data(f)); };
  if (p.is_post()) {
    p.fill(f);
    if (f.valid()) {
      const auto username = f["username"].value;
      std::optional<storage::UserRow> user;
      const auto result =
          p.app.passwords.login(username, p.req.client_ip, f["password"].value, [&] {
            user = storage::user_by_username(*p.app.db, username);
            return storage::login_account(*p.app.db, user);
          });
      if (result.status == ts::auth::PasswordLogin::Status::throttled)
        return form_too_many(p, f, result.retry_after, show);
      if (result.status == ts::auth::PasswordLogin::Status::busy)
        return form_too_many(p, f, result.retry_after, show, kBusyMessage);
      if (!result) {
        p.flash(p.t("Invalid username or password"));
        // Unlike the original, keep next= so the retry still lands there.
        return p.redirect("/auth/login" + (p.req.query.empty() ? "" : "?" + p.req.query));
      }
      p.ctx.login(*user, !f["remember_me"].value.empty());
      const auto next = p.req.query_param("next");
      return p.redirect(next && domain::is_safe_next(*next) ? *next : "/index");
    }
  }
  return show();
}

Response logout_page(Page& p) {
  if (!p.ctx.user) return p.redirect("/index");
  return p.render("logout", p.t("Logout"), p.form_data(Form{{}, p.t("Logout")}));
}

Response logout(Page& p) {
  if (p.csrf_valid()) p.ctx.logout();
  return p.redirect("/index");
}

Response register_user(Page& p) {
  if (p.ctx.user) return p.redirect("/index");
  Form f;
  f.fields = {{"username", p.t("Username")}, {"email", p.t("Email"), "email"}};
  f = password_fields(p, f);
  f.submit = p.t("Register");
  auto show = [&] {
    for (auto* name : {"password", "password2"}) f[name].value.clear();
    return p.form_page(f, p.t("Register"), p.t("Register"));
  };
  if (p.is_post()) {
    p.fill(f);
    auto& u = f["username"];
    auto& e = f["email"];
    u.value = std::string(ts::core::trim(u.value));
    e.value = std::string(ts::core::trim(e.value));
    if (u.errors.empty() && !domain::valid_username(u.value))
      u.errors.push_back(
          p.t("Usernames may only use letters, digits, '.', '_' and '-' (at most 64)."));
    if (u.errors.empty() && storage::username_taken(*p.app.db, u.value))
      u.errors.push_back(p.t("Please use a different username."));
    if (e.errors.empty() && !domain::valid_email(e.value))
      e.errors.push_back(p.t("Invalid email address."));
    if (e.errors.empty() && storage::email_taken(*p.app.db, e.value))
      e.errors.push_back(p.t("Please use a different email address."));
    check_passwords(p, f);
    // Shared with POST /api/users; only complete forms count, so a visitor
    // correcting typos is not refused.
    if (f.valid())
      if (auto d = p.app.register_by_address.take(p.req.client_ip); !d.allowed)
        return form_too_many(p, f, d.retry_after, show);
    if (f.valid()) {
      try {
        storage::create_user(*p.app.db, u.value, e.value,
                             p.app.passwords.hash(f["password"].value));
        p.flash(p.t("Congratulations, you are now a registered user!"));
        return p.redirect("/auth/login");
      } catch (const ts::db::UniqueViolation&) {
        u.errors.push_back(p.t("Please use a different username."));
      }
    }
  }
  return show();
}

Response reset_request(Page& p) {
  if (p.ctx.user) return p.redirect("/index");
  Form f;
  f.fields = {{"email", p.t("Email"), "email"}};
  f.submit = p.t("Request Password Reset");
  auto show = [&] { return p.form_page(f, p.t("Reset Password"), p.t("Reset Password")); };
  if (p.is_post()) {
    p.fill(f);
    auto& e = f["email"];
    if (e.errors.empty() && !domain::valid_email(ts::core::trim(e.value)))
      e.errors.push_back(p.t("Invalid email address."));
    if (f.valid()) {
      if (auto d = p.app.reset_by_address.take(p.req.client_ip); !d.allowed)
        return form_too_many(p, f, d.retry_after, show);
      if (auto user = storage::user_by_email(*p.app.db, std::string(ts::core::trim(e.value))))
        send_reset_email(p.app, *user, p.locale);
      p.flash(p.t("Check your email for the instructions to reset your password"));
      return p.redirect("/auth/login");
    }
  }
  return show();
}

Response reset_password(Page& p) {
  if (p.ctx.user) return p.redirect("/index");
  auto user = verify_reset_token(p.app, std::string(p.req.param("token")));
  if (!user) return p.redirect("/index");
  Form f = password_fields(p, Form{});
  f.submit = p.t("Reset Password");
  if (p.is_post()) {
    p.fill(f);
    check_passwords(p, f);
    if (f.valid()) {
      storage::set_password_hash(*p.app.db, user->id, p.app.passwords.hash(f["password"].value),
                                 true);
      p.flash(p.t("Your password has been reset."));
      return p.redirect("/auth/login");
    }
  }
  for (auto* name : {"password", "password2"}) f[name].value.clear();
  return p.form_page(f, p.t("Reset Your Password"), "");
}

// The link mailed to a new address (account_mail.hpp). The token alone
// confirms: it reached the new mailbox, it was asked for by the signed-in
// owner (API or form), and it dies after kEmailChangeLifetime or once the
// account's address changes. Asking to sign in first would only add a step
// for the owner who opens the mail on another device.
Response confirm_email(Page& p) {
  const std::string after = p.ctx.user ? "/index" : "/auth/login";
  auto change = verify_email_change(p.app, std::string(p.req.param("token")));
  if (!change) {
    p.flash(p.t("The confirmation link is invalid or has expired."));
    return p.redirect(after);
  }
  auto& [user, email] = *change;
  bool taken = storage::email_taken(*p.app.db, email, user.id);
  if (!taken) {
    try {
      storage::update_user(*p.app.db, user.id, user.username, email, user.about_me);
    } catch (const ts::db::UniqueViolation&) {
      taken = true;  // registered by someone else between the check and the update
    }
  }
  // Someone registered or confirmed the address since the link was sent.
  p.flash(taken ? p.t("Please use a different email address.")
                : p.t("Your email address has been changed."));
  return p.redirect(after);
}

}  // namespace

void register_auth(Microblog& app, ts::http::Router& r) {
  r.get("/auth/login", page(app, login), no_session_inline());
  r.post("/auth/login", page(app, login));
  r.get("/auth/logout", page(app, logout_page), no_session_inline());
  r.post("/auth/logout", page(app, logout));
  r.get("/auth/register", page(app, register_user), no_session_inline());
  r.post("/auth/register", page(app, register_user));
  r.get("/auth/reset_password_request", page(app, reset_request), no_session_inline());
  r.post("/auth/reset_password_request", page(app, reset_request));
  r.get("/auth/reset_password/{token}", page(app, reset_password));
  r.post("/auth/reset_password/{token}", page(app, reset_password));
  r.get("/auth/confirm_email/{token}", page(app, confirm_email));
}

}  // namespace microblog::web
