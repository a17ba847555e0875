#include "microblog/web/page.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstdlib>

#include "microblog/domain/i18n.hpp"
#include "microblog/domain/text.hpp"
#include "microblog/domain/timefmt.hpp"
#include "microblog/web/avatar.hpp"
#include "platform/auth/crypto.hpp"
#include "platform/auth/csrf.hpp"
#include "platform/auth/signed_value.hpp"
#include "platform/core/log.hpp"
#include "platform/core/text.hpp"
#include "platform/http/error.hpp"

namespace microblog::web {

namespace json = boost::json;
using domain::now_us;

namespace {

constexpr auto kRememberLifetime = std::chrono::hours(24 * 365);
constexpr auto kSessionLifetime = std::chrono::hours(24 * 31);
constexpr auto kCsrfMaxAge = std::chrono::seconds(3600);

// UI strings the templates use, by key.
const std::vector<std::pair<const char*, const char*>> kStrings = {
    {"home", "Home"},
    {"explore", "Explore"},
    {"login", "Login"},
    {"logout", "Logout"},
    {"messages", "Messages"},
    {"profile", "Profile"},
    {"search", "Search"},
    {"newer_posts", "Newer posts"},
    {"older_posts", "Older posts"},
    {"newer_messages", "Newer messages"},
    {"older_messages", "Older messages"},
    {"follow", "Follow"},
    {"unfollow", "Unfollow"},
    {"edit_your_profile", "Edit your profile"},
    {"export_your_posts", "Export your posts"},
    {"send_private_message", "Send private message"},
    {"last_seen_on", "Last seen on"},
    {"translate", "Translate"},
    {"new_user", "New User?"},
    {"click_to_register", "Click to Register!"},
    {"forgot_password", "Forgot Your Password?"},
    {"click_to_reset", "Click to Reset It"},
    {"sign_in", "Sign In"},
    {"register", "Register"},
    {"reset_your_password", "Reset Your Password"},
    {"reset_password", "Reset Password"},
    {"not_found", "Not Found"},
    {"back", "Back"},
    {"unexpected_error", "An unexpected error has occurred"},
    {"admin_notified", "The administrator has been notified. Sorry for the inconvenience!"},
    {"search_results", "Search Results"},
    {"user", "User"},
    {"edit_profile", "Edit Profile"},
    {"send_message", "Send Message"},
    {"done", "done"},
};

// The UI strings of a locale: built once, shared by reference (data::ref).
const mustache::data& strings(const std::string& locale) {
  auto build = [](const char* loc) {
    mustache::data d;
    for (const auto& [k, v] : kStrings) d.set(k, domain::tr(loc, v));
    return d;
  };
  static const mustache::data en = build("en");
  static const mustache::data es = build("es");
  return locale == "es" ? es : en;
}

// The value of the first cookie called `name` in a Cookie header (the page
// wrapper and the routing decision only ever need the session cookie).
std::optional<std::string_view> find_cookie(std::string_view h, std::string_view name) {
  while (!h.empty()) {
    const auto semi = h.find(';');
    auto item = h.substr(0, semi);
    h = semi == std::string_view::npos ? std::string_view{} : h.substr(semi + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    const auto eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == name) return item.substr(eq + 1);
  }
  return std::nullopt;
}

std::map<std::string, std::string> parse_form(std::string_view body) {
  std::map<std::string, std::string> out;
  while (!body.empty()) {
    auto amp = body.find('&');
    auto item = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    auto eq = item.find('=');
    auto k = ts::http::form_decode(item.substr(0, eq));
    auto v = ts::http::form_decode(eq == std::string_view::npos ? "" : item.substr(eq + 1));
    if (k && v) out.emplace(*k, *v);
  }
  return out;
}

double accept_q(std::string_view accept, std::string_view type) {
  const auto slash = type.find('/');
  const auto major = type.substr(0, slash);
  double best = 0;
  int best_spec = -1;
  while (!accept.empty()) {
    auto comma = accept.find(',');
    std::string item(ts::core::trim(accept.substr(0, comma)));
    accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
    double q = 1;
    if (auto semi = item.find(';'); semi != std::string::npos) {
      auto params = item.substr(semi + 1);
      if (auto qp = params.find("q="); qp != std::string::npos)
        q = std::strtod(params.c_str() + qp + 2, nullptr);
      item = std::string(ts::core::trim(item.substr(0, semi)));
    }
    int spec = -1;
    if (item == type)
      spec = 2;
    else if (item == std::string(major) + "/*")
      spec = 1;
    else if (item == "*/*")
      spec = 0;
    if (spec > best_spec) {
      best_spec = spec;
      best = q;
    }
  }
  return best;
}

}  // namespace

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  view::escape_html(s, out);
  return out;
}

