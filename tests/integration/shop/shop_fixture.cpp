#include "shop_fixture.hpp"

#include <chrono>

namespace shop_test {

std::pair<int, std::string> shop_cmd(const std::vector<std::string>& args,
                                     const std::map<std::string, std::string>& env) {
  TempDir dir;
  Process p(shop_bin(), args, env, (dir.path() / "log").string());
  auto status = p.wait(std::chrono::seconds(60));
  if (!status) return {-1, p.log()};
  return {*status, p.log()};
}

Database::Database(const std::string& engine) {
  if (engine == "postgres") {
    pg_ = std::make_unique<TempPgDatabase>();
    url_ = pg_->url();
  } else {
    url_ = "sqlite://" + (dir_.path() / "shop.db").string();
  }
}

ShopServer::ShopServer(const std::string& engine, std::map<std::string, std::string> extra_env)
    : db_(engine), env_(shop_env(db_.url())) {
  env_["SHOP_MEDIA_DIR"] = (media_.path() / "media").string();
  for (auto& [k, v] : extra_env) env_[k] = v;
  svc_ = std::make_unique<Service>(shop_bin(), "SHOP", std::vector<std::string>{"serve"}, env_);
}

HttpResponse ShopServer::send(const std::string& method, const std::string& target,
                              const std::string& body, std::map<std::string, std::string> headers,
                              const std::string& token) {
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  HttpClient c(port());
  return c.request(method, target, body, headers);
}

HttpResponse ShopServer::get(const std::string& target, const std::string& token) {
  return send("GET", target, "", {}, token);
}
HttpResponse ShopServer::post(const std::string& target, const boost::json::value& body,
                              const std::string& token) {
  return send("POST", target, boost::json::serialize(body), {}, token);
}
HttpResponse ShopServer::put(const std::string& target, const boost::json::value& body,
                             const std::string& token) {
  return send("PUT", target, boost::json::serialize(body), {}, token);
}
HttpResponse ShopServer::del(const std::string& target, const std::string& token) {
  return send("DELETE", target, "", {}, token);
}

boost::json::object ShopServer::register_user(const std::string& username,
                                              const std::string& password,
                                              const std::string& email) {
  auto r = post("/account/register/", {{"username", username},
                                       {"email", email.empty() ? username + "@example.com" : email},
                                       {"password", password}});
  EXPECT_EQ(r.status, 200) << r.body;
  if (r.status != 200) return {};
  return json(r).as_object();
}

std::string ShopServer::login(const std::string& username, const std::string& password) {
  auto r = post("/account/login/", {{"username", username}, {"password", password}});
  EXPECT_EQ(r.status, 200) << r.body;
  if (r.status != 200) return {};
  return std::string(json(r).at("token").as_string());
}

std::string ShopServer::make_admin(const std::string& username, const std::string& password) {
  auto env = env_;
  env["SHOP_ADMIN_PASSWORD"] = password;
  auto [status, out] =
      shop_cmd({"create-admin", "--username", username, "--email", username + "@example.com"}, env);
  EXPECT_EQ(status, 0) << out;
  return login(username, password);
}

}  // namespace shop_test
