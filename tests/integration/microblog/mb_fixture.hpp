#pragma once
// Shared by the microblog's integration tests: a microblog process on a fresh
// SQLite or PostgreSQL database, and a small browser (cookie jar, CSRF token
// scraping, form posts).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/harness.hpp"
#include "support/pg.hpp"

namespace mb_test {

using namespace ts::test;

inline const char* kSecret = "integration-test-secret-key-for-the-microblog-0123";

class Database {
 public:
  explicit Database(const std::string& engine);
  const std::string& url() const { return url_; }

 private:
  TempDir dir_;
  std::unique_ptr<TempPgDatabase> pg_;
  std::string url_;
};

class MbServer {
 public:
  explicit MbServer(const std::string& engine, std::map<std::string, std::string> extra_env = {});
  unsigned short port() const { return svc_->port(); }
  const std::string& db_url() const { return db_.url(); }
  const std::string& outbox() const { return outbox_; }
  Service& service() { return *svc_; }
  std::map<std::string, std::string> env() const { return env_; }
  // Runs `microblog <args>` to completion; {status, output}.
  std::pair<int, std::string> cmd(const std::vector<std::string>& args);

 private:
  Database db_;
  TempDir dir_;
  std::string outbox_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<Service> svc_;
};

// A browser session against one server.
class Browser {
 public:
  explicit Browser(MbServer& s, std::string accept_language = "en")
      : s_(s), lang_(accept_language) {}
  HttpResponse get(const std::string& target);
  // Posts the form fields; adds the csrf_token scraped from `form_page` (GET
  // first) unless with_csrf is false.
  HttpResponse post(const std::string& target, std::map<std::string, std::string> fields,
                    bool with_csrf = true, const std::string& form_page = "");
  HttpResponse send(const std::string& method, const std::string& target, const std::string& body,
                    std::map<std::string, std::string> headers);
  std::string csrf_from(const std::string& page_target);
  // Follows redirects (GET) until a non-redirect answer.
  HttpResponse follow(HttpResponse r, int max = 5);
  std::string cookie() const { return cookie_; }
  // Sent with every request (e.g. X-Forwarded-For, to act from another
  // client address when the server trusts one proxy hop).
  void set_header(const std::string& name, const std::string& value) { headers_[name] = value; }
  void set_cookie(const std::string& c) { cookie_ = c; }

  // register + login; returns true on success.
  bool register_user(const std::string& username, const std::string& password,
                     const std::string& email = "");
  bool login(const std::string& username, const std::string& password, bool remember = false);
  void signup(const std::string& username, const std::string& password = "secret-pw-1") {
    ASSERT_TRUE(register_user(username, password));
    ASSERT_TRUE(login(username, password));
  }

 private:
  MbServer& s_;
  std::string lang_;
  std::string cookie_;
  std::map<std::string, std::string> headers_;
};

std::string form_encode(const std::map<std::string, std::string>& fields);
std::string csrf_in(const std::string& html);
bool contains(const std::string& hay, const std::string& needle);
// Count of non-overlapping occurrences.
int count_of(const std::string& hay, const std::string& needle);
// Messages written to the outbox directory, oldest first.
std::vector<std::string> outbox_messages(const std::string& dir);
// The decoded text/plain part of an .eml file made by the microblog.
std::string mail_text(const std::string& eml);
std::string basic_auth(const std::string& user, const std::string& password);
// Waits (up to 10 s) until the outbox holds at least n messages; returns them.
std::vector<std::string> wait_for_mail(const std::string& dir, std::size_t n);
// The first line of the text part that contains `path` (a link in the mail).
std::string link_in(const std::string& eml, const std::string& path);

inline boost::json::value json(const HttpResponse& r) {
  return boost::json::parse(r.body);
}

}  // namespace mb_test