void put(mustache::data& object, const std::string& key, mustache::data&& value) {
  object.set(key, std::move(value));
}

void append(mustache::data& list, mustache::data&& item) {
  if (list.is_list()) list.push_back(std::move(item));
}

std::string user_url(std::string_view username) {
  return "/user/" + ts::core::percent_encode(username);
}

Field& Form::operator[](std::string_view name) {
  for (auto& f : fields)
    if (f.name == name) return f;
  throw std::logic_error("no form field " + std::string(name));
}

bool Form::valid() const {
  if (!errors.empty()) return false;
  for (const auto& f : fields)
    if (!f.errors.empty()) return false;
  return true;
}

Page::Page(Microblog& a, Request& r) : app(a), req(r) {
  locale = domain::best_locale(req.header("Accept-Language").value_or(""));
  if (auto cookie = find_cookie(req.header("Cookie").value_or(""), "session")) {
    if (auto payload = ts::auth::unsign(app.settings.secret_key, "session", *cookie,
                                        std::chrono::system_clock::now())) {
      boost::system::error_code ec;
      auto v = json::parse(*payload, ec);
      if (!ec && v.is_object()) {
        const auto& o = v.as_object();
        if (auto* s = o.if_contains("s"); s && s->is_string()) sid_ = s->as_string();
        if (auto* u = o.if_contains("u"); u && u->is_int64()) uid_ = u->as_int64();
        if (auto* g = o.if_contains("g"); g && g->is_int64()) gen_ = g->as_int64();
        if (auto* m = o.if_contains("r"); m && m->is_bool()) remember_ = m->as_bool();
        if (auto* f = o.if_contains("f"); f && f->is_array())
          for (const auto& x : f->as_array())
            if (x.is_string()) flashes_.emplace_back(x.as_string());
      }
    }
  }
  if (uid_ > 0) {
    if (auto su = storage::session_user(*app.db, uid_)) {
      user = std::move(su->user);
      unread_messages = su->unread_messages;
      open_tasks = su->open_tasks;
      content_version = su->content_version;
    }
    // A logout, password change or reset elsewhere bumped the generation.
    if (!user || user->session_generation != gen_) {
      user.reset();
      uid_ = 0;
      dirty_ = true;
    }
  }
  if (user) {
    const auto now = now_us();
    if (!user->last_seen || now - *user->last_seen >= app.settings.last_seen_interval_us) {
      storage::touch_last_seen(*app.db, user->id, now);
      user->last_seen = now;
    }
  }
  if (req.method == ts::http::Method::post) {
    const auto ct = req.header("Content-Type").value_or("");
    if (ct.find("application/x-www-form-urlencoded") != std::string_view::npos)
      form = parse_form(req.body);
  }
}

std::string Page::t(std::string_view msgid) const {
  return domain::tr(locale, msgid);
}

void Page::flash(std::string message) {
  flashes_.push_back(std::move(message));
  dirty_ = true;
}

