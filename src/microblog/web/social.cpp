// Messages, notifications, search, export and translation (spec §2.3).
#include <boost/json.hpp>

#include "microblog/domain/i18n.hpp"
#include "microblog/domain/text.hpp"
#include "microblog/domain/timefmt.hpp"
#include "microblog/jobs.hpp"
#include "microblog/translator.hpp"
#include "microblog/web/page.hpp"
#include "platform/core/paginate.hpp"
#include "platform/core/text.hpp"
#include "platform/http/error.hpp"

namespace microblog::web {
namespace {

namespace json = boost::json;

Response send_message(Page& p, const storage::UserRow& me) {
  const std::string name(p.req.param("recipient"));
  auto recipient = storage::user_by_username(*p.app.db, name);
  if (!recipient) throw ts::http::HttpError::not_found();
  Form f;
  f.fields = {{"message", p.t("Message"), "textarea"}};
  f.fields[0].minlength = 1;
  f.fields[0].maxlength = 140;
  f.submit = p.t("Submit");
  if (p.is_post()) {
    p.fill(f);
    p.length(f["message"], 1, 140);
    if (f.valid()) {
      storage::send_message(*p.app.db, me.id, recipient->id, f["message"].value, domain::now_us());
      p.flash(p.t("Your message has been sent."));
      return p.redirect(user_url(name));
    }
  }
  return p.form_page(f,
                     domain::trf(p.locale, "Send Message to %(recipient)s", {{"recipient", name}}),
                     p.t("Send Message"));
}

Response messages(Page& p, const storage::UserRow& me) {
  storage::mark_messages_read(*p.app.db, me.id, domain::now_us());
  p.ctx.unread_messages = 0;
  const int page = domain::parse_page(p.req.query_param("page"));
  auto msgs = storage::received_messages(*p.app.db, me.id, page, p.app.settings.posts_per_page);
  mustache::data d;
  d.set("heading", p.t("Messages"));
  d.set("posts_html", p.posts_html(msgs.items, false));
  put(d, "pager", p.pager("/messages", page, msgs.has_more, true));
  return p.render("list", "", std::move(d));
}

Response notifications(Page& p, const storage::UserRow& me) {
  double since = 0;
  if (auto s = p.req.query_param("since")) {
    try {
      since = std::stod(*s);
    } catch (...) {
      since = 0;
    }
  }
  json::array out;
  for (const auto& n : storage::notifications_since(*p.app.db, me.id, since)) {
    boost::system::error_code ec;
    auto data = json::parse(n.payload_json, ec);
    out.push_back(json::object{
        {"name", n.name}, {"data", ec ? json::value() : data}, {"timestamp", n.timestamp}});
  }
  return p.finish(Response::json(out));
}

Response search(Page& p, const storage::UserRow&) {
  const auto q = std::string(ts::core::trim(p.req.query_param("q").value_or("")));
  if (q.empty()) return p.redirect("/explore");
  const int page = domain::parse_page(p.req.query_param("page"));
  const int per = p.app.settings.posts_per_page;
  auto res = storage::search_posts(*p.app.db, q, page, per);
  mustache::data d;
  d.set("heading", p.t("Search Results"));
  d.set("posts_html", p.posts_html(res.items, true));
  if (res.total == 0)
    d.set("empty_message",
          domain::trf(p.locale, "No posts found for \"%(query)s\".", {{"query", q}}));
  put(d, "pager",
      p.pager("/search?q=" + ts::core::percent_encode(q), page,
              ts::core::Page{page, per}.has_next(res.total)));
  return p.render("list", p.t("Search"), std::move(d));
}

Response export_posts(Page& p, const storage::UserRow& me) {
  const auto mine = user_url(me.username);
  if (!p.csrf_valid()) return p.redirect(mine);
  const auto now = domain::now_us();
  const auto history = storage::task_history(*p.app.db, me.id, "export_posts");
  // Each export mails the account's address: without a pause, a user could
  // flood that mailbox.
  const bool recent = !history.open && history.last_created > now - kExportIntervalUs;
  if (recent) {
    p.flash(p.t("You have exported your posts recently. Please try again in a few minutes."));
  } else if (history.open || !storage::enqueue_task(*p.app.db, new_task_id(), "export_posts",
                                                    p.t("Exporting posts..."), me.id, now)) {
    p.flash(p.t("An export task is currently in progress"));
  }
  return p.redirect(mine);
}

Response translate_text(Page& p, const storage::UserRow& me) {
  if (!p.csrf_valid()) throw api_error(400);
  json::value body;
  try {
    body = p.req.json();
  } catch (const ts::http::HttpError&) {
    return p.finish(json_error(400));
  }
  auto str = [&](const char* k) -> std::optional<std::string> {
    if (!body.is_object()) return std::nullopt;
    auto* v = body.as_object().if_contains(k);
    if (!v || !v->is_string()) return std::nullopt;
    return std::string(v->as_string());
  };
  auto text = str("text"), src = str("source_language"), dst = str("dest_language");
  auto code_ok = [](const std::optional<std::string>& c) {
    if (!c || c->empty() || c->size() > 10) return false;
    for (char ch : *c)
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-')) return false;
    return true;
  };
  if (!text || text->size() > 1000 || !code_ok(src) || !code_ok(dst))
    return p.finish(json_error(400, "text, source_language and dest_language are required"));
  const auto& tr = p.app.settings.translator;
  std::string result;
  if (!tr.enabled()) {
    result = p.t("Error: the translation service is not configured.");
  } else if (!p.app.translate_by_user.take(std::to_string(me.id)).allowed) {
    return p.finish(json_error(429));
  } else {
    auto t = translate(tr, *text, *src, *dst);
    result = t ? *t : p.t("Error: the translation service failed.");
  }
  return p.finish(Response::json(json::object{{"text", result}}));
}

}  // namespace

void register_social(Microblog& app, ts::http::Router& r) {
  r.get("/send_message/{recipient}", signed_in_page(app, send_message), no_session_inline());
  r.post("/send_message/{recipient}", signed_in_page(app, send_message),
         {.access = ts::http::Access::user});
  r.get("/messages", signed_in_page(app, messages), no_session_inline());
  r.get("/notifications", signed_in_page(app, notifications), no_session_inline());
  r.get("/search", signed_in_page(app, search), no_session_inline());
  r.post("/export_posts", signed_in_page(app, export_posts), {.access = ts::http::Access::user});
  r.post("/translate", signed_in_page(app, translate_text), {.access = ts::http::Access::user});
}

}  // namespace microblog::web
