#include "shop_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <sstream>
#include <stdexcept>

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

HttpResponse ShopServer::post_from(const std::string& source_address, const std::string& target,
                                   const boost::json::value& body, const std::string& token) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  sockaddr_in local{};
  local.sin_family = AF_INET;
  if (::inet_pton(AF_INET, source_address.c_str(), &local.sin_addr) != 1)
    throw std::runtime_error("bad source address " + source_address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
    throw std::runtime_error("cannot bind to " + source_address);
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(port());
  ::inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0)
    throw std::runtime_error("cannot connect from " + source_address);

  const auto text = boost::json::serialize(body);
  std::string request = "POST " + target +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        "Connection: close\r\nContent-Length: " +
                        std::to_string(text.size()) + "\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
  request += "\r\n" + text;
  for (std::size_t sent = 0; sent < request.size();) {
    const auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send failed");
    sent += static_cast<std::size_t>(n);
  }
  // Connection: close, so the answer ends where the stream does.
  std::string answer;
  char buf[16384];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    answer.append(buf, static_cast<std::size_t>(n));
  const auto head_end = answer.find("\r\n\r\n");
  if (answer.size() < 12 || head_end == std::string::npos)
    throw std::runtime_error("no HTTP answer: " + answer);
  HttpResponse r;
  r.status = std::stoi(answer.substr(9, 3));
  std::istringstream head(answer.substr(0, head_end));
  std::string line;
  std::getline(head, line);  // the status line
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    r.headers[name] = value;
  }
  r.body = answer.substr(head_end + 4);
  return r;
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
