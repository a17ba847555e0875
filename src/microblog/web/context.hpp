#pragma once
// The request context of a server-rendered page: who is asking and in what
// language, read from the request before any view runs. It holds the signed
// session cookie (session id, user, session generation, flashes), the
// signed-in user with what the navigation bar shows, CSRF, the locale and the
// decoded form body, and writes the session cookie back on the response.
//
// Building it only reads (the cookie, one query for the user); writes are
// explicit steps of the pipeline (touch_last_seen) or of the views
// (login, logout).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "microblog/app.hpp"
#include "microblog/storage/storage.hpp"
#include "platform/http/message.hpp"
#include "platform/http/router.hpp"

namespace microblog::web {

using ts::http::Request;
using ts::http::Response;

class RequestContext {
 public:
  // Reads the session cookie, the signed-in user (a logout, password change
  // or reset elsewhere ends the session), the locale and a form body.
  static RequestContext load(Microblog& app, Request& req);

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
  // Whether the session has an id and the form a csrf_token at all.
  bool csrf_present() const;
  std::string field(const std::string& name) const;
  bool is_post() const;

  void login(const storage::UserRow& u, bool remember);
  void logout();

  // The flashes not yet shown; the next response's cookie drops them.
  std::vector<std::string> take_flashes();
  Response redirect(const std::string& location);
  // Cache-Control and, when the session changed, its cookie.
  Response finish(Response r);

 private:
  RequestContext(Microblog& a, Request& r) : app(a), req(r) {}
  void read_session();
  std::string sid_;
  std::string csrf_, csrf_sid_;  // token made for session id csrf_sid_
  std::int64_t uid_ = 0;
  std::int64_t gen_ = 0;
  bool remember_ = false;
  std::vector<std::string> flashes_;
  bool dirty_ = false;
};

// A pipeline step after the context is built: the signed-in user's last_seen,
// written at most once per MICROBLOG_LAST_SEEN_INTERVAL_SECONDS.
void touch_last_seen(RequestContext& ctx);

// Options for a GET page that does no database work for a visitor without a
// session cookie (it shows a form, or redirects to the login page): such
// requests run on the network thread instead of waiting for the worker pool.
ts::http::RouteOptions no_session_inline();

}  // namespace microblog::web
