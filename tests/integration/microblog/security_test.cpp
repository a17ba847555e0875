// Issue 12, the microblog's part, over HTTP on SQLite and PostgreSQL: links
// in mail come only from MICROBLOG_PUBLIC_URL; a password reset ends sessions
// and the API token; a new e-mail address is confirmed before it is used;
// exports are spaced; registration is limited per address; passwords are
// 8–128 characters; a password guesser slows down only its own address.
#include <gtest/gtest.h>

#include "mb_fixture.hpp"
#include "platform/db/pool.hpp"

using namespace mb_test;

namespace {

const char* kPublicUrl = "https://blog.example.test";

class MbSecurity : public ::testing::TestWithParam<std::string> {
 protected:
  // A server that trusts one proxy hop, so that X-Forwarded-For names the
  // client address, and that has a public URL unless told otherwise.
  std::unique_ptr<MbServer> server(bool public_url = true) {
    std::map<std::string, std::string> env{{"MICROBLOG_TRUST_PROXY_HOPS", "1"}};
    env["MICROBLOG_PUBLIC_URL"] = public_url ? kPublicUrl : "";
    return std::make_unique<MbServer>(GetParam(), env);
  }
};

// A form post sent as raw bytes with one Host header of our choosing (the
// test client's requests always name 127.0.0.1).
HttpResponse post_with_host(MbServer& s, Browser& b, const std::string& target,
                            const std::map<std::string, std::string>& fields,
                            const std::string& host) {
  auto f = fields;
  f["csrf_token"] = b.csrf_from(target);
  const auto body = form_encode(f);
  HttpClient c(s.port());
  auto r =
      c.raw("POST " + target + " HTTP/1.1\r\nHost: " + host + "\r\nCookie: session=" + b.cookie() +
            "\r\nAccept: text/html\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body);
  if (!r) return {};
  // The flash travels in the answer's cookie.
  const auto sc = r->header("set-cookie");
  if (sc.rfind("session=", 0) == 0) b.set_cookie(sc.substr(8, sc.find(';') - 8));
  return *r;
}

HttpResponse api(MbServer& s, const std::string& method, const std::string& target,
                 const std::string& auth = "", const std::string& body = "",
                 const std::string& client = "") {
  std::map<std::string, std::string> h;
  if (!auth.empty()) h["Authorization"] = auth;
  if (!body.empty()) h["Content-Type"] = "application/json";
  if (!client.empty()) h["X-Forwarded-For"] = client;
  HttpClient c(s.port());
  return c.request(method, target, body, h);
}

std::string bearer(MbServer& s, const std::string& user, const std::string& password) {
  auto r = api(s, "POST", "/api/tokens", basic_auth(user, password));
  EXPECT_EQ(r.status, 200) << r.body;
  if (r.status != 200) return "";
  return "Bearer " + std::string(json(r).at("token").as_string());
}

std::string email_of(MbServer& s, const std::string& username) {
  auto pool = ts::db::Pool::open(s.db_url());
  return pool->query("SELECT email FROM mb_users WHERE username = $1", {username})
      .scalar<std::string>();
}

std::string to_of(const std::string& eml) {
  const auto at = eml.find("\r\nTo: ");
  return at == std::string::npos ? "" : eml.substr(at + 6, eml.find("\r\n", at + 6) - at - 6);
}

}  // namespace

// The request's Host header never reaches a link: with the public URL set,
// a request naming evil.example gets a link to the configured site.
TEST_P(MbSecurity, ResetLinkIsBuiltFromThePublicUrlNotTheHostHeader) {
  auto srv = server();
  Browser b(*srv);
  ASSERT_TRUE(b.register_user("john", "secret-pw-1", "john@example.com"));
  auto r = post_with_host(*srv, b, "/auth/reset_password_request", {{"email", "john@example.com"}},
                          "evil.example");
  ASSERT_EQ(r.status, 302) << r.body;
  auto mails = wait_for_mail(srv->outbox(), 1);
  ASSERT_EQ(mails.size(), 1u);
  const auto link = link_in(mails[0], "/auth/reset_password/");
  EXPECT_EQ(link.rfind(std::string(kPublicUrl) + "/auth/reset_password/", 0), 0u) << link;
  EXPECT_FALSE(contains(mails[0], "evil.example"));
}

// Without the public URL no reset mail is sent (and the log says why); the
// visitor sees the usual answer.
TEST_P(MbSecurity, WithoutPublicUrlNoResetMailIsSent) {
  auto srv = server(false);
  Browser b(*srv);
  ASSERT_TRUE(b.register_user("john", "secret-pw-1", "john@example.com"));
  auto r = post_with_host(*srv, b, "/auth/reset_password_request", {{"email", "john@example.com"}},
                          "evil.example");
  ASSERT_EQ(r.status, 302) << r.body;
  EXPECT_EQ(r.header("location"), "/auth/login");
  EXPECT_TRUE(
      contains(b.get("/auth/login").body, "Check your email for the instructions to reset"));
  // The decision is made before the answer and no delivery is started, so the
  // outbox is final here.
  EXPECT_TRUE(outbox_messages(srv->outbox()).empty());
  const auto log = srv->service().process().log();
  EXPECT_TRUE(contains(log, "MICROBLOG_PUBLIC_URL is not set")) << log;
}

// A reset ends the sessions and the API token issued before it.
TEST_P(MbSecurity, PasswordResetEndsSessionsAndApiTokens) {
  auto srv = server();
  Browser signed_in(*srv), b(*srv);
  signed_in.signup("john");
  ASSERT_TRUE(b.register_user("susan", "secret-pw-1"));
  const auto old_token = bearer(*srv, "john", "secret-pw-1");
  ASSERT_FALSE(old_token.empty());
  EXPECT_EQ(api(*srv, "GET", "/api/users", old_token).status, 200);
  const auto susan_token = bearer(*srv, "susan", "secret-pw-1");

  b.post("/auth/reset_password_request", {{"email", "john@example.com"}});
  auto mails = wait_for_mail(srv->outbox(), 1);
  ASSERT_EQ(mails.size(), 1u);
  auto link = link_in(mails[0], "/auth/reset_password/");
  const auto path = link.substr(std::string(kPublicUrl).size());
  auto r = b.post(path, {{"password", "new-secret-1"}, {"password2", "new-secret-1"}});
  ASSERT_EQ(r.header("location"), "/auth/login");

  EXPECT_EQ(api(*srv, "GET", "/api/users", old_token).status, 401);
  EXPECT_EQ(api(*srv, "DELETE", "/api/tokens", old_token).status, 401);
  auto home = signed_in.get("/index");
  EXPECT_EQ(home.status, 302);
  EXPECT_EQ(home.header("location"), "/auth/login?next=%2Findex");
  // The new password gets a new token; another user's token lives on.
  const auto new_token = bearer(*srv, "john", "new-secret-1");
  EXPECT_NE(new_token, old_token);
  EXPECT_EQ(api(*srv, "GET", "/api/users", new_token).status, 200);
  EXPECT_EQ(api(*srv, "GET", "/api/users", susan_token).status, 200);
}

// PUT /api/users/<id> with a new address mails a link to that address; the
// account keeps the old one (and mail goes there) until the link is opened.
TEST_P(MbSecurity, EmailChangeIsConfirmedByTheNewAddress) {
  auto srv = server();
  Browser john(*srv);
  john.signup("john");
  const auto token = bearer(*srv, "john", "secret-pw-1");
  const auto id = json(api(*srv, "GET", "/api/users", token)).at("items").at(0).at("id");
  const auto self = "/api/users/" + std::to_string(id.as_int64());
  auto r = api(*srv, "PUT", self, token, R"({"email":"victim@example.org","about_me":"hi"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r).at("about_me"), "hi");
  EXPECT_FALSE(json(r).as_object().contains("email"));
  EXPECT_EQ(email_of(*srv, "john"), "john@example.com");

  auto mails = wait_for_mail(srv->outbox(), 1);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(to_of(mails[0]), "victim@example.org");
  EXPECT_TRUE(contains(mails[0], "Subject: [Microblog] Confirm Your Email Address"));
  const auto link = link_in(mails[0], "/auth/confirm_email/");
  ASSERT_EQ(link.rfind(std::string(kPublicUrl) + "/auth/confirm_email/", 0), 0u) << link;
  const auto path = link.substr(std::string(kPublicUrl).size());

  // Until confirmed, mail goes to the old address: a reset for the new one
  // finds no account (nothing is sent), the export goes to the old one.
  Browser anon(*srv);
  anon.post("/auth/reset_password_request", {{"email", "victim@example.org"}});
  EXPECT_EQ(outbox_messages(srv->outbox()).size(), 1u);
  john.post("/export_posts", {}, true, "/user/john");
  mails = wait_for_mail(srv->outbox(), 2);
  ASSERT_EQ(mails.size(), 2u);
  EXPECT_TRUE(contains(mails[1], "Subject: [Microblog] Your blog posts"));
  EXPECT_EQ(to_of(mails[1]), "john@example.com");

  // A forged or altered link changes nothing.
  r = anon.get("/auth/confirm_email/garbage");
  EXPECT_EQ(r.header("location"), "/auth/login");
  EXPECT_TRUE(contains(anon.get("/auth/login").body, "invalid or has expired"));
  EXPECT_EQ(email_of(*srv, "john"), "john@example.com");

  // The link alone confirms (opened in another browser, not signed in).
  r = anon.get(path);
  EXPECT_EQ(r.header("location"), "/auth/login");
  EXPECT_TRUE(contains(anon.get("/auth/login").body, "Your email address has been changed."));
  EXPECT_EQ(email_of(*srv, "john"), "victim@example.org");
  // Used once: the address it was issued under is gone.
  anon.get(path);
  EXPECT_TRUE(contains(anon.get("/auth/login").body, "invalid or has expired"));
}

// A link for an address someone else took in the meantime fails cleanly.
TEST_P(MbSecurity, EmailConfirmationForATakenAddressFails) {
  auto srv = server();
  Browser john(*srv), susan(*srv);
  john.signup("john");
  const auto token = bearer(*srv, "john", "secret-pw-1");
  const auto id = json(api(*srv, "GET", "/api/users", token)).at("items").at(0).at("id");
  ASSERT_EQ(api(*srv, "PUT", "/api/users/" + std::to_string(id.as_int64()), token,
                R"({"email":"shared@example.com"})")
                .status,
            200);
  auto mails = wait_for_mail(srv->outbox(), 1);
  ASSERT_EQ(mails.size(), 1u);
  const auto path =
      link_in(mails[0], "/auth/confirm_email/").substr(std::string(kPublicUrl).size());
  ASSERT_TRUE(susan.register_user("susan", "secret-pw-1", "Shared@example.com"));
  auto r = john.get(path);
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.header("location"), "/index");
  EXPECT_TRUE(contains(john.get("/index").body, "Please use a different email address."));
  EXPECT_EQ(email_of(*srv, "john"), "john@example.com");
}

// One export per user per few minutes: the second, after the first finished,
// is refused with a message and queues nothing.
TEST_P(MbSecurity, ExportIsLimitedPerUser) {
  auto srv = server();
  Browser b(*srv);
  b.signup("john");
  b.post("/index", {{"post", "to be exported"}});
  auto r = b.post("/export_posts", {}, true, "/user/john");
  ASSERT_EQ(r.header("location"), "/user/john");
  ASSERT_EQ(wait_for_mail(srv->outbox(), 1).size(), 1u);
  // Finished: the page offers the export again (the task is complete once
  // the mail is out).
  bool offered = false;
  for (int i = 0; i < 200 && !offered; ++i) {
    offered = contains(b.get("/user/john").body, "action=\"/export_posts\"");
    if (!offered) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(offered);
  r = b.post("/export_posts", {}, true, "/user/john");
  ASSERT_EQ(r.header("location"), "/user/john");
  auto page = b.get("/user/john").body;
  EXPECT_TRUE(contains(page, "You have exported your posts recently.")) << page;
  EXPECT_FALSE(contains(page, "Exporting posts..."));
  auto pool = ts::db::Pool::open(srv->db_url());
  EXPECT_EQ(pool->query("SELECT count(*) FROM mb_tasks").scalar<std::int64_t>(), 1);
  // Another user is not affected.
  Browser susan(*srv);
  susan.signup("susan");
  susan.post("/export_posts", {}, true, "/user/susan");
  EXPECT_FALSE(contains(susan.get("/user/susan").body, "You have exported your posts recently."));
  EXPECT_EQ(pool->query("SELECT count(*) FROM mb_tasks").scalar<std::int64_t>(), 2);
}

// 8 to 128 characters on the registration form, the API and the reset form.
TEST_P(MbSecurity, PasswordLengthIsEnforced) {
  auto srv = server();
  Browser b(*srv);
  const std::string too_long(129, 'x');
  for (const std::string& pw : {std::string("seven77"), too_long}) {
    auto r = b.post(
        "/auth/register",
        {{"username", "john"}, {"email", "john@example.com"}, {"password", pw}, {"password2", pw}});
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(contains(r.body, "Field must be between 8 and 128 characters long.")) << pw;
    r = api(*srv, "POST", "/api/users", "",
            R"({"username":"john","email":"john@example.com","password":")" + pw + "\"}");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(json(r).at("error"), "Bad Request");
    EXPECT_EQ(json(r).at("message"), "password must be between 8 and 128 characters long");
  }
  // Exactly 8 and exactly 128 are accepted.
  EXPECT_TRUE(b.register_user("john", "eight888"));
  EXPECT_EQ(api(*srv, "POST", "/api/users", "",
                R"({"username":"susan","email":"susan@example.com","password":")" +
                    std::string(128, 'y') + "\"}")
                .status,
            201);

