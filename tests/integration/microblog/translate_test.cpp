// Translation against a LibreTranslate-style stub (POST /translate, JSON)
// running inside the test, and the HTML/JSON "Not Found" answers for unknown
// URLs — on SQLite and PostgreSQL.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "mb_fixture.hpp"

using namespace mb_test;

namespace {

// A one-request-per-connection HTTP server on 127.0.0.1 answering
// POST /translate like LibreTranslate. The text decides the answer:
// containing "FAIL500" → 500, "BADJSON" → 200 with a body that is not JSON,
// anything else → {"translatedText": "[<target>] <text>"}.
class StubTranslator {
 public:
  StubTranslator() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 16) != 0)
      throw std::runtime_error("stub translator: cannot listen");
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~StubTranslator() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }
  std::string last_target() {
    std::lock_guard lock(mu_);
    return last_target_;
  }
  boost::json::value last_body() {
    std::lock_guard lock(mu_);
    return last_body_;
  }

 private:
  void loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      serve(c);
      ::close(c);
    }
  }

  void serve(int c) {
    std::string in;
    char buf[4096];
    std::size_t header_end = std::string::npos, need = 0;
    bool continued = false;
    for (;;) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 2000) <= 0) return;
      const auto n = ::read(c, buf, sizeof buf);
      if (n <= 0) return;
      in.append(buf, static_cast<std::size_t>(n));
      if (header_end == std::string::npos) {
        header_end = in.find("\r\n\r\n");
        if (header_end == std::string::npos) continue;
        std::string lower = in.substr(0, header_end);
        for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (auto cl = lower.find("content-length:"); cl != std::string::npos)
          need = std::stoul(lower.substr(cl + 15));
        if (!continued && lower.find("expect: 100-continue") != std::string::npos) {
          const std::string cont = "HTTP/1.1 100 Continue\r\n\r\n";
          (void)!::write(c, cont.data(), cont.size());
          continued = true;
        }
      }
      if (in.size() >= header_end + 4 + need) break;
    }
    const std::string request_line = in.substr(0, in.find("\r\n"));
    const std::string body = in.substr(header_end + 4, need);
    ++requests_;
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    {
      std::lock_guard lock(mu_);
      last_target_ = request_line;
      last_body_ = ec ? boost::json::value() : v;
    }
    int status = 200;
    std::string out;
    std::string q, target;
    if (!ec && v.is_object()) {
      if (auto* x = v.as_object().if_contains("q"); x && x->is_string()) q = x->as_string();
      if (auto* x = v.as_object().if_contains("target"); x && x->is_string())
        target = x->as_string();
    }
    if (request_line.rfind("POST /translate ", 0) != 0) {
      status = 404;
      out = R"({"error":"Not Found"})";
    } else if (q.find("FAIL500") != std::string::npos) {
      status = 500;
      out = R"({"error":"internal"})";
    } else if (q.find("BADJSON") != std::string::npos) {
      out = "this is not json";
    } else {
      out =
          boost::json::serialize(boost::json::object{{"translatedText", "[" + target + "] " + q}});
    }
    const std::string resp =
        "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Error") +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(out.size()) +
        "\r\nConnection: close\r\n\r\n" + out;
    (void)!::write(c, resp.data(), resp.size());
  }

  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::mutex mu_;
  std::string last_target_;
  boost::json::value last_body_;
  std::thread thread_;
};

const std::string kEnglish =
    "The weather today is wonderful and I am going to walk in the park with my friends";

class MbTranslate : public ::testing::TestWithParam<std::string> {
 protected:
  MbTranslate()
      : srv(GetParam(), {{"MICROBLOG_TRANSLATOR", "libretranslate"},
                         {"MICROBLOG_TRANSLATOR_URL", stub.url()}}) {}
  HttpResponse translate(Browser& b, const std::string& token, const std::string& text) {
    return b.send("POST", "/translate",
                  boost::json::serialize(boost::json::object{
                      {"text", text}, {"source_language", "en"}, {"dest_language", "es"}}),
                  {{"Content-Type", "application/json"}, {"X-CSRF-Token", token}});
  }
  StubTranslator stub;
  MbServer srv;
};

class MbNotFound : public ::testing::TestWithParam<std::string> {
 protected:
  MbNotFound() : srv(GetParam()) {}
  MbServer srv;
};

}  // namespace

