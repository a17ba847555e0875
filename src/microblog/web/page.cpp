#include "microblog/web/page.hpp"

#include "microblog/domain/i18n.hpp"
#include "microblog/domain/text.hpp"
#include "microblog/domain/timefmt.hpp"
#include "microblog/web/avatar.hpp"
#include "platform/core/text.hpp"
#include "platform/http/error.hpp"

namespace microblog::web {

using domain::now_us;

namespace {

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

void Page::fill(Form& f) {
  for (auto& fld : f.fields) {
    if (fld.type == "checkbox") {
      fld.value = ctx.form.count(fld.name) ? "y" : "";
      continue;
    }
    fld.value = ctx.field(fld.name);
    if (fld.required) require(fld);
  }
  if (!ctx.csrf_present())
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

Response Page::form_page(const Form& f, const std::string& heading, const std::string& title) {
  auto d = form_data(f);
  d.set("heading", heading);
  return render("form_page", title, std::move(d));
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
  if (!ctx.content_version) {  // no signed-in user: nothing to check a copy against
    auto posts = load();
    has_more = posts.has_more;
    return posts_html(posts.items, true);
  }
  const std::string full_key = key + '|' + locale;
  auto hit = app.post_lists.get(full_key, *ctx.content_version);
  if (!hit) {
    auto posts = load();
    hit = app.post_lists.put(full_key, *ctx.content_version, posts_markup(posts.items, true),
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

mustache::data Page::layout_data(const std::string& title, std::string content) {
  mustache::data layout;
  layout.set("t", mustache::data::ref(strings(locale)));
  layout.set("locale", locale);
  layout.set("title", title.empty() ? t("Welcome to Microblog") : title + " - Microblog");
  put(layout, "content", mustache::data(std::move(content)));
  layout.set("csrf_token", csrf_token());
  if (const auto& user = ctx.user) {
    mustache::data me;
    me.set("username", user->username);
    me.set("url", user_url(user->username));
    const auto unread = ctx.unread_messages;
    me.set("message_count", std::to_string(unread));
    me.set("no_messages", unread == 0);
    put(layout, "me", std::move(me));
    mustache::data tasks{mustache::data::type::list};
    for (const auto& task : ctx.open_tasks > 0 ? storage::tasks_in_progress(*app.db, user->id)
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
  for (auto& f : ctx.take_flashes()) flashes.push_back(mustache::data(std::move(f)));
  layout.set("flashes", std::move(flashes));
  return layout;
}

Response Page::render(const std::string& tmpl, const std::string& title, mustache::data data,
                      int status) {
  data.set("t", mustache::data::ref(strings(locale)));
  data.set("locale", locale);
  std::string content = app.templates.render(tmpl, data);
  Response r = Response::html(
      app.templates.render("layout", layout_data(title, std::move(content))), status);
  r.headers.set("Content-Security-Policy",
                "default-src 'self'; " + std::string(img_src(app.settings)) +
                    "; style-src 'self'; script-src 'self'; frame-ancestors 'none'; "
                    "form-action 'self'");
  return finish(std::move(r));
}

namespace {

// The pipeline around every view: the context (the middleware step), the
// visit recorded, the access rule, the view; failures mapped in errors.cpp.
template <class View>
Response run_page(Microblog& app, Request& req, bool signed_in, const View& view) {
  try {
    auto ctx = RequestContext::load(app, req);
    touch_last_seen(ctx);
    if (signed_in && !ctx.user) return login_redirect(ctx);
    Page p(ctx);
    return view(p);
  } catch (const ts::http::RunOnWorkers&) {
    throw;  // the server runs the page again on the worker pool
  } catch (...) {
    return page_failure(app, req, std::current_exception());
  }
}

}  // namespace

ts::http::Handler page(Microblog& app, PageFn fn) {
  return [&app, fn = std::move(fn)](Request& req) -> Response {
    return run_page(app, req, false, fn);
  };
}

ts::http::Handler signed_in_page(Microblog& app, SignedInFn fn) {
  return [&app, fn = std::move(fn)](Request& req) -> Response {
    return run_page(app, req, true, [&fn](Page& p) { return fn(p, *p.ctx.user); });
  };
}

}  // namespace microblog::web
