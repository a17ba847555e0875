#pragma once
// Shared by the shop's integration tests: a shop process on a fresh SQLite
// or PostgreSQL database, and helpers for accounts and tokens.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/harness.hpp"
#include "support/pg.hpp"

namespace shop_test {

using namespace ts::test;

inline const char* kSecret = "integration-test-secret-key-0123456789abcdef";

inline std::string shop_bin() {
  return bin_path("shop");
}

// The tests run the sandbox gateway (the default), which serve takes only
// when told explicitly that it is meant.
inline std::map<std::string, std::string> shop_env(const std::string& url) {
  return {{"SHOP_DATABASE_URL", url},
          {"SHOP_ACCESS_LOG", "false"},
          {"SHOP_SECRET_KEY", kSecret},
          {"SHOP_ALLOW_SANDBOX", "true"}};
}

// Runs `shop <args>` to completion with optional stdin text; returns {status, output}.
std::pair<int, std::string> shop_cmd(const std::vector<std::string>& args,
                                     const std::map<std::string, std::string>& env);

// A database of either engine ("sqlite" or "postgres"), fresh per test.
class Database {
 public:
  explicit Database(const std::string& engine);
  const std::string& url() const { return url_; }

 private:
  TempDir dir_;
  std::unique_ptr<TempPgDatabase> pg_;
  std::string url_;
};

// A running shop on a fresh database of the given engine.
class ShopServer {
 public:
  explicit ShopServer(const std::string& engine, std::map<std::string, std::string> extra_env = {});
  unsigned short port() const { return svc_->port(); }
  unsigned short monitor_port() const { return svc_->monitor_port(); }
  const std::string& db_url() const { return db_.url(); }
  Service& service() { return *svc_; }
  std::map<std::string, std::string> env() const { return env_; }

  HttpResponse get(const std::string& target, const std::string& token = "");
  HttpResponse post(const std::string& target, const boost::json::value& body,
                    const std::string& token = "");
  HttpResponse put(const std::string& target, const boost::json::value& body,
                   const std::string& token = "");
  HttpResponse del(const std::string& target, const std::string& token = "");
  HttpResponse send(const std::string& method, const std::string& target, const std::string& body,
                    std::map<std::string, std::string> headers, const std::string& token = "");
  // A POST from another loopback address (the client socket bound to
  // source_address, e.g. "127.0.0.2"): a second client as the server sees it.
  HttpResponse post_from(const std::string& source_address, const std::string& target,
                         const boost::json::value& body, const std::string& token = "");

  // POST /account/register/ → the JSON answer (fails the test on non-200).
  boost::json::object register_user(const std::string& username, const std::string& password,
                                    const std::string& email = "");
  // POST /account/login/ → the access token ("token" field).
  std::string login(const std::string& username, const std::string& password);
  // `shop create-admin`, then login → the admin's access token.
  std::string make_admin(const std::string& username, const std::string& password);

 private:
  Database db_;
  TempDir media_;  // removed with the server, like the database
  std::map<std::string, std::string> env_;
  std::unique_ptr<Service> svc_;
};

inline boost::json::value json(const HttpResponse& r) {
  return boost::json::parse(r.body);
}

}  // namespace shop_test
