#include "microblog/web/context.hpp"

#include <boost/json.hpp>

#include <chrono>

#include "microblog/domain/i18n.hpp"
#include "microblog/domain/timefmt.hpp"
#include "microblog/web/form.hpp"
#include "platform/auth/crypto.hpp"
#include "platform/auth/csrf.hpp"
#include "platform/auth/signed_value.hpp"
#include "platform/http/error.hpp"

namespace microblog::web {

namespace json = boost::json;

namespace {

constexpr auto kRememberLifetime = std::chrono::hours(24 * 365);
constexpr auto kSessionLifetime = std::chrono::hours(24 * 31);
constexpr auto kCsrfMaxAge = std::chrono::seconds(3600);

}  // namespace

RequestContext RequestContext::load(Microblog& app, Request& req) {
  RequestContext c(app, req);
  c.locale = domain::best_locale(req.header("Accept-Language").value_or(""));
  c.read_session();
  if (c.uid_ > 0) {
    if (auto su = storage::session_user(*app.db, c.uid_)) {
      c.user = std::move(su->user);
      c.unread_messages = su->unread_messages;
      c.open_tasks = su->open_tasks;
      c.content_version = su->content_version;
    }
    // A logout, password change or reset elsewhere bumped the generation.
    if (!c.user || c.user->session_generation != c.gen_) {
      c.user.reset();
      c.uid_ = 0;
      c.dirty_ = true;
    }
  }
  if (req.method == ts::http::Method::post) {
    const auto ct = req.header("Content-Type").value_or("");
    if (ct.find("application/x-www-form-urlencoded") != std::string_view::npos)
      c.form = parse_form(req.body);
  }
  return c;
}

void RequestContext::read_session() {
  auto cookie = find_cookie(req.header("Cookie").value_or(""), "session");
  if (!cookie) return;
  auto payload = ts::auth::unsign(app.settings.secret_key, "session", *cookie,
                                  std::chrono::system_clock::now());
  if (!payload) return;
  boost::system::error_code ec;
  auto v = json::parse(*payload, ec);
  if (ec || !v.is_object()) return;
  const auto& o = v.as_object();
  if (auto* s = o.if_contains("s"); s && s->is_string()) sid_ = s->as_string();
  if (auto* u = o.if_contains("u"); u && u->is_int64()) uid_ = u->as_int64();
  if (auto* g = o.if_contains("g"); g && g->is_int64()) gen_ = g->as_int64();
  if (auto* m = o.if_contains("r"); m && m->is_bool()) remember_ = m->as_bool();
  if (auto* f = o.if_contains("f"); f && f->is_array())
    for (const auto& x : f->as_array())
      if (x.is_string()) flashes_.emplace_back(x.as_string());
}

void touch_last_seen(RequestContext& ctx) {
  if (!ctx.user) return;
  const auto now = domain::now_us();
  auto& user = *ctx.user;
  if (!user.last_seen || now - *user.last_seen >= ctx.app.settings.last_seen_interval_us) {
    ts::http::require_worker();  // a write: not on a network thread (the page runs again there)
    storage::touch_last_seen(*ctx.app.db, user.id, now);
    user.last_seen = now;
  }
}

std::string RequestContext::t(std::string_view msgid) const {
  return domain::tr(locale, msgid);
}

void RequestContext::flash(std::string message) {
  flashes_.push_back(std::move(message));
  dirty_ = true;
}

std::vector<std::string> RequestContext::take_flashes() {
  std::vector<std::string> out;
  out.swap(flashes_);
  if (!out.empty()) dirty_ = true;
  return out;
}

std::string RequestContext::csrf_token() {
  if (sid_.empty()) {
    sid_ = ts::auth::random_token(18);
    dirty_ = true;
  }
  // One token per response (the layout and the page's forms share it).
  if (csrf_sid_ != sid_) {
    csrf_ = ts::auth::csrf_token(app.settings.secret_key, sid_, std::chrono::system_clock::now());
    csrf_sid_ = sid_;
  }
  return csrf_;
}

bool RequestContext::csrf_valid() const {
  if (sid_.empty()) return false;
  std::string token = field("csrf_token");
  if (token.empty()) token = std::string(req.header("X-CSRF-Token").value_or(""));
  return !token.empty() && ts::auth::csrf_verify(app.settings.secret_key, sid_, token,
                                                 std::chrono::system_clock::now(), kCsrfMaxAge);
}

bool RequestContext::csrf_present() const {
  return !sid_.empty() && !field("csrf_token").empty();
}

std::string RequestContext::field(const std::string& name) const {
  auto it = form.find(name);
  return it == form.end() ? std::string() : it->second;
}

bool RequestContext::is_post() const {
  return req.method == ts::http::Method::post;
}

void RequestContext::login(const storage::UserRow& u, bool remember) {
  sid_ = ts::auth::random_token(18);  // a new session id: no fixation
  uid_ = u.id;
  gen_ = u.session_generation;
  remember_ = remember;
  user = u;
  dirty_ = true;
}

void RequestContext::logout() {
  if (user) storage::end_sessions(*app.db, user->id);
  sid_ = ts::auth::random_token(18);
  uid_ = 0;
  gen_ = 0;
  remember_ = false;
  user.reset();
  dirty_ = true;
}

Response RequestContext::redirect(const std::string& location) {
  return finish(Response::redirect(location, 302));
}

Response RequestContext::finish(Response r) {
  r.headers.set("Cache-Control", "no-store");
  if (!dirty_) return r;
  json::object o{{"s", sid_}, {"u", uid_}, {"g", gen_}, {"r", remember_}};
  json::array f;
  for (const auto& x : flashes_) f.emplace_back(x);
  o["f"] = std::move(f);
  const auto now = std::chrono::system_clock::now();
  const auto token = ts::auth::sign(
      app.settings.secret_key, "session", json::serialize(o),
      now + (remember_ ? std::chrono::duration_cast<std::chrono::seconds>(kRememberLifetime)
                       : std::chrono::duration_cast<std::chrono::seconds>(kSessionLifetime)));
  std::string cookie = "session=" + token + "; Path=/; HttpOnly; SameSite=Lax";
  if (remember_) cookie += "; Max-Age=31536000";
  if (app.settings.secure_cookies) cookie += "; Secure";
  r.headers.add("Set-Cookie", cookie);
  dirty_ = false;
  return r;
}

ts::http::RouteOptions no_session_inline() {
  ts::http::RouteOptions o;
  o.inline_when = [](const Request& req) {
    return !find_cookie(req.header("Cookie").value_or(""), "session");
  };
  return o;
}

}  // namespace microblog::web