std::string Page::csrf_token() {
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

bool Page::csrf_valid() const {
  if (sid_.empty()) return false;
  std::string token = field("csrf_token");
  if (token.empty()) token = std::string(req.header("X-CSRF-Token").value_or(""));
  return !token.empty() && ts::auth::csrf_verify(app.settings.secret_key, sid_, token,
                                                 std::chrono::system_clock::now(), kCsrfMaxAge);
}

std::string Page::field(const std::string& name) const {
  auto it = form.find(name);
  return it == form.end() ? std::string() : it->second;
}

bool Page::is_post() const {
  return req.method == ts::http::Method::post;
}

void Page::login(const storage::UserRow& u, bool remember) {
  sid_ = ts::auth::random_token(18);  // a new session id: no fixation
  uid_ = u.id;
  gen_ = u.session_generation;
  remember_ = remember;
  user = u;
  dirty_ = true;
}

void Page::logout() {
  if (user) storage::end_sessions(*app.db, user->id);
  sid_ = ts::auth::random_token(18);
  uid_ = 0;
  gen_ = 0;
  remember_ = false;
  user.reset();
  dirty_ = true;
}

void Page::fill(Form& f) {
  for (auto& fld : f.fields) {
    if (fld.type == "checkbox") {
      fld.value = form.count(fld.name) ? "y" : "";
      continue;
    }
    fld.value = field(fld.name);
    if (fld.required) require(fld);
  }
  if (sid_.empty() || (field("csrf_token").empty()))
    f.errors.push_back(t("The CSRF token is missing."));
  else if (!csrf_valid())
    f.errors.push_back(t("The CSRF token is invalid."));
}

void Page::require(Field& f) {
  if (ts::core::trim(f.value).empty()) f.errors.push_back(t("This field is required."));
}

void Page::length(Field& f, int min, int max) {
  if (!f.errors.empty()) return;
  const auto n = static_cast<int>(domain::utf8_length(f.value));
  if (n < min || n > max)
    f.errors.push_back(domain::trf(locale,
                                   "Field must be between %(min)d and %(max)d characters long.",
                                   {{"min", std::to_string(min)}, {"max", std::to_string(max)}}));
}

mustache::data Page::form_data(const Form& f) {
  mustache::data d;
  mustache::data list{mustache::data::type::list};
  bool focused = false;
  for (const auto& fld : f.fields) {
    mustache::data x;
    x.set("name", fld.name);
    x.set("label", fld.label);
    x.set("type", fld.type);
    x.set("value", fld.value);
    x.set("is_" + fld.type, true);
    x.set("is_input", fld.type != "textarea" && fld.type != "checkbox");
    x.set("checked", fld.type == "checkbox" && !fld.value.empty());
    x.set("required", fld.required);
    if (fld.minlength) x.set("minlength", std::to_string(fld.minlength));
    if (fld.maxlength) x.set("maxlength", std::to_string(fld.maxlength));
    x.set("invalid", !fld.errors.empty());
    if (!focused && fld.type != "checkbox") {
      x.set("autofocus", true);
      focused = true;
    }
    mustache::data errs{mustache::data::type::list};
    for (const auto& e : fld.errors) errs.push_back(mustache::data(e));
    x.set("errors", std::move(errs));
    append(list, std::move(x));
  }
  put(d, "fields", std::move(list));
  d.set("submit", f.submit);
  d.set("csrf_token", csrf_token());
  mustache::data errs{mustache::data::type::list};
  for (const auto& e : f.errors) errs.push_back(mustache::data(e));
  d.set("form_errors", std::move(errs));
  return d;
}

namespace {
// Marks a relative time in cached markup: \x1f<microseconds>\x1f. The byte
// cannot come from data: escape_html encodes it.
constexpr char kTimeMark = '\x1f';
}  // namespace

std::string Page::posts_markup(const std::vector<storage::PostRow>& posts, bool translatable) {
  mustache::data list{mustache::data::type::list};
  list.reserve(posts.size());
  const auto& tr = app.settings.translator;
  for (const auto& p : posts) {
    mustache::data x;
    x.set("id", std::to_string(p.id));
    x.set("username", p.username);
    x.set("user_url", user_url(p.username));
    x.set("avatar", avatar_url(app.settings, p.author_id, p.email, 70));
    x.set("body", p.body);
    const std::string link = "<a class=\"user_popup\" href=\"" + html_escape(user_url(p.username)) +
                             "\">" + html_escape(p.username) + "</a>";
    // The page script shows it in the reader's time zone (data-moment).
    const std::string when = "<time datetime=\"" + domain::iso_utc(p.timestamp, "Z") +
                             "\" data-moment=\"fromNow\" title=\"" +
                             html_escape(domain::format_lll_short(p.timestamp, locale)) + "\">" +
                             kTimeMark + std::to_string(p.timestamp) + kTimeMark + "</time>";
    x.set("said_html",
          domain::trf(locale, "%(username)s said %(when)s", {{"username", link}, {"when", when}}));
    const bool can = translatable && tr.enabled() && !p.language.empty() && p.language != locale;
    x.set("translate", can);
    x.set("language", p.language);
    x.set("dest", locale);
    append(list, std::move(x));
  }
  mustache::data d;
  put(d, "posts", std::move(list));
  d.set("t", mustache::data::ref(strings(locale)));
  return app.templates.render("_posts", d);
}

void Page::expand_times(std::string_view markup, std::string& out) const {
  const auto now = now_us();
  for (;;) {
    const auto a = markup.find(kTimeMark);
    const auto b = a == std::string_view::npos ? a : markup.find(kTimeMark, a + 1);
    if (b == std::string_view::npos) break;
    out.append(markup.substr(0, a));
    std::int64_t when = 0;
    for (char c : markup.substr(a + 1, b - a - 1))
      if (c >= '0' && c <= '9') when = when * 10 + (c - '0');
    view::escape_html(domain::from_now(now, when, locale), out);
    markup.remove_prefix(b + 1);
  }
  out.append(markup);
}

std::string Page::posts_html(const std::vector<storage::PostRow>& posts, bool translatable) {
  std::string out;
  out.reserve(posts.size() * 1200 + 64);
  expand_times(posts_markup(posts, translatable), out);
  return out;
}

std::string Page::posts_html_cached(const std::string& key,
                                    const std::function<storage::PostPage()>& load,
                                    bool& has_more) {
  std::string out;
  if (!content_version) {  // no signed-in user: nothing to check a copy against
    auto posts = load();
    has_more = posts.has_more;
    return posts_html(posts.items, true);
  }
  const std::string full_key = key + '|' + locale;
  auto hit = app.post_lists.get(full_key, *content_version);
  if (!hit) {
    auto posts = load();
    hit = app.post_lists.put(full_key, *content_version, posts_markup(posts.items, true),
                             posts.has_more);
  }
  has_more = hit->has_more;
  out.reserve(hit->markup.size() + 1024);
  expand_times(hit->markup, out);
  return out;
}

mustache::data Page::pager(const std::string& base, int page, bool has_more, bool messages) {
  mustache::data d;
  const char sep = base.find('?') == std::string::npos ? '?' : '&';
  d.set("newer_label", t(messages ? "Newer messages" : "Newer posts"));
  d.set("older_label", t(messages ? "Older messages" : "Older posts"));
  d.set("has_newer", page > 1);
  d.set("has_older", has_more);
  if (page > 1) d.set("newer_url", base + sep + "page=" + std::to_string(page - 1));
  if (has_more) d.set("older_url", base + sep + "page=" + std::to_string(page + 1));
  return d;
}

Response Page::render(const std::string& tmpl, const std::string& title, mustache::data data,
                      int status) {
  data.set("t", mustache::data::ref(strings(locale)));
  data.set("locale", locale);
  std::string content = app.templates.render(tmpl, data);

  mustache::data layout;
  layout.set("t", mustache::data::ref(strings(locale)));
  layout.set("locale", locale);
  layout.set("title", title.empty() ? t("Welcome to Microblog") : title + " - Microblog");
  put(layout, "content", mustache::data(std::move(content)));
  layout.set("csrf_token", csrf_token());
  if (user) {
    mustache::data me;
    me.set("username", user->username);
    me.set("url", user_url(user->username));
    const auto unread = unread_messages;
    me.set("message_count", std::to_string(unread));
    me.set("no_messages", unread == 0);
    put(layout, "me", std::move(me));
    mustache::data tasks{mustache::data::type::list};
    for (const auto& task : open_tasks > 0 ? storage::tasks_in_progress(*app.db, user->id)
                                           : std::vector<storage::TaskRow>{}) {
      mustache::data x;
      x.set("id", task.id);
      x.set("description", task.description);
      x.set("progress", std::to_string(task.progress));
      append(tasks, std::move(x));
    }
    put(layout, "tasks", std::move(tasks));
    layout.set("q", req.query_param("q").value_or(""));
  }
  mustache::data flashes{mustache::data::type::list};
  for (const auto& f : flashes_) flashes.push_back(mustache::data(f));
  if (!flashes_.empty()) {
    flashes_.clear();
    dirty_ = true;
  }
  layout.set("flashes", std::move(flashes));
  Response r = Response::html(app.templates.render("layout", layout), status);
  r.headers.set("Content-Security-Policy",
                "default-src 'self'; " + std::string(img_src(app.settings)) +
                    "; style-src 'self'; script-src 'self'; frame-ancestors 'none'; "
                    "form-action 'self'");
  return finish(std::move(r));
}

Response Page::redirect(const std::string& location) {
  return finish(Response::redirect(location, 302));
}

Response Page::finish(Response r) {
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

bool wants_json(const Request& req) {
  auto accept = req.header("Accept");
  if (!accept || accept->empty()) return true;
  return accept_q(*accept, "application/json") >= accept_q(*accept, "text/html");
}

Response error_response(Microblog& app, Request& req, int status) {
  const bool nf = status == 404;
  if (wants_json(req))
    return Response::json(json::object{{"error", nf ? "Not Found" : "Internal Server Error"}},
                          status);
  try {
    Page p(app, req);
    return p.render(nf ? "404" : "500", "", mustache::data{}, status);
  } catch (const std::exception&) {
    return Response::html("<h1>Internal Server Error</h1>", status);
  }
}

void register_not_found(Microblog& app, ts::http::Router& r) {
  r.set_fallback([&app](Request& req) -> Response {
    const std::string_view path = req.path;
    if (path == "/api" || path.starts_with("/api/"))
      return Response::json(json::object{{"error", "Not Found"}}, 404);
    return error_response(app, req, 404);
  });
}

ts::http::RouteOptions no_session_inline() {
  ts::http::RouteOptions o;
  o.inline_when = [](const Request& req) {
    return !find_cookie(req.header("Cookie").value_or(""), "session");
  };
  return o;
}

ts::http::Handler page(Microblog& app, bool login_required, PageFn fn) {
  return [&app, login_required, fn = std::move(fn)](Request& req) -> Response {
    try {
      Page p(app, req);
      if (login_required && !p.user) {
        p.flash(p.t("Please log in to access this page."));
        std::string target = req.path + (req.query.empty() ? "" : "?" + req.query);
        return p.redirect("/auth/login?next=" + ts::core::percent_encode(target));
      }
      return fn(p);
    } catch (const ts::http::HttpError& e) {
      if (e.status() == 404) return error_response(app, req, 404);
      throw;
    } catch (const ts::db::ConnectionLost&) {
      throw;
    } catch (const ts::db::PoolTimeout&) {
      throw;
    } catch (const std::exception& e) {
      ts::log::error("unhandled error", {{"error", e.what()}, {"request_id", req.request_id}});
      return error_response(app, req, 500);
    }
  };
}

}  // namespace microblog::web
