// The microblog's pages over HTTP on SQLite and PostgreSQL: the original
// tests (§7) at the HTTP level, then routes, redirects, flashes, CSRF and
// authorization.
#include <gtest/gtest.h>

#include <thread>

#include "mb_fixture.hpp"
#include "platform/db/pool.hpp"

using namespace mb_test;
using namespace std::chrono_literals;

namespace {

class MbWeb : public ::testing::TestWithParam<std::string> {
 protected:
  MbWeb() : srv(GetParam(), {{"MICROBLOG_LAST_SEEN_INTERVAL_SECONDS", "0"}}) {}
  MbServer srv;
};

std::string body_of_post(Browser& b, const std::string& text) {
  auto r = b.post("/index", {{"post", text}});
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.header("location"), "/index");
  return text;
}

}  // namespace

// test_redirect (student test): / ends on the login page.
TEST_P(MbWeb, AnonymousHomeRedirectsToLogin) {
  Browser b(srv);
  auto r = b.get("/");
  ASSERT_EQ(r.status, 302);
  EXPECT_EQ(r.header("location"), "/auth/login?next=%2F");
  EXPECT_EQ(b.get("/index").header("location"), "/auth/login?next=%2Findex");
  auto page = b.follow(b.get("/"));
  EXPECT_EQ(page.status, 200);
  EXPECT_TRUE(contains(page.body, "<title>Sign In - Microblog</title>"));
  // The flash survives the redirect once.
  EXPECT_TRUE(contains(page.body, "Please log in to access this page.")) << page.body;
  EXPECT_FALSE(contains(b.get("/auth/login").body, "Please log in to access this page."));
}

// test_password_hashing, at the HTTP level (with passwords of the now required
// length): "cat-and-mouse" logs in, "dog-and-bone" does not.
TEST_P(MbWeb, RegisterAndLogin) {
  Browser b(srv);
  ASSERT_TRUE(b.register_user("susan", "cat-and-mouse"));
  EXPECT_TRUE(
      contains(b.get("/auth/login").body, "Congratulations, you are now a registered user!"));
  auto bad = b.post("/auth/login", {{"username", "susan"}, {"password", "dog-and-bone"}});
  EXPECT_EQ(bad.status, 302);
  EXPECT_EQ(bad.header("location"), "/auth/login");
  EXPECT_TRUE(contains(b.get("/auth/login").body, "Invalid username or password"));
  ASSERT_TRUE(b.login("susan", "cat-and-mouse"));
  auto home = b.get("/index");
  EXPECT_EQ(home.status, 200);
  EXPECT_TRUE(contains(home.body, "<title>Home - Microblog</title>"));
  EXPECT_TRUE(contains(home.body, "Hi, susan!"));
  // Logged-in users are sent away from the auth forms.
  for (const char* p : {"/auth/login", "/auth/register", "/auth/reset_password_request"})
    EXPECT_EQ(b.get(p).header("location"), "/index") << p;
}

