// Home, explore, profiles, popup, edit profile, follow/unfollow (spec §2.3).
#include "microblog/domain/i18n.hpp"
#include "microblog/domain/language.hpp"
#include "microblog/domain/text.hpp"
#include "microblog/domain/timefmt.hpp"
#include "microblog/web/avatar.hpp"
#include "microblog/web/page.hpp"
#include "platform/core/text.hpp"
#include "platform/http/error.hpp"

namespace microblog::web {
namespace {

int page_number(Page& p) {
  return domain::parse_page(p.req.query_param("page"));
}

storage::UserRow find_user(Page& p) {
  auto u = storage::user_by_username(*p.app.db, std::string(p.req.param("username")));
  if (!u) throw ts::http::HttpError::not_found();
  return *u;
}

Response home(Page& p, const storage::UserRow& me, bool with_form) {
  Form f;
  f.fields = {{"post", p.t("Say something"), "textarea"}};
  f.fields[0].minlength = 1;
  f.fields[0].maxlength = 140;
  f.submit = p.t("Submit");
  if (with_form && p.is_post()) {
    p.fill(f);
    p.length(f["post"], 1, 140);
    if (f.valid()) {
      const auto body = f["post"].value;
      storage::create_post(*p.app.db, me.id, body, domain::detect_language(body), domain::now_us());
      p.flash(p.t("Your post is now live!"));
      return p.redirect("/index");
    }
  }
  const int page = page_number(p);
  const int per = p.app.settings.posts_per_page;
  bool has_more = false;
  const auto uid = me.id;
  auto posts_html = p.posts_html_cached(
      with_form ? "feed:" + std::to_string(uid) + ":" + std::to_string(page)
                : "explore:" + std::to_string(page),
      [&] {
        return with_form ? storage::feed(*p.app.db, uid, page, per)
                         : storage::explore(*p.app.db, page, per);
      },
      has_more);
  mustache::data d;
  d.set("heading", domain::trf(p.locale, "Hi, %(username)s!", {{"username", me.username}}));
  if (with_form) put(d, "form", p.form_data(f));
  d.set("posts_html", std::move(posts_html));
  put(d, "pager", p.pager(with_form ? "/index" : "/explore", page, has_more));
  return p.render("index", p.t(with_form ? "Home" : "Explore"), std::move(d));
}

mustache::data profile_data(Page& p, const storage::UserRow& me, const storage::UserRow& u,
                            int avatar, bool short_date) {
  mustache::data d;
  d.set("username", u.username);
  d.set("url", user_url(u.username));
  d.set("avatar", avatar_url(p.app.settings, u.id, u.email, avatar));
  if (u.about_me && !u.about_me->empty()) d.set("about_me", *u.about_me);
  if (u.last_seen) {
    d.set("last_seen", short_date ? domain::format_lll_short(*u.last_seen, p.locale)
                                  : domain::format_lll(*u.last_seen, p.locale));
    d.set("last_seen_iso", domain::iso_utc(*u.last_seen, "Z"));
  }
  const auto c = storage::counts(*p.app.db, u.id);
  d.set("followers",
        domain::trf(p.locale, "%(count)d followers", {{"count", std::to_string(c.followers)}}));
  d.set("following",
        domain::trf(p.locale, "%(count)d following", {{"count", std::to_string(c.following)}}));
  const bool is_me = u.id == me.id;
  d.set("is_me", is_me);
  if (!is_me) {
    const bool following = storage::is_following(*p.app.db, me.id, u.id);
    d.set("following_user", following);
    d.set("not_following_user", !following);
    d.set("follow_url", "/follow/" + ts::core::percent_encode(u.username));
    d.set("unfollow_url", "/unfollow/" + ts::core::percent_encode(u.username));
    d.set("message_url", "/send_message/" + ts::core::percent_encode(u.username));
  } else {
    d.set("can_export", !storage::task_in_progress(*p.app.db, u.id, "export_posts"));
  }
  d.set("csrf_token", p.csrf_token());
  return d;
}

Response user_page(Page& p, const storage::UserRow& me) {
  const auto u = find_user(p);
  const int page = page_number(p);
  bool has_more = false;
  auto posts_html = p.posts_html_cached(
      "user:" + std::to_string(u.id) + ":" + std::to_string(page),
      [&] { return storage::user_posts(*p.app.db, u.id, page, p.app.settings.posts_per_page); },
      has_more);
  auto d = profile_data(p, me, u, 256, false);
  d.set("heading", p.t("User") + ": " + u.username);
  d.set("posts_html", std::move(posts_html));
  put(d, "pager", p.pager(user_url(u.username), page, has_more));
  return p.render("user", "", std::move(d));
}

Response popup(Page& p, const storage::UserRow& me) {
  const auto u = find_user(p);
  auto d = profile_data(p, me, u, 64, true);
  d.set("t", mustache::data{});
  mustache::data t;
  t.set("last_seen_on", p.t("Last seen on"));
  t.set("follow", p.t("Follow"));
  t.set("unfollow", p.t("Unfollow"));
  d.set("t", t);
  return p.finish(Response::html(p.app.templates.render("popup", d)));
}

Response edit_profile(Page& p, const storage::UserRow& me) {
  Form f;
  f.fields = {{"username", p.t("Username")}, {"about_me", p.t("About me"), "textarea"}};
  f["about_me"].required = false;
  f["about_me"].maxlength = 140;
  f.submit = p.t("Submit");
  if (p.is_post()) {
    p.fill(f);
    auto& u = f["username"];
    u.value = std::string(ts::core::trim(u.value));
    if (u.errors.empty() && !domain::valid_username(u.value))
      u.errors.push_back(
          p.t("Usernames may only use letters, digits, '.', '_' and '-' (at most 64)."));
    if (u.errors.empty() && u.value != me.username &&
        storage::username_taken(*p.app.db, u.value, me.id))
      u.errors.push_back(p.t("Please use a different username."));
    p.length(f["about_me"], 0, 140);
    if (f.valid()) {
      try {
        storage::update_user(*p.app.db, me.id, u.value, me.email, f["about_me"].value);
        p.flash(p.t("Your changes have been saved."));
        return p.redirect("/edit_profile");
      } catch (const ts::db::UniqueViolation&) {
        u.errors.push_back(p.t("Please use a different username."));
      }
    }
  } else {
    f["username"].value = me.username;
    f["about_me"].value = me.about_me.value_or("");
  }
  return p.form_page(f, p.t("Edit Profile"), p.t("Edit Profile"));
}

Response follow_action(Page& p, const storage::UserRow& me, bool follow) {
  if (!p.csrf_valid()) return p.redirect("/index");
  const std::string name(p.req.param("username"));
  auto u = storage::user_by_username(*p.app.db, name);
  if (!u) {
    p.flash(domain::trf(p.locale, "User %(username)s not found.", {{"username", name}}));
    return p.redirect("/index");
  }
  if (u->id == me.id) {
    p.flash(p.t(follow ? "You cannot follow yourself!" : "You cannot unfollow yourself!"));
    return p.redirect(user_url(name));
  }
  if (follow) {
    storage::follow(*p.app.db, me.id, u->id);
    p.flash(domain::trf(p.locale, "You are following %(username)s!", {{"username", name}}));
  } else {
    storage::unfollow(*p.app.db, me.id, u->id);
    p.flash(domain::trf(p.locale, "You are not following %(username)s.", {{"username", name}}));
  }
  return p.redirect(user_url(name));
}

}  // namespace

void register_pages(Microblog& app, ts::http::Router& r) {
  const auto home_page = [](Page& p, const storage::UserRow& me) { return home(p, me, true); };
  // The feeds only read (the session's user, the cached list or its query):
  // on SQLite they run on the network thread, on PostgreSQL in a fiber on it.
  // A visit that is due to record last_seen moves to the worker pool for that
  // write (touch_last_seen), running the page again there. When every visit
  // writes (an interval of 0, the original's behaviour) the feeds start on the
  // worker pool instead: inline first would be every request done twice
  // (bench/microblog.sh index_every: 21k → 16k req/s when they did).
  ts::http::RouteOptions feeds = no_session_inline();
  feeds.db_only = true;
  if (app.db->dialect() == ts::db::Dialect::sqlite && app.settings.last_seen_interval_us > 0)
    feeds = {.blocking = false};
  for (const char* path : {"/", "/index"}) {
    r.get(path, signed_in_page(app, home_page), feeds);
    r.post(path, signed_in_page(app, home_page), {.access = ts::http::Access::user});
  }
  r.get("/explore",
        signed_in_page(app, [](Page& p, const storage::UserRow& me) { return home(p, me, false); }),
        feeds);
  r.get("/user/{username}", signed_in_page(app, user_page), no_session_inline());
  r.get("/user/{username}/popup", signed_in_page(app, popup), no_session_inline());
  r.get("/edit_profile", signed_in_page(app, edit_profile), no_session_inline());
  r.post("/edit_profile", signed_in_page(app, edit_profile), {.access = ts::http::Access::user});
  r.post("/follow/{username}",
         signed_in_page(
             app, [](Page& p, const storage::UserRow& me) { return follow_action(p, me, true); }),
         {.access = ts::http::Access::user});
  r.post("/unfollow/{username}",
         signed_in_page(
             app, [](Page& p, const storage::UserRow& me) { return follow_action(p, me, false); }),
         {.access = ts::http::Access::user});
}

}  // namespace microblog::web
