#include "mb_fixture.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "platform/auth/crypto.hpp"

namespace mb_test {

Database::Database(const std::string& engine) {
  if (engine == "postgres") {
    pg_ = std::make_unique<TempPgDatabase>();
    url_ = pg_->url();
  } else {
    url_ = "sqlite://" + (dir_.path() / "microblog.db").string();
  }
}

MbServer::MbServer(const std::string& engine, std::map<std::string, std::string> extra_env)
    : db_(engine) {
  outbox_ = (dir_.path() / "outbox").string();
  env_ = {{"MICROBLOG_DATABASE_URL", db_.url()},
          {"MICROBLOG_ACCESS_LOG", "false"},
          {"MICROBLOG_SECRET_KEY", kSecret},
          {"MICROBLOG_OUTBOX_DIR", outbox_},
          // Links in mail are built only from it (tests read their paths).
          {"MICROBLOG_PUBLIC_URL", "http://microblog.test"},
          {"MICROBLOG_WEB_DIR", std::string(TS_SOURCE_DIR) + "/web/microblog"}};
  for (auto& [k, v] : extra_env) env_[k] = v;
  svc_ = std::make_unique<Service>(bin_path("microblog"), "MICROBLOG",
                                   std::vector<std::string>{"serve"}, env_);
}

std::pair<int, std::string> MbServer::cmd(const std::vector<std::string>& args) {
  TempDir dir;
  Process p(bin_path("microblog"), args, env_, (dir.path() / "log").string());
  auto status = p.wait(std::chrono::seconds(60));
  return {status.value_or(-1), p.log()};
}

std::string form_encode(const std::map<std::string, std::string>& fields) {
  static const char* hex = "0123456789ABCDEF";
  auto enc = [](const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else if (c == ' ') {
        out += '+';
      } else {
        out += '%';
        out += hex[c >> 4];
        out += hex[c & 15];
      }
    }
    return out;
  };
  std::string body;
  for (const auto& [k, v] : fields) {
    if (!body.empty()) body += '&';
    body += enc(k) + "=" + enc(v);
  }
  return body;
}

std::string csrf_in(const std::string& html) {
  static const std::regex re("name=\"csrf_token\" value=\"([^\"]+)\"");
  std::smatch m;
  if (std::regex_search(html, m, re)) return m[1];
  return "";
}

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

int count_of(const std::string& hay, const std::string& needle) {
  int n = 0;
  for (auto pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + 1)) ++n;
  return n;
}

HttpResponse Browser::send(const std::string& method, const std::string& target,
                           const std::string& body, std::map<std::string, std::string> headers) {
  for (const auto& [k, v] : headers_) headers.emplace(k, v);
  if (!cookie_.empty()) headers["Cookie"] = "session=" + cookie_;
  if (!headers.count("Accept")) headers["Accept"] = "text/html,application/xhtml+xml,*/*;q=0.8";
  headers["Accept-Language"] = lang_;
  HttpClient c(s_.port());
  auto r = c.request(method, target, body, headers);
  const auto sc = r.header("set-cookie");
  if (sc.rfind("session=", 0) == 0) cookie_ = sc.substr(8, sc.find(';') - 8);
  return r;
}

HttpResponse Browser::get(const std::string& target) {
  return send("GET", target, "", {});
}

std::string Browser::csrf_from(const std::string& page_target) {
  return csrf_in(get(page_target).body);
}

HttpResponse Browser::post(const std::string& target, std::map<std::string, std::string> fields,
                           bool with_csrf, const std::string& form_page) {
  if (with_csrf && !fields.count("csrf_token"))
    fields["csrf_token"] = csrf_from(form_page.empty() ? target : form_page);
  return send("POST", target, form_encode(fields),
              {{"Content-Type", "application/x-www-form-urlencoded"}});
}

HttpResponse Browser::follow(HttpResponse r, int max) {
  while (max-- > 0 && (r.status == 301 || r.status == 302)) r = get(r.header("location"));
  return r;
}

bool Browser::register_user(const std::string& username, const std::string& password,
                            const std::string& email) {
  auto r = post("/auth/register", {{"username", username},
                                   {"email", email.empty() ? username + "@example.com" : email},
                                   {"password", password},
                                   {"password2", password}});
  return r.status == 302 && r.header("location") == "/auth/login";
}

bool Browser::login(const std::string& username, const std::string& password, bool remember) {
  std::map<std::string, std::string> f{{"username", username}, {"password", password}};
  if (remember) f["remember_me"] = "y";
  auto r = post("/auth/login", f);
  return r.status == 302 && r.header("location") == "/index";
}

std::vector<std::string> outbox_messages(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  if (std::filesystem::exists(dir))
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().extension() == ".eml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<std::string> out;
  for (const auto& f : files) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    out.push_back(ss.str());
  }
  return out;
}

std::string mail_text(const std::string& eml) {
  const auto pos = eml.find("Content-Type: text/plain");
  if (pos == std::string::npos) return "";
  const auto start = eml.find("\r\n\r\n", pos);
  const auto end = eml.find("--", start);
  std::string b64;
  for (char c : eml.substr(start + 4, end - start - 4))
    if (c != '\r' && c != '\n') b64 += c;
  return ts::auth::base64_decode(b64).value_or("");
}

std::string basic_auth(const std::string& user, const std::string& password) {
  return "Basic " + ts::auth::base64_encode(user + ":" + password);
}

std::vector<std::string> wait_for_mail(const std::string& dir, std::size_t n) {
  auto mails = outbox_messages(dir);
  for (int i = 0; i < 200 && mails.size() < n; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    mails = outbox_messages(dir);
  }
  return mails;
}

std::string link_in(const std::string& eml, const std::string& path) {
  const auto text = mail_text(eml);
  const auto at = text.find(path);
  if (at == std::string::npos) return "";
  const auto start = text.rfind('\n', at);
  const auto from = start == std::string::npos ? 0 : start + 1;
  return text.substr(from, text.find('\n', at) - from);
}

}  // namespace mb_test