TEST_P(MbTranslate, LinkShowsForForeignPostsAndStubTranslates) {
  Browser en(srv, "en");
  en.signup("john");
  ASSERT_EQ(en.post("/index", {{"post", kEnglish}}).status, 302);
  // The writer's own language: no link.
  EXPECT_FALSE(contains(en.get("/index").body, "translate-link"));

  Browser es(srv, "es");
  es.signup("maria");
  auto page = es.get("/explore");
  ASSERT_EQ(page.status, 200);
  EXPECT_TRUE(contains(page.body, "class=\"translate-link\"")) << page.body;
  EXPECT_TRUE(contains(page.body, "data-source=\"en\" data-dest=\"es\"")) << page.body;
  EXPECT_TRUE(contains(page.body, ">Traducir</a>")) << page.body;

  const auto token = es.csrf_from("/explore");
  auto r = translate(es, token, kEnglish);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(std::string(json(r).at("text").as_string()), "[es] " + kEnglish);
  EXPECT_EQ(stub.requests(), 1);
  EXPECT_EQ(stub.last_target(), "POST /translate HTTP/1.1");
  const auto sent = stub.last_body();
  ASSERT_TRUE(sent.is_object());
  EXPECT_EQ(std::string(sent.at("q").as_string()), kEnglish);
  EXPECT_EQ(sent.at("source"), "en");
  EXPECT_EQ(sent.at("target"), "es");
  EXPECT_EQ(sent.at("format"), "text");
}

TEST_P(MbTranslate, TranslatorErrorsBecomeACleanMessage) {
  Browser en(srv, "en");
  en.signup("john");
  const auto token = en.csrf_from("/index");
  for (const char* text : {"please FAIL500 now", "please BADJSON now"}) {
    auto r = translate(en, token, text);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json(r).at("text"), "Error: the translation service failed.") << text;
  }
  Browser es(srv, "es");
  es.signup("maria");
  auto r = translate(es, es.csrf_from("/index"), "FAIL500");
  EXPECT_EQ(json(r).at("text"), "Error el servicio de traducciones ha fallado.");
  EXPECT_EQ(stub.requests(), 3);
}

TEST_P(MbTranslate, UnreachableTranslatorIsACleanMessage) {
  // A second server pointed at a port nobody listens on (discard, 9: refused).
  std::map<std::string, std::string> env{{"MICROBLOG_TRANSLATOR", "libretranslate"},
                                         {"MICROBLOG_TRANSLATOR_URL", "http://127.0.0.1:9"}};
  MbServer other(GetParam(), env);
  Browser b(other);
  b.signup("john");
  auto r = translate(b, b.csrf_from("/index"), "hello there");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r).at("text"), "Error: the translation service failed.");
}

TEST_P(MbNotFound, UnknownPagesAreHtmlForBrowsersAndJsonForApiClients) {
  Browser b(srv);
  // A browser (Accept prefers text/html) gets the page, anonymous or not.
  auto r = b.get("/no/such/page");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(contains(r.header("content-type"), "text/html")) << r.header("content-type");
  EXPECT_TRUE(contains(r.body, "<h1>Not Found</h1>")) << r.body;
  EXPECT_TRUE(contains(r.body, "<a href=\"/index\">Back</a>")) << r.body;
  EXPECT_TRUE(contains(r.body, "<title>Welcome to Microblog</title>")) << r.body;
  b.signup("john");
  r = b.get("/nowhere");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(contains(r.body, "<h1>Not Found</h1>"));
  EXPECT_TRUE(contains(r.body, "/user/john")) << "navigation bar of the signed-in user";
  Browser es(srv, "es");
  EXPECT_TRUE(contains(es.get("/nowhere").body, "<h1>Página No Encontrada</h1>"));

  // JSON when the client prefers it, or sends no Accept / */* (curl).
  r = b.send("GET", "/nowhere", "", {{"Accept", "application/json"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "{\"error\":\"Not Found\"}");
  r = b.send("GET", "/nowhere", "", {{"Accept", "*/*"}});
  EXPECT_EQ(r.body, "{\"error\":\"Not Found\"}");
  HttpClient c(srv.port());
  r = c.request("GET", "/nowhere", "", {});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "{\"error\":\"Not Found\"}");

  // Under /api even a browser gets JSON.
  for (const char* p : {"/api/nowhere", "/api/users/1/nothing", "/api"}) {
    r = b.get(p);
    EXPECT_EQ(r.status, 404) << p;
    EXPECT_TRUE(contains(r.header("content-type"), "application/json")) << p;
    EXPECT_EQ(json(r).at("error"), "Not Found") << p;
  }
  // POST to an unknown path is a 404 too (no CSRF check on a page that does not exist).
  r = b.send("POST", "/nowhere", "a=b", {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 404);
  // Known routes are unaffected.
  EXPECT_EQ(b.get("/index").status, 200);
  EXPECT_EQ(b.get("/static/microblog.js").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Db, MbTranslate, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Db, MbNotFound, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });
