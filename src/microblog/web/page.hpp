#pragma once
// The views of the server-rendered pages: forms, rendering into the layout,
// lists of posts, and the pipeline that runs a view after its request
// context (web/context.hpp) is built.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "microblog/app.hpp"
#include "microblog/storage/storage.hpp"
#include "microblog/web/context.hpp"
#include "microblog/web/errors.hpp"
#include "microblog/web/view.hpp"
#include "platform/http/message.hpp"
#include "platform/http/router.hpp"

namespace microblog::web {

namespace mustache = view;  // the templates are mustache; the engine is ours
using ts::http::Request;
using ts::http::Response;

std::string html_escape(std::string_view s);

// Move a value into an object / a list.
void put(mustache::data& object, const std::string& key, mustache::data&& value);
void append(mustache::data& list, mustache::data&& item);

struct Field {
  std::string name;
  std::string label;
  std::string type = "text";  // text, password, email, textarea, checkbox, submit
  std::string value;
  std::vector<std::string> errors;
  bool required = true;
  int minlength = 0;
  int maxlength = 0;
};

struct Form {
  std::vector<Field> fields;
  std::string submit;               // submit button label
  std::vector<std::string> errors;  // form-level (CSRF)
  Field& operator[](std::string_view name);
  bool valid() const;
};

// A view's handle on the request: the context (who asks, in what language)
// and the rendering: forms, the layout, lists of posts (with the per-process
// cache) and pagers. Views read and write the session through ctx.
class Page {
 public:
  explicit Page(RequestContext& c) : ctx(c), app(c.app), req(c.req), locale(c.locale) {}

  RequestContext& ctx;
  Microblog& app;
  Request& req;
  const std::string& locale;

  std::string t(std::string_view msgid) const { return ctx.t(msgid); }
  void flash(std::string message) { ctx.flash(std::move(message)); }
  std::string csrf_token() { return ctx.csrf_token(); }
  bool csrf_valid() const { return ctx.csrf_valid(); }
  bool is_post() const { return ctx.is_post(); }
  Response redirect(const std::string& location) { return ctx.redirect(location); }
  Response finish(Response r) { return ctx.finish(std::move(r)); }

  // Copies the POST values into the form, checks CSRF and "required".
  void fill(Form& f);
  void require(Field& f);
  void length(Field& f, int min, int max);

  Response render(const std::string& tmpl, const std::string& title, mustache::data data,
                  int status = 200);

  mustache::data form_data(const Form& f);
  // A page that is one form (templates/form_page.mustache) under a heading.
  Response form_page(const Form& f, const std::string& heading, const std::string& title);
  // The table of a list of posts (templates/_posts.mustache), with relative
  // times as of now.
  std::string posts_html(const std::vector<storage::PostRow>& posts, bool translatable);
  // The same for a list the per-process cache may hold (feed, explore, a
  // user's posts): `key` names the list and page; `load` reads it when the
  // cache has no copy rendered at the content version read with the user.
  std::string posts_html_cached(const std::string& key,
                                const std::function<storage::PostPage()>& load, bool& has_more);
  // Newer/older links of a paginated list.
  mustache::data pager(const std::string& base, int page, bool has_more, bool messages = false);

 private:
  // Rows rendered with a marker in place of each relative time ("3 minutes
  // ago"), which expand_times fills in: cached tables stay correct as they age.
  std::string posts_markup(const std::vector<storage::PostRow>& posts, bool translatable);
  void expand_times(std::string_view markup, std::string& out) const;
  mustache::data layout_data(const std::string& title, std::string content);
};

// The page pipeline: build the request context, record the visit
// (touch_last_seen), then the view; errors as web/errors.cpp maps them, and
// the session cookie on the way out.
using PageFn = std::function<Response(Page&)>;
// A view anyone may see.
ts::http::Handler page(Microblog& app, PageFn fn);
// A view for a signed-in user, who is handed to it; anyone else is sent to
// the login page (with next=…).
using SignedInFn = std::function<Response(Page&, const storage::UserRow& me)>;
ts::http::Handler signed_in_page(Microblog& app, SignedInFn fn);

std::string user_url(std::string_view username);

void register_auth(Microblog& app, ts::http::Router& r);
void register_pages(Microblog& app, ts::http::Router& r);
void register_social(Microblog& app, ts::http::Router& r);
void register_static(Microblog& app, ts::http::Router& r);

}  // namespace microblog::web