TEST_P(MbWeb, RegistrationValidation) {
  Browser b(srv);
  ASSERT_TRUE(b.register_user("susan", "secret-pw-1"));
  auto r = b.post(
      "/auth/register",
      {{"username", "susan"}, {"email", "not-an-email"}, {"password", "a"}, {"password2", "b"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(contains(r.body, "Please use a different username."));
  EXPECT_TRUE(contains(r.body, "Invalid email address."));
  EXPECT_TRUE(contains(r.body, "Field must be equal to password."));
  r = b.post("/auth/register", {{"username", "SUSAN2"},
                                {"email", "Susan@Example.com"},
                                {"password", "a"},
                                {"password2", "a"}});
  EXPECT_TRUE(contains(r.body, "Please use a different email address.")) << r.body;
  r = b.post(
      "/auth/register",
      {{"username", "a/b"}, {"email", "x@example.com"}, {"password", ""}, {"password2", ""}});
  EXPECT_TRUE(contains(r.body, "This field is required."));
  EXPECT_TRUE(contains(r.body, "Usernames may only use"));
}

TEST_P(MbWeb, LoginNextOnlyFollowsLocalPaths) {
  Browser b(srv);
  ASSERT_TRUE(b.register_user("john", "secret-pw-1"));
  auto r = b.post("/auth/login?next=%2Fexplore",
                  {{"username", "john"}, {"password", "secret-pw-1"}}, true, "/auth/login");
  EXPECT_EQ(r.header("location"), "/explore");
  for (const char* evil : {"https:evil.com", "%2F%2Fevil.com", "%2F%5Cevil", "http:%2F%5Cevil"}) {
    Browser c(srv);
    auto x = c.post(std::string("/auth/login?next=") + evil,
                    {{"username", "john"}, {"password", "secret-pw-1"}}, true, "/auth/login");
    EXPECT_EQ(x.header("location"), "/index") << evil;
  }
}

TEST_P(MbWeb, CsrfIsRequiredOnEveryForm) {
  Browser b(srv);
  ASSERT_TRUE(b.register_user("john", "secret-pw-1"));
  // A login without the token does not log in.
  auto r = b.post("/auth/login", {{"username", "john"}, {"password", "secret-pw-1"}}, false);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(contains(r.body, "The CSRF token is missing."));
  r = b.post("/auth/login",
             {{"username", "john"}, {"password", "secret-pw-1"}, {"csrf_token", "1.x.y"}});
  EXPECT_EQ(r.status, 200);
  ASSERT_TRUE(b.login("john", "secret-pw-1"));
  r = b.post("/index", {{"post", "forged"}}, false);
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(contains(b.get("/explore").body, "forged"));
  // Another session's token is refused too.
  Browser other(srv);
  auto stolen = other.csrf_from("/auth/login");
  r = b.post("/index", {{"post", "forged2"}, {"csrf_token", stolen}});
  EXPECT_EQ(r.status, 200);
  Browser susan(srv);
  susan.signup("susan");
  r = b.post("/follow/susan", {}, false);
  EXPECT_EQ(r.header("location"), "/index");
  EXPECT_TRUE(contains(b.get("/user/susan").body, ">Follow<") ||
              contains(b.get("/user/susan").body, "value=\"Follow\""));
}

TEST_P(MbWeb, CookiesAreHardenedAndRememberMeLasts) {
  Browser b(srv);
  ASSERT_TRUE(b.register_user("john", "secret-pw-1"));
  auto r = b.post("/auth/login",
                  {{"username", "john"}, {"password", "secret-pw-1"}, {"remember_me", "y"}});
  const auto cookie = r.header("set-cookie");
  EXPECT_TRUE(contains(cookie, "HttpOnly"));
  EXPECT_TRUE(contains(cookie, "SameSite=Lax"));
  EXPECT_TRUE(contains(cookie, "Max-Age=31536000"));
  EXPECT_FALSE(contains(cookie, "Secure"));
}

TEST_P(MbWeb, LogoutEndsTheSession) {
  Browser b(srv);
  b.signup("john");
  const auto old_cookie = b.cookie();
  EXPECT_EQ(b.get("/auth/logout").status, 200);  // a confirmation form, no state change on GET
  EXPECT_EQ(b.get("/index").status, 200);
  auto r = b.post("/auth/logout", {}, true, "/index");
  EXPECT_EQ(r.header("location"), "/index");
  EXPECT_EQ(b.get("/index").status, 302);
  Browser replay(srv);
  replay.set_cookie(old_cookie);
  EXPECT_EQ(replay.get("/index").status, 302);
}

TEST_P(MbWeb, PostsFeedExploreAndPagination) {
  Browser b(srv);
  b.signup("john");
  auto r = b.post("/index", {{"post", ""}});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(contains(r.body, "This field is required."));
  r = b.post("/index", {{"post", std::string(141, 'x')}});
  EXPECT_TRUE(contains(r.body, "Field must be between 1 and 140 characters long."));
  for (int i = 0; i < 27; ++i) body_of_post(b, "post number " + std::to_string(i));
  auto home = b.get("/index");
  EXPECT_TRUE(contains(home.body, "Your post is now live!"));
  EXPECT_EQ(count_of(home.body, "<span id=\"post"), 25);
  EXPECT_TRUE(contains(home.body, "post number 26"));
  EXPECT_TRUE(contains(home.body, "href=\"/index?page=2\""));
  EXPECT_FALSE(contains(home.body, "href=\"None\""));
  auto p2 = b.get("/index?page=2");
  EXPECT_EQ(count_of(p2.body, "<span id=\"post"), 2);
  EXPECT_TRUE(contains(p2.body, "href=\"/index?page=1\""));
  EXPECT_EQ(count_of(b.get("/index?page=9").body, "<span id=\"post"), 0);
  EXPECT_EQ(count_of(b.get("/index?page=abc").body, "<span id=\"post"), 25);
  auto ex = b.get("/explore");
  EXPECT_TRUE(contains(ex.body, "<title>Explore - Microblog</title>"));
  EXPECT_TRUE(contains(ex.body, "Hi, john!"));
  EXPECT_FALSE(contains(ex.body, "name=\"post\""));
  EXPECT_TRUE(contains(ex.body, "a few seconds ago"));
}

// The home feed over several pages when the people followed post at very
// different rates: every post of the user and of those followed appears
// exactly once, newest first, across the pages (the feed bounds its index
// reads by each person's k-th newest post; storage/posts.cpp, feed).
TEST_P(MbWeb, FeedPagesMergePeopleWhoPostAtDifferentRates) {
  Browser ann(srv), busy(srv), quiet(srv), stranger(srv);
  ann.signup("ann");
  busy.signup("busy");
  quiet.signup("quiet");
  stranger.signup("stranger");
  ann.post("/follow/busy", {}, true, "/user/busy");
  ann.post("/follow/quiet", {}, true, "/user/quiet");
  std::vector<std::string> expected;  // oldest first
  for (int i = 0; i < 40; ++i) {
    expected.push_back(body_of_post(busy, "busy says " + std::to_string(i)));
    if (i % 13 == 5) expected.push_back(body_of_post(quiet, "quiet says " + std::to_string(i)));
    if (i % 17 == 9) expected.push_back(body_of_post(ann, "ann says " + std::to_string(i)));
    if (i % 3 == 0) body_of_post(stranger, "stranger says " + std::to_string(i));
  }
  ASSERT_EQ(expected.size(), 45U);
  std::vector<std::string> seen;
  for (int page = 1; page <= 3; ++page) {
    const auto body = ann.get("/index?page=" + std::to_string(page)).body;
    EXPECT_FALSE(contains(body, "stranger says"));
    std::size_t at = 0;
    while ((at = body.find("<span id=\"post", at)) != std::string::npos) {
      const auto text = body.find("says ", at);
      ASSERT_NE(text, std::string::npos);
      const auto start = body.rfind('>', text) + 1;
      const auto end = body.find('<', text);
      seen.push_back(body.substr(start, end - start));
      at = end;
    }
    EXPECT_EQ(contains(body, "href=\"/index?page=" + std::to_string(page + 1) + "\""), page < 2)
        << page;
  }
  const std::vector<std::string> newest_first(expected.rbegin(), expected.rend());
  EXPECT_EQ(seen, newest_first);
}

// test_follow and test_follow_posts through the pages.
TEST_P(MbWeb, FollowAndFollowedPosts) {
  Browser john(srv), susan(srv), mary(srv), david(srv);
  john.signup("john");
  susan.signup("susan");
  mary.signup("mary");
  david.signup("david");
  body_of_post(john, "post from john");
  std::this_thread::sleep_for(5ms);
  body_of_post(susan, "post from susan");
  std::this_thread::sleep_for(5ms);
  body_of_post(mary, "post from mary");
  std::this_thread::sleep_for(5ms);
  body_of_post(david, "post from david");

  auto profile = john.get("/user/susan");
  EXPECT_TRUE(contains(profile.body, "0 followers, 0 following"));
  auto r = john.post("/follow/susan", {}, true, "/user/susan");
  EXPECT_EQ(r.header("location"), "/user/susan");
  profile = john.get("/user/susan");
  EXPECT_TRUE(contains(profile.body, "You are following susan!"));
  EXPECT_TRUE(contains(profile.body, "1 followers, 0 following"));
  EXPECT_TRUE(contains(profile.body, "value=\"Unfollow\""));
  EXPECT_TRUE(contains(john.get("/user/john").body, "0 followers, 1 following"));
  r = john.post("/unfollow/susan", {}, true, "/user/susan");
  profile = john.get("/user/susan");
  EXPECT_TRUE(contains(profile.body, "You are not following susan."));
  EXPECT_TRUE(contains(profile.body, "0 followers, 0 following"));

  john.post("/follow/susan", {}, true, "/user/susan");
  john.post("/follow/david", {}, true, "/user/david");
  susan.post("/follow/mary", {}, true, "/user/mary");
  mary.post("/follow/david", {}, true, "/user/david");
  auto order = [](Browser& b, std::vector<std::string> names) {
    const auto body = b.get("/index").body;
    std::size_t last = 0;
    for (const auto& n : names) {
      const auto pos = body.find("post from " + n);
      if (pos == std::string::npos || pos < last) return false;
      last = pos;
    }
    return count_of(body, "<span id=\"post") == static_cast<int>(names.size());
  };
  EXPECT_TRUE(order(john, {"david", "susan", "john"}));
  EXPECT_TRUE(order(susan, {"mary", "susan"}));
  EXPECT_TRUE(order(mary, {"david", "mary"}));
  EXPECT_TRUE(order(david, {"david"}));

  // Edge cases of the follow routes.
  r = john.post("/follow/nobody", {}, true, "/index");
  EXPECT_EQ(r.header("location"), "/index");
  EXPECT_TRUE(contains(john.get("/index").body, "User nobody not found."));
  r = john.post("/follow/john", {}, true, "/index");
  EXPECT_EQ(r.header("location"), "/user/john");
  EXPECT_TRUE(contains(john.get("/user/john").body, "You cannot follow yourself!"));
  EXPECT_EQ(john.get("/follow/susan").status, 405);
}

// Lists of posts are cached per instance (web/page.cpp posts_html_cached)
// and checked against the database's content version: a post, a follow or a
// name change made through a second instance on the same database shows on
// the next page of the first.
TEST_P(MbWeb, CachedListsSeeWritesMadeOnAnotherInstance) {
  MbServer other(GetParam(), {{"MICROBLOG_DATABASE_URL", srv.db_url()}});
  Browser ann(srv), bob(other);
  ann.signup("ann");
  bob.signup("bob");
  body_of_post(ann, "first post from ann");
  // Fill the first instance's cache: feed, explore and the profile.
  EXPECT_TRUE(contains(ann.get("/index").body, "first post from ann"));
  EXPECT_FALSE(contains(ann.get("/explore").body, "hello from bob"));
  EXPECT_FALSE(contains(ann.get("/user/bob").body, "hello from bob"));

  body_of_post(bob, "hello from bob");  // on the other instance
  EXPECT_TRUE(contains(ann.get("/explore").body, "hello from bob"));
  EXPECT_TRUE(contains(ann.get("/user/bob").body, "hello from bob"));
  EXPECT_FALSE(contains(ann.get("/index").body, "hello from bob"));  // not followed yet

  Browser ann_there(other);
  ASSERT_TRUE(ann_there.login("ann", "secret-pw-1"));
  ann_there.post("/follow/bob", {}, true, "/user/bob");
  EXPECT_TRUE(contains(ann.get("/index").body, "hello from bob"));

  // A new username shows on posts rendered before the change.
  auto r =
      bob.post("/edit_profile", {{"username", "robert"}, {"about_me", ""}}, true, "/edit_profile");
  EXPECT_EQ(r.status, 302);
  const auto feed = ann.get("/index").body;
  EXPECT_TRUE(contains(feed, ">robert</a>"));
  EXPECT_FALSE(contains(feed, ">bob</a>"));
  // Relative times are filled in on every page, not cached as text.
  EXPECT_EQ(count_of(feed, "\x1f"), 0);
  EXPECT_TRUE(contains(feed, "</time>"));
}

TEST_P(MbWeb, ProfilePopupAndEditProfile) {
  Browser b(srv);
  b.signup("john");
  auto me = b.get("/user/john");
  EXPECT_TRUE(contains(me.body, "<title>Welcome to Microblog</title>"));
  EXPECT_TRUE(contains(me.body, "User: john"));
  EXPECT_TRUE(contains(me.body, "Edit your profile"));
  EXPECT_TRUE(contains(me.body, "Last seen on"));
  // The avatar is drawn here (issue 17; Gravatar only when chosen).
  EXPECT_TRUE(contains(me.body, "/256.svg?v=1\" width=\"256\" height=\"256\""));
  EXPECT_EQ(b.get("/user/nobody").status, 404);
  EXPECT_TRUE(contains(b.get("/user/nobody").body, "Not Found"));
  EXPECT_EQ(b.get("/user/john/popup").status, 200);
  EXPECT_EQ(b.get("/user/nobody/popup").status, 404);
  // JSON for non-browser clients.
  auto api404 = b.send("GET", "/user/nobody", "", {{"Accept", "*/*"}});
  EXPECT_EQ(api404.body, "{\"error\":\"Not Found\"}");

  auto form = b.get("/edit_profile");
  EXPECT_TRUE(contains(form.body, "value=\"john\""));
  Browser other(srv);
  other.signup("susan");
  auto r = b.post("/edit_profile", {{"username", "susan"}, {"about_me", "hi"}});
  EXPECT_TRUE(contains(r.body, "Please use a different username."));
  r = b.post("/edit_profile", {{"username", "johnny"}, {"about_me", "<b>hi</b> there"}});
  EXPECT_EQ(r.header("location"), "/edit_profile");
  EXPECT_TRUE(contains(b.get("/edit_profile").body, "Your changes have been saved."));
  auto prof = b.get("/user/johnny");
  EXPECT_TRUE(contains(prof.body, "&lt;b&gt;hi&lt;/b&gt; there"));
  EXPECT_FALSE(contains(prof.body, "<b>hi</b>"));
}

TEST_P(MbWeb, MessagesAndNotifications) {
  Browser john(srv), susan(srv);
  john.signup("john");
  susan.signup("susan");
  EXPECT_EQ(john.get("/send_message/nobody").status, 404);
  auto r = john.post("/send_message/susan", {{"message", "hello susan"}});
  EXPECT_EQ(r.header("location"), "/user/susan");
  EXPECT_TRUE(contains(john.get("/user/susan").body, "Your message has been sent."));
  auto home = susan.get("/index");
  EXPECT_TRUE(contains(home.body, "id=\"message_count\" class=\"badge text-bg-danger\">1<"));
  auto n = json(susan.send("GET", "/notifications?since=0", "", {{"Accept", "application/json"}}));
  ASSERT_EQ(n.as_array().size(), 1u);
  EXPECT_EQ(n.as_array()[0].at("name"), "unread_message_count");
  EXPECT_EQ(n.as_array()[0].at("data"), 1);
  const double ts = n.as_array()[0].at("timestamp").as_double();
  auto later = json(susan.get("/notifications?since=" + std::to_string(ts + 1)));
  EXPECT_TRUE(later.as_array().empty());
  auto msgs = susan.get("/messages");
  EXPECT_TRUE(contains(msgs.body, "hello susan"));
  EXPECT_TRUE(contains(msgs.body, "<h1>Messages</h1>"));
  EXPECT_TRUE(contains(susan.get("/index").body, "badge text-bg-danger d-none\">0<"));
  auto after = json(susan.get("/notifications"));
  ASSERT_EQ(after.as_array().size(), 1u);
  EXPECT_EQ(after.as_array()[0].at("data"), 0);
}

TEST_P(MbWeb, SearchUsesFullText) {
  Browser b(srv);
  b.signup("john");
  body_of_post(b, "the quick brown fox");
  body_of_post(b, "a lazy dog sleeps");
  body_of_post(b, "another fox appears");
  EXPECT_EQ(b.get("/search").header("location"), "/explore");
  EXPECT_EQ(b.get("/search?q=+").header("location"), "/explore");
  auto r = b.get("/search?q=fox");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(contains(r.body, "<title>Search - Microblog</title>"));
  EXPECT_TRUE(contains(r.body, "the quick brown fox"));
  EXPECT_TRUE(contains(r.body, "another fox appears"));
  EXPECT_FALSE(contains(r.body, "lazy dog"));
  EXPECT_EQ(count_of(b.get("/search?q=%22fox%22+OR+dog").body, "<span id=\"post"), 0);
  EXPECT_EQ(count_of(b.get("/search?q=nothing").body, "<span id=\"post"), 0);
}

TEST_P(MbWeb, PasswordResetThroughTheOutbox) {
  Browser b(srv);
  ASSERT_TRUE(b.register_user("john", "old-password", "john@example.com"));
  auto r = b.post("/auth/reset_password_request", {{"email", "nobody@example.com"}});
  EXPECT_EQ(r.header("location"), "/auth/login");
  r = b.post("/auth/reset_password_request", {{"email", "JOHN@example.com"}});
  EXPECT_EQ(r.header("location"), "/auth/login");
  EXPECT_TRUE(contains(b.get("/auth/login").body, "Check your email for the instructions"));
  std::vector<std::string> mails;
  for (int i = 0; i < 100 && mails.empty(); ++i) {
    mails = outbox_messages(srv.outbox());
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_TRUE(contains(mails[0], "Subject: [Microblog] Reset Your Password"));
  EXPECT_TRUE(contains(mails[0], "To: john@example.com"));
  const auto text = mail_text(mails[0]);
  EXPECT_TRUE(contains(text, "Dear john,"));
  const auto start = text.find("/auth/reset_password/");
  ASSERT_NE(start, std::string::npos) << text;
  const auto path = text.substr(start, text.find('\n', start) - start);
  EXPECT_EQ(b.get("/auth/reset_password/garbage").header("location"), "/index");
  auto form = b.get(path);
  EXPECT_EQ(form.status, 200);
  EXPECT_TRUE(contains(form.body, "Reset Your Password"));
  r = b.post(path, {{"password", "new-password"}, {"password2", "new-password"}});
  EXPECT_EQ(r.header("location"), "/auth/login");
  EXPECT_TRUE(contains(b.get("/auth/login").body, "Your password has been reset."));
  // Single use: the link dies with the old password.
  EXPECT_EQ(b.get(path).header("location"), "/index");
  EXPECT_FALSE(b.login("john", "old-password"));
  EXPECT_TRUE(b.login("john", "new-password"));
}

TEST_P(MbWeb, LegacyWerkzeugHashLogsInAndIsRehashed) {
  {
    auto pool = ts::db::Pool::open(srv.db_url());
    pool->query("INSERT INTO mb_users (username, email, password_hash) VALUES ($1, $2, $3)",
                {"legacy", "legacy@example.com",
                 "pbkdf2:sha256:1000$saltsalt$"
                 "1ed93c7a362c22ad965c712e3e7016727bbedf0fa6074c56873ed7dd5f10805f"});
    pool->query("INSERT INTO mb_users (username, email) VALUES ($1, $2)",
                {"nohash", "nohash@example.com"});
  }
  Browser b(srv);
  EXPECT_FALSE(b.login("legacy", "dog"));
  EXPECT_FALSE(b.login("nohash", "anything"));  // no 500 on a null hash
  EXPECT_TRUE(b.login("legacy", "cat"));
  auto pool = ts::db::Pool::open(srv.db_url());
  auto hash = pool->query("SELECT password_hash FROM mb_users WHERE username = 'legacy'")
                  .scalar<std::string>();
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
  Browser again(srv);
  EXPECT_TRUE(again.login("legacy", "cat"));
}

// On SQLite the feeds run on the network thread: a visit due to record
// last_seen moves to the worker pool and records it, a post is in the next
// feed, and an ended session is refused at once.
TEST_P(MbWeb, FeedsRecordLastSeenSeeNewPostsAndEndedSessions) {
  Browser b(srv);
  b.signup("ivy");
  auto pool = ts::db::Pool::open(srv.db_url());
  const auto seen = [&] {
    return pool->query("SELECT last_seen FROM mb_users WHERE username = 'ivy'")
        .scalar<std::optional<std::int64_t>>()
        .value_or(0);
  };
  const auto first = seen();
  std::this_thread::sleep_for(5ms);
  ASSERT_EQ(b.get("/explore").status, 200);
  const auto second = seen();
  EXPECT_GT(second, first);  // the interval is 0 here: every visit records it
  std::this_thread::sleep_for(5ms);
  ASSERT_EQ(b.get("/index").status, 200);
  EXPECT_GT(seen(), second);
  // Another user's post is on /explore at the next request.
  Browser other(srv);
  other.signup("oak");
  body_of_post(other, "fresh words from oak");
  EXPECT_TRUE(contains(b.get("/explore").body, "fresh words from oak"));
  // Logged out everywhere (a password change ends the other sessions): the
  // old cookie no longer opens the feed.
  Browser copy(srv);
  copy.set_cookie(b.cookie());
  ASSERT_EQ(copy.get("/index").status, 200);
  ASSERT_EQ(b.post("/auth/logout", {}, true, "/index").status, 302);
  EXPECT_EQ(copy.get("/index").status, 302);
  EXPECT_EQ(copy.get("/explore").status, 302);
}

TEST_P(MbWeb, LoginIsRateLimited) {
  Browser b(srv);
  ASSERT_TRUE(b.register_user("john", "secret-pw-1"));
  int limited = 0;
  for (int i = 0; i < 14; ++i) {
    auto r = b.post("/auth/login", {{"username", "john"}, {"password", "wrong"}});
    if (r.status == 429) ++limited;
  }
  EXPECT_GT(limited, 0);
}

TEST_P(MbWeb, SpanishFromAcceptLanguage) {
  Browser b(srv, "es-MX,es;q=0.9");
  auto r = b.get("/auth/login");
  EXPECT_TRUE(contains(r.body, "<title>Ingresar - Microblog</title>"));
  EXPECT_TRUE(contains(r.body, "Nombre de usuario"));
  EXPECT_TRUE(contains(r.body, "¿Usuario Nuevo?"));
  ASSERT_TRUE(b.register_user("ana", "secret-pw-1"));
  ASSERT_TRUE(b.login("ana", "secret-pw-1"));
  body_of_post(b, "hola");
  auto home = b.get("/index");
  EXPECT_TRUE(contains(home.body, "¡Hola, ana!"));
  EXPECT_TRUE(contains(home.body, "¡Tu artículo ha sido publicado!"));
  EXPECT_TRUE(contains(home.body, "hace unos segundos"));
}

TEST_P(MbWeb, StaticFilesAndSecurityHeaders) {
  Browser b(srv);
  auto gif = b.get("/static/loading.gif");
  EXPECT_EQ(gif.status, 200);
  EXPECT_EQ(gif.header("content-type"), "image/gif");
  EXPECT_EQ(b.get("/static/microblog.js").status, 200);
  EXPECT_EQ(b.get("/static/..%2Fsecret").status, 404);
  auto page = b.get("/auth/login");
  EXPECT_TRUE(contains(page.header("content-security-policy"), "script-src 'self'"));
  EXPECT_EQ(page.header("x-frame-options"), "DENY");
}

TEST_P(MbWeb, TranslateNeedsCsrfAndReportsMissingService) {
  Browser b(srv);
  b.signup("john");
  const auto token = b.csrf_from("/index");
  auto r =
      b.send("POST", "/translate", R"({"text":"hola","source_language":"es","dest_language":"en"})",
             {{"Content-Type", "application/json"}, {"X-CSRF-Token", token}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json(r).at("text"), "Error: the translation service is not configured.");
  r = b.send("POST", "/translate", R"({"text":"hola"})",
             {{"Content-Type", "application/json"}, {"X-CSRF-Token", token}});
  EXPECT_EQ(r.status, 400);
  r = b.send("POST", "/translate", R"({"text":"hola","source_language":"es","dest_language":"en"})",
             {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 400);
}

TEST_P(MbWeb, ExportPostsIsAQueuedJobThatMailsJson) {
  Browser b(srv);
  b.signup("john");
  body_of_post(b, "first post");
  body_of_post(b, "second \"post\"");
  EXPECT_TRUE(contains(b.get("/user/john").body, "Export your posts"));
  EXPECT_EQ(b.get("/export_posts").status, 405);
  auto r = b.post("/export_posts", {}, true, "/user/john");
  EXPECT_EQ(r.header("location"), "/user/john");
  std::vector<std::string> mails;
  for (int i = 0; i < 200 && mails.empty(); ++i) {
    mails = outbox_messages(srv.outbox());
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_TRUE(contains(mails[0], "Subject: [Microblog] Your blog posts"));
  EXPECT_TRUE(contains(mails[0], "filename=\"posts.json\""));
  // Progress reached 100 and the task is complete.
  bool done = false;
  for (int i = 0; i < 50 && !done; ++i) {
    auto n = json(b.get("/notifications"));
    for (const auto& x : n.as_array())
      if (x.at("name") == "task_progress" && x.at("data").at("progress") == 100) done = true;
    if (!done) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(done);
  EXPECT_TRUE(contains(b.get("/user/john").body, "Export your posts"));
}

INSTANTIATE_TEST_SUITE_P(Db, MbWeb, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });
