#pragma once
// Per-request state of a server-rendered page: the signed session cookie
// (session id, user, session generation, flashes), the current user, the
// locale, CSRF, forms and rendering into the layout.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "microblog/app.hpp"
#include "microblog/storage/storage.hpp"
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

class Page {
 public:
  Page(Microblog& app, Request& req);

  Microblog& app;
  Request& req;
  std::optional<storage::UserRow> user;
  std::int64_t unread_messages = 0;  // for the navigation bar, read with the user
  std::int64_t open_tasks = 0;
  std::optional<std::int64_t> content_version;  // read with the user
  std::string locale;
  std::map<std::string, std::string> form;  // decoded POST body

  std::string t(std::string_view msgid) const;
  void flash(std::string message);
  std::string csrf_token();
  // The form's csrf_token (or X-CSRF-Token header) belongs to this session.
  bool csrf_valid() const;
  std::string field(const std::string& name) const;
  bool is_post() const;

  void login(const storage::UserRow& u, bool remember);
  void logout();

  // Copies the POST values into the form, checks CSRF and "required".
  void fill(Form& f);
  void require(Field& f);
  void length(Field& f, int min, int max);

  Response render(const std::string& tmpl, const std::string& title, mustache::data data,
                  int status = 200);
  Response redirect(const std::string& location);
  Response finish(Response r);

  mustache::data form_data(const Form& f);
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
  std::string sid_;
  std::string csrf_, csrf_sid_;  // token made for session id csrf_sid_
  std::int64_t uid_ = 0;
  std::int64_t gen_ = 0;
  bool remember_ = false;
  std::vector<std::string> flashes_;
  bool dirty_ = false;
  // Rows rendered with a marker in place of each relative time ("3 minutes
  // ago"), which expand_times fills in: cached tables stay correct as they age.
  std::string posts_markup(const std::vector<storage::PostRow>& posts, bool translatable);
  void expand_times(std::string_view markup, std::string& out) const;
};

using PageFn = std::function<Response(Page&)>;
// Wraps a page handler: session, login requirement (302 to the login page
// with next=…), last-seen, error pages and the session cookie.
ts::http::Handler page(Microblog& app, bool login_required, PageFn fn);
// Options for a GET page that does no database work for a visitor without a
// session cookie (it shows a form, or redirects to the login page): such
// requests run on the network thread instead of waiting for the worker pool.
ts::http::RouteOptions no_session_inline();

// Accept negotiation as the original: JSON unless text/html is preferred.
bool wants_json(const Request& req);
Response error_response(Microblog& app, Request& req, int status);

std::string user_url(std::string_view username);

void register_auth(Microblog& app, ts::http::Router& r);
void register_pages(Microblog& app, ts::http::Router& r);
void register_social(Microblog& app, ts::http::Router& r);
void register_static(Microblog& app, ts::http::Router& r);
// Unknown URLs: the HTML "Not Found" page for browsers, JSON for API paths
// (/api/…) and for clients that prefer JSON, as the original.
void register_not_found(Microblog& app, ts::http::Router& r);

}  // namespace microblog::web