  b.post("/auth/reset_password_request", {{"email", "john@example.com"}});
  auto mails = wait_for_mail(srv->outbox(), 1);
  ASSERT_EQ(mails.size(), 1u);
  const auto path =
      link_in(mails[0], "/auth/reset_password/").substr(std::string(kPublicUrl).size());
  auto r = b.post(path, {{"password", "short"}, {"password2", "short"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(contains(r.body, "Field must be between 8 and 128 characters long."));
  EXPECT_TRUE(b.login("john", "eight888"));  // unchanged
}

// The registration form and POST /api/users share one bucket per client
// address: after the burst both answer 429 with Retry-After; another address
// still registers.
TEST_P(MbSecurity, RegistrationIsLimitedPerAddressOnBothPaths) {
  auto srv = server();
  const std::string from = "203.0.113.7";
  int created = 0;
  HttpResponse r;
  for (int i = 0; i < 40; ++i) {
    r = api(*srv, "POST", "/api/users", "",
            R"({"username":"u)" + std::to_string(i) + R"(","email":"u)" + std::to_string(i) +
                R"(@example.com","password":"secret-pw-1"})",
            from);
    if (r.status != 201) break;
    ++created;
  }
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(json(r).at("error"), "Too Many Requests");
  EXPECT_GE(std::stoi(r.header("retry-after")), 1);
  EXPECT_GE(created, 3);
  EXPECT_LT(created, 40);

  Browser b(*srv);
  b.set_header("X-Forwarded-For", from);
  r = b.post("/auth/register", {{"username", "web1"},
                                {"email", "web1@example.com"},
                                {"password", "secret-pw-1"},
                                {"password2", "secret-pw-1"}});
  EXPECT_EQ(r.status, 429);
  EXPECT_GE(std::stoi(r.header("retry-after")), 1);
  EXPECT_TRUE(contains(r.body, "Too many attempts."));

  Browser other(*srv);
  other.set_header("X-Forwarded-For", "198.51.100.9");
  EXPECT_TRUE(other.register_user("web2", "secret-pw-1"));
  EXPECT_EQ(api(*srv, "POST", "/api/users", "",
                R"({"username":"api2","email":"api2@example.com","password":"secret-pw-1"})",
                "198.51.100.9")
                .status,
            201);
}

// Guessing john's password from one address slows that address down; john,
// from another address, still signs in (form and API token).
TEST_P(MbSecurity, BadLoginsDoNotLockTheOwnerOut) {
  auto srv = server();
  Browser owner(*srv), attacker(*srv);
  owner.set_header("X-Forwarded-For", "198.51.100.1");
  attacker.set_header("X-Forwarded-For", "203.0.113.66");
  ASSERT_TRUE(owner.register_user("john", "secret-pw-1"));
  HttpResponse r;
  int tries = 0;
  for (; tries < 30; ++tries) {
    r = attacker.post("/auth/login", {{"username", "john"}, {"password", "wrong-guess"}});
    if (r.status == 429) break;
  }
  ASSERT_EQ(r.status, 429);
  EXPECT_GE(tries, 10);
  EXPECT_GE(std::stoi(r.header("retry-after")), 1);
  // The attacker's address is slowed down even with the right password …
  EXPECT_EQ(
      attacker.post("/auth/login", {{"username", "john"}, {"password", "secret-pw-1"}}).status,
      429);
  // … the owner is not.
  EXPECT_TRUE(owner.login("john", "secret-pw-1"));

  // The same for the API's Basic-auth token endpoint.
  for (tries = 0; tries < 30; ++tries) {
    r = api(*srv, "POST", "/api/tokens", basic_auth("john", "wrong-guess"), "", "203.0.113.77");
    if (r.status == 429) break;
    EXPECT_EQ(r.status, 401);
  }
  ASSERT_EQ(r.status, 429);
  EXPECT_GE(std::stoi(r.header("retry-after")), 1);
  EXPECT_EQ(json(r).at("error"), "Too Many Requests");
  r = api(*srv, "POST", "/api/tokens", basic_auth("john", "secret-pw-1"), "", "198.51.100.2");
  EXPECT_EQ(r.status, 200) << r.body;
}

// A public URL that is not an absolute http(s) URL is refused at start.
TEST_P(MbSecurity, PublicUrlMustBeAnAbsoluteUrl) {
  auto srv = server();
  auto env = srv->env();
  env["MICROBLOG_PUBLIC_URL"] = "blog.example.com";
  TempDir dir;
  Process p(bin_path("microblog"), {"migrate"}, env, (dir.path() / "log").string());
  const auto status = p.wait(std::chrono::seconds(60));
  EXPECT_NE(status.value_or(0), 0);
  EXPECT_TRUE(contains(p.log(), "MICROBLOG_PUBLIC_URL")) << p.log();
}

INSTANTIATE_TEST_SUITE_P(Db, MbSecurity, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });
