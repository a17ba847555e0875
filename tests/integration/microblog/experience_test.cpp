// Issue 17 (microblog users) over HTTP on SQLite and PostgreSQL: avatars drawn
// by the server (Gravatar only when chosen), the user popup fragment, the
// search page's "no results" message, /favicon.ico, the times handed to the
// page script, and the export alert's "done".
#include <gtest/gtest.h>

#include <regex>

#include "mb_fixture.hpp"

using namespace mb_test;

namespace {

class MbExperience : public ::testing::TestWithParam<std::string> {
 protected:
  MbExperience() : srv(GetParam()) {}
  MbServer srv;
};

// The id in the first "/avatar/<id>/<size>.svg?v=1" of a page.
std::string avatar_path(const std::string& html, int size) {
  const std::regex re("src=\"(/avatar/([0-9]+)/" + std::to_string(size) + "\\.svg\\?v=1)\"");
  std::smatch m;
  return std::regex_search(html, m, re) ? std::string(m[1]) : std::string();
}

HttpResponse anonymous_get(MbServer& s, const std::string& target,
                           const std::string& accept = "image/avif,image/webp,image/*,*/*;q=0.8") {
  HttpClient c(s.port());
  return c.request("GET", target, "", {{"Accept", accept}});
}

// The user object of the API for a user made through the pages.
boost::json::object api_user(MbServer& s, const std::string& name, const std::string& password,
                             const std::string& id) {
  HttpClient c(s.port());
  auto t = c.request("POST", "/api/tokens", "", {{"Authorization", basic_auth(name, password)}});
  EXPECT_EQ(t.status, 200) << t.body;
  auto r = c.request("GET", "/api/users/" + id, "",
                     {{"Authorization", "Bearer " + std::string(json(t).at("token").as_string())}});
  EXPECT_EQ(r.status, 200) << r.body;
  return json(r).as_object();
}

}  // namespace

TEST_P(MbExperience, AvatarsAreIdenticonsServedLocally) {
  Browser john(srv), susan(srv);
  john.signup("john");
  susan.signup("susan");
  ASSERT_EQ(john.post("/index", {{"post", "hello from john"}}).status, 302);

  const auto profile = john.get("/user/john").body;
  const auto big = avatar_path(profile, 256);
  ASSERT_FALSE(big.empty()) << profile;
  const auto id = big.substr(8, big.find('/', 8) - 8);  // "/avatar/<id>/…"
  // The same picture in the post rows (70) and the popup (64).
  EXPECT_TRUE(contains(profile, "/avatar/" + id + "/70.svg?v=1"));
  EXPECT_TRUE(contains(john.get("/user/john/popup").body, "/avatar/" + id + "/64.svg?v=1"));
  // Nothing points at gravatar.com, and the pages' CSP allows images from
  // this origin only (data: for Bootstrap's own icons).
  for (const char* page : {"/index", "/explore", "/user/john", "/user/susan", "/user/john/popup"}) {
    auto r = susan.get(page);
    EXPECT_EQ(r.status, 200) << page;
    EXPECT_FALSE(contains(r.body, "gravatar")) << page;
  }
  const auto csp = john.get("/index").header("content-security-policy");
  EXPECT_TRUE(contains(csp, "img-src 'self' data:;")) << csp;
  EXPECT_FALSE(contains(csp, "gravatar")) << csp;
  EXPECT_TRUE(contains(csp, "style-src 'self';")) << csp;

  // The API's _links.avatar is the same local picture at 128 pixels.
  auto u = api_user(srv, "john", "secret-pw-1", id);
  EXPECT_EQ(u.at("username"), "john");
  EXPECT_EQ(std::string(u.at("_links").at("avatar").as_string()), "/avatar/" + id + "/128.svg?v=1");

  // Served without a session (API clients and caches have none), as SVG,
  // cacheable forever under its versioned URL.
  auto a = anonymous_get(srv, big);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.header("content-type"), "image/svg+xml");
  EXPECT_EQ(a.header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(a.header("x-content-type-options"), "nosniff");
  EXPECT_TRUE(contains(a.header("content-security-policy"), "default-src 'none'"));
  EXPECT_EQ(a.header("set-cookie"), "");
  EXPECT_EQ(
      a.body.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"256\" height=\"256\"", 0), 0u)
      << a.body;
  EXPECT_FALSE(contains(a.body, "style"));
  EXPECT_FALSE(contains(a.body, "script"));
  // Deterministic: the same bytes every time, from either user session.
  EXPECT_EQ(susan.get(big).body, a.body);
  EXPECT_EQ(anonymous_get(srv, big).body, a.body);
  // Another size is the same drawing at another width.
  auto small = anonymous_get(srv, "/avatar/" + id + "/64.svg?v=1");
  ASSERT_EQ(small.status, 200);
  EXPECT_TRUE(contains(small.body, "width=\"64\" height=\"64\""));
  auto drawing = [](const std::string& svg) { return svg.substr(svg.find("viewBox")); };
  EXPECT_EQ(drawing(small.body), drawing(a.body));
  // Another user has another picture.
  const auto susan_big = avatar_path(susan.get("/user/susan").body, 256);
  ASSERT_FALSE(susan_big.empty());
  EXPECT_NE(susan_big, big);
  EXPECT_NE(drawing(anonymous_get(srv, susan_big).body), drawing(a.body));
  // Without the version (or an older one) the picture is cached for a day only.
  auto unversioned = anonymous_get(srv, "/avatar/" + id + "/256.svg");
  EXPECT_EQ(unversioned.status, 200);
  EXPECT_EQ(unversioned.body, a.body);
  EXPECT_EQ(unversioned.header("cache-control"), "public, max-age=86400");

  // Unknown ids and sizes that are not ours: 404, never a 500.
  for (const std::string& bad : std::vector<std::string>{
           "/avatar/999999/256.svg?v=1", "/avatar/0/64.svg", "/avatar/" + id + "/0.svg",
           "/avatar/" + id + "/15.svg", "/avatar/" + id + "/513.svg",
           "/avatar/" + id + "/99999999999.svg", "/avatar/" + id + "/+64.svg",
           "/avatar/" + id + "/64.png", "/avatar/" + id + "/64", "/avatar/" + id + "/abc.svg",
           "/avatar/john/64.svg", "/avatar/" + id, "/avatar/99999999999999999999/64.svg"})
    EXPECT_EQ(anonymous_get(srv, bad).status, 404) << bad;
  EXPECT_EQ(anonymous_get(srv, "/avatar/999999/256.svg", "text/html").status, 404);
}

TEST_P(MbExperience, GravatarWhenChosen) {
  MbServer g(GetParam(), {{"MICROBLOG_AVATARS", "gravatar"}});
  HttpClient c(g.port());
  // The original's test vector (spec §1, test_avatar).
  auto r = c.request("POST", "/api/users",
                     R"({"username":"john","email":"john@example.com","password":"secret-pw-1"})",
                     {{"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json(r).at("_links").at("avatar"),
            "https://www.gravatar.com/avatar/d4c74594d841139328695756648b6bd6?d=identicon&s=128");
  Browser b(g);
  ASSERT_TRUE(b.login("john", "secret-pw-1"));
  auto page = b.get("/user/john");
  EXPECT_TRUE(contains(
      page.body,
      "https://www.gravatar.com/avatar/d4c74594d841139328695756648b6bd6?d=identicon&amp;s=256"))
      << page.body;
  EXPECT_TRUE(contains(page.header("content-security-policy"),
                       "img-src 'self' https://www.gravatar.com data:;"));

  // Anything but the two choices stops the start with a message naming the setting.
  auto env = g.env();
  env["MICROBLOG_AVATARS"] = "robohash";
  TempDir dir;
  Process p(bin_path("microblog"), {"migrate"}, env, (dir.path() / "log").string());
  const auto status = p.wait(std::chrono::seconds(60));
  ASSERT_TRUE(status.has_value());
  EXPECT_NE(*status, 0);
  EXPECT_TRUE(contains(p.log(), "MICROBLOG_AVATARS")) << p.log();
}

TEST_P(MbExperience, UserPopupFragment) {
  Browser john(srv), susan(srv);
  john.signup("john");
  ASSERT_EQ(john.post("/edit_profile", {{"username", "john"}, {"about_me", "I <3 bread"}}).status,
            302);
  susan.signup("susan");

  auto r = susan.get("/user/john/popup");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type").rfind("text/html", 0), 0u);
  const auto& html = r.body;
  // A fragment, not a page, with no inline style (the CSP forbids them).
  EXPECT_FALSE(contains(html, "<html"));
  EXPECT_FALSE(contains(html, "style="));
  EXPECT_TRUE(contains(html, "<img class=\"user-popup-avatar\""));
  EXPECT_TRUE(contains(html, "<a href=\"/user/john\">john</a>"));
  EXPECT_TRUE(contains(html, "<p>I &lt;3 bread</p>"));
  // Last seen: the UTC instant for the page script and the server's rendering.
  static const std::regex seen(
      "Last seen on: <time datetime=\"(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z)\" "
      "data-moment=\"lll\">([A-Z][a-z]{2} \\d{1,2}, \\d{4} \\d{1,2}:\\d\\d [AP]M)</time>");
  EXPECT_TRUE(std::regex_search(html, seen)) << html;
  EXPECT_TRUE(contains(html, "0 followers, 0 following"));
  // The Follow form, with this session's CSRF token.
  EXPECT_TRUE(contains(html, "<form action=\"/follow/john\" method=\"post\">"));
  EXPECT_TRUE(contains(html, "value=\"Follow\""));
  EXPECT_FALSE(contains(html, "/unfollow/john"));
  const auto token = csrf_in(html);
  ASSERT_FALSE(token.empty());
  auto f = susan.post("/follow/john", {{"csrf_token", token}, {"submit", "Follow"}});
  EXPECT_EQ(f.status, 302);
  EXPECT_EQ(f.header("location"), "/user/john");
  EXPECT_TRUE(contains(susan.get("/user/john").body, "You are following john!"));

  const auto after = susan.get("/user/john/popup").body;
  EXPECT_TRUE(contains(after, "1 followers, 0 following"));
  EXPECT_TRUE(contains(after, "<form action=\"/unfollow/john\" method=\"post\">"));
  EXPECT_TRUE(contains(after, "value=\"Unfollow\""));
  auto u = susan.post("/unfollow/john", {{"csrf_token", csrf_in(after)}, {"submit", "Unfollow"}});
  EXPECT_EQ(u.header("location"), "/user/john");
  EXPECT_TRUE(contains(susan.get("/user/john/popup").body, "0 followers, 0 following"));
  // Without the token nothing changes (as the profile page's form).
  EXPECT_EQ(susan.post("/follow/john", {{"submit", "Follow"}}, false).header("location"), "/index");
  EXPECT_TRUE(contains(susan.get("/user/john/popup").body, "0 followers, 0 following"));
  EXPECT_TRUE(contains(susan.get("/user/susan/popup").body, "0 followers, 0 following"));

  // Your own popup has no button.
  const auto mine = john.get("/user/john/popup").body;
  EXPECT_FALSE(contains(mine, "<form"));
  EXPECT_TRUE(contains(mine, "Last seen on: <time"));
  // Spanish.
  Browser ana(srv, "es");
  ana.signup("ana");
  const auto es = ana.get("/user/john/popup").body;
  EXPECT_TRUE(contains(es, "Última visita: <time")) << es;
  EXPECT_TRUE(contains(es, "0 seguidores, siguiendo a 0"));
  EXPECT_TRUE(contains(es, "value=\"Seguir\""));
  // Unknown user: 404; anonymous: the login page.
  EXPECT_EQ(susan.get("/user/nobody/popup").status, 404);
  Browser anon(srv);
  EXPECT_EQ(anon.get("/user/john/popup").header("location"),
            "/auth/login?next=%2Fuser%2Fjohn%2Fpopup");
}

TEST_P(MbExperience, SearchWithoutResultsSaysSo) {
  Browser b(srv);
  b.signup("john");
  ASSERT_EQ(b.post("/index", {{"post", "the quick brown fox"}}).status, 302);
  auto none = b.get("/search?q=%3Cb%3Eunicorn%3C%2Fb%3E");
  EXPECT_EQ(none.status, 200);
  EXPECT_TRUE(contains(none.body, "<h1>Search Results</h1>"));
  EXPECT_TRUE(contains(
      none.body,
      "<p class=\"search-empty\">No posts found for &quot;&lt;b&gt;unicorn&lt;/b&gt;&quot;.</p>"))
      << none.body;
  EXPECT_EQ(count_of(none.body, "<span id=\"post"), 0);
  auto found = b.get("/search?q=fox");
  EXPECT_EQ(count_of(found.body, "<span id=\"post"), 1);
  EXPECT_FALSE(contains(found.body, "search-empty"));
  Browser es(srv, "es");
  es.signup("ana");
  EXPECT_TRUE(contains(es.get("/search?q=unicornio").body,
                       "No se encontraron artículos para &quot;unicornio&quot;."));
}

TEST_P(MbExperience, FaviconIsServed) {
  auto r = anonymous_get(srv, "/favicon.ico");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "image/x-icon");
  EXPECT_EQ(r.header("cache-control"), "public, max-age=86400");
  EXPECT_EQ(r.header("set-cookie"), "");
  // An ICO holding one 32×32 32-bit image right after the 22 header bytes.
  ASSERT_EQ(r.body.size(), 22u + 40 + 32 * 32 * 4 + 32 * 4);
  EXPECT_EQ(r.body.substr(0, 6), std::string("\0\0\1\0\1\0", 6));
  EXPECT_EQ(static_cast<unsigned char>(r.body[6]), 32);
  EXPECT_EQ(static_cast<unsigned char>(r.body[7]), 32);
  EXPECT_EQ(static_cast<unsigned char>(r.body[12]), 32);  // bits per pixel
  EXPECT_EQ(anonymous_get(srv, "/favicon.ico").body, r.body);
  // Pages name it.
  Browser b(srv);
  EXPECT_TRUE(contains(b.get("/auth/login").body, "<link href=\"/favicon.ico\" rel=\"icon\""));
}

TEST_P(MbExperience, TimesCarryTheUtcInstantForThePageScript) {
  Browser b(srv);
  b.signup("john");
  ASSERT_EQ(b.post("/index", {{"post", "a post with a time"}}).status, 302);
  static const std::regex row(
      "<time datetime=\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z\" "
      "data-moment=\"fromNow\" "
      "title=\"[A-Z][a-z]{2} \\d{1,2}, \\d{4} \\d{1,2}:\\d\\d [AP]M\">a few seconds ago</time>");
  for (const char* page : {"/index", "/explore", "/user/john", "/search?q=time"}) {
    const auto html = b.get(page).body;
    EXPECT_TRUE(std::regex_search(html, row)) << page << html;
  }
  static const std::regex profile(
      "Last seen on: <time datetime=\"[0-9T:.-]+Z\" data-moment=\"LLL\">[A-Z][a-z]+ \\d{1,2}, "
      "\\d{4} \\d{1,2}:\\d\\d [AP]M</time>");
  EXPECT_TRUE(std::regex_search(b.get("/user/john").body, profile));
  // The script that formats them is served.
  auto js = b.get("/static/microblog.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_TRUE(contains(js.body, "data-moment"));
}

// The export alert holds the "done" text the page script shows at 100 %.
TEST_P(MbExperience, ExportAlertCarriesItsDoneText) {
  MbServer s(GetParam(), {{"MICROBLOG_RUN_WORKER", "false"}});
  for (const auto& [lang, done] : std::vector<std::pair<std::string, std::string>>{
           {"en", "Exporting posts... <span class=\"task-progress\">"},
           {"es", "Exportando artículos... <span class=\"task-progress\">"}}) {
    Browser b(s, lang);
    b.signup("user_" + lang);
    ASSERT_EQ(b.post("/export_posts", {}, true, "/user/user_" + lang).status, 302);
    const auto html = b.get("/user/user_" + lang).body;
    EXPECT_TRUE(contains(html, done)) << html;
    static const std::regex alert(
        "<span class=\"task-progress\"><span id=\"[^\"]+-progress\">0</span>%</span><span "
        "class=\"task-done d-none\">(done|hecho)</span>");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(html, m, alert)) << html;
    EXPECT_EQ(m[1], lang == "es" ? "hecho" : "done");
  }
}

INSTANTIATE_TEST_SUITE_P(Db, MbExperience, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });
