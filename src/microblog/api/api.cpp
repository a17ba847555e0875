// /api: tokens and users (spec §3). Its JSON errors {"error": reason[, "message"]}
// are mapped in web/errors.cpp.
#include <boost/json.hpp>

#include <algorithm>
#include <charconv>

#include "microblog/account_mail.hpp"
#include "microblog/app.hpp"
#include "microblog/domain/text.hpp"
#include "microblog/domain/timefmt.hpp"
#include "microblog/storage/storage.hpp"
#include "microblog/web/access.hpp"
#include "microblog/web/avatar.hpp"
#include "microblog/web/errors.hpp"
#include "platform/auth/crypto.hpp"
#include "platform/auth/login.hpp"
#include "platform/core/json_text.hpp"
#include "platform/core/paginate.hpp"
#include "platform/core/text.hpp"
#include "platform/http/error.hpp"
#include "platform/http/message.hpp"
#include "platform/http/router.hpp"

namespace microblog::api {

namespace json = boost::json;
using ts::http::Request;
using ts::http::Response;

namespace {

constexpr std::int64_t kTokenLifetimeUs = 3600'000'000;

using web::api_error;
using web::api_handler;
using web::api_too_many;

// The original's JSON: keys sorted, compact, trailing newline.
json::value sorted(const json::value& v) {
  if (v.is_object()) {
    std::vector<std::pair<std::string, json::value>> kv;
    for (const auto& e : v.as_object()) kv.emplace_back(e.key(), sorted(e.value()));
    std::sort(kv.begin(), kv.end(), [](auto& a, auto& b) { return a.first < b.first; });
    json::object o;
    for (auto& [k, x] : kv) o[k] = std::move(x);
    return o;
  }
  if (v.is_array()) {
    json::array a;
    for (const auto& x : v.as_array()) a.push_back(sorted(x));
    return a;
  }
  return v;
}

Response reply(const json::value& v, int status = 200) {
  return Response(status, json::serialize(sorted(v)) + "\n", "application/json");
}

std::string token_for(const Microblog& app, const std::string& nonce) {
  return ts::auth::hex_encode(
             ts::auth::hmac_sha256(app.settings.secret_key, "mb-api-token:" + nonce))
      .substr(0, 32);
}

storage::UserRow basic_user(Microblog& app, Request& req) {
  const auto h = req.header("Authorization").value_or("");
  if (h.size() < 6 || !ts::http::iequals(h.substr(0, 6), "Basic ")) throw web::api_basic_failure();
  auto decoded = ts::auth::base64_decode(ts::core::trim(h.substr(6)));
  if (!decoded) throw web::api_basic_failure();
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) throw web::api_basic_failure();
  const auto username = decoded->substr(0, colon), password = decoded->substr(colon + 1);
  std::optional<storage::UserRow> user;
  const auto result = app.passwords.login(username, req.client_ip, password, [&] {
    user = storage::user_by_username(*app.db, username);
    return storage::login_account(*app.db, user);
  });
  if (result.refused())  // throttled, or every hash slot busy
    throw api_too_many(result.retry_after);
  if (!result) throw web::api_basic_failure();
  return *user;
}

// The original's User.to_dict(), keys in sorted order as its jsonify writes
// them, appended as JSON text: building a json::object only to serialize it
// was a fifth of the work of GET /api/users/{id}.
void append_user(std::string& out, const Settings& s, const storage::UserRow& u,
                 const storage::Counts& c) {
  using ts::json_text::append_int;
  using ts::json_text::append_string;
  using ts::json_text::append_string_or_null;
  const auto self = "/api/users/" + std::to_string(u.id);
  out += R"({"_links":{"avatar":)";
  append_string(out, web::avatar_url(s, u.id, u.email, 128));
  out += R"(,"followers":)";
  append_string(out, self + "/followers");
  out += R"(,"following":)";
  append_string(out, self + "/following");
  out += R"(,"self":)";
  append_string(out, self);
  out += R"(},"about_me":)";
  append_string_or_null(out, u.about_me);
  out += R"(,"follower_count":)";
  append_int(out, c.followers);
  out += R"(,"following_count":)";
  append_int(out, c.following);
  out += R"(,"id":)";
  append_int(out, u.id);
  out += R"(,"last_seen":)";
  append_string_or_null(out,
                        u.last_seen ? std::optional(domain::iso_utc(*u.last_seen)) : std::nullopt);
  out += R"(,"post_count":)";
  append_int(out, c.posts);
  out += R"(,"username":)";
  append_string(out, u.username);
  out += '}';
}

Response user_reply(const Settings& s, const storage::UserRow& u, const storage::Counts& c,
                    int status = 200) {
  std::string body;
  body.reserve(512);
  append_user(body, s, u, c);
  body += '\n';
  return Response(status, std::move(body), "application/json");
}

Response user_reply(Microblog& app, const storage::UserRow& u, int status = 200) {
  return user_reply(app.settings, u, storage::counts(*app.db, u.id), status);
}

int int_param(const Request& req, const char* name, int fallback) {
  auto v = req.query_param(name);
  if (!v) return fallback;
  const std::string_view text = *v;
  int out = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || p != text.data() + text.size()) return fallback;
  return out;
}

Response collection(Microblog& app, Request& req, const std::string& kind, std::int64_t uid,
                    const std::string& endpoint) {
  const int page = int_param(req, "page", 1);
  const int per_page = std::min(int_param(req, "per_page", 10), 100);
  const int qpage = page < 1 ? 1 : page;
  const int qper = per_page < 1 ? 20 : per_page;
  auto res = storage::list_users(*app.db, kind, uid, qpage, qper);
  const ts::core::Page paging{qpage, qper};
  const auto total_pages = ts::core::page_count(res.total, qper);
  auto link = [&](int pg) {
    return endpoint + "?page=" + std::to_string(pg) + "&per_page=" + std::to_string(per_page);
  };
  using ts::json_text::append_int;
  using ts::json_text::append_string;
  using ts::json_text::append_string_or_null;
  // The original's to_collection_dict, keys sorted, as JSON text.
  std::string body;
  body.reserve(256 + res.items.size() * 400);
  body += R"({"_links":{"next":)";
  append_string_or_null(body,
                        paging.has_next(res.total) ? std::optional(link(qpage + 1)) : std::nullopt);
  body += R"(,"prev":)";
  append_string_or_null(body,
                        paging.has_previous() ? std::optional(link(qpage - 1)) : std::nullopt);
  body += R"(,"self":)";
  append_string(body, link(page));
  body += R"(},"_meta":{"page":)";
  append_int(body, page);
  body += R"(,"per_page":)";
  append_int(body, per_page);
  body += R"(,"total_items":)";
  append_int(body, res.total);
  body += R"(,"total_pages":)";
  append_int(body, total_pages);
  body += R"(},"items":[)";
  for (std::size_t i = 0; i < res.items.size(); ++i) {
    if (i) body += ',';
    append_user(body, app.settings, res.items[i], res.counts[i]);
  }
  body += "]}\n";
  return Response(200, std::move(body), "application/json");
}

json::object body_object(Request& req) {
  const auto ct = req.header("Content-Type").value_or("");
  if (ct.find("json") == std::string_view::npos) throw api_error(415);
  boost::system::error_code ec;
  auto v = json::parse(req.body, ec);
  if (ec || !v.is_object()) throw api_error(400);
  return v.as_object();
}

std::optional<std::string> str_field(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) throw api_error(400, std::string(key) + " must be a string");
  return std::string(v->as_string());
}

std::int64_t path_id(Request& req) {
  return req.param_int("id");
}

// An API handler for a bearer token's user, who is handed to it.
ts::http::Handler with_token_user(Microblog& app,
                                  std::function<Response(Request&, const storage::UserRow&)> fn) {
  return api_handler([&app, fn = std::move(fn)](Request& req) {
    const auto me = web::token_user(app, req);
    return fn(req, me);
  });
}

// POST /api/tokens: the user's token, a new one when it expires within a minute.
Response create_token(Microblog& app, Request& req) {
  auto user = basic_user(app, req);
  const auto now = domain::now_us();
  auto st = storage::token_state(*app.db, user.id);
  if (st.nonce && st.expiration && *st.expiration > now + 60'000'000)
    return reply(json::object{{"token", token_for(app, *st.nonce)}});
  const auto nonce = ts::auth::random_hex(16);
  const auto token = token_for(app, nonce);
  storage::store_token(*app.db, user.id, nonce, ts::auth::sha256_hex(token),
                       now + kTokenLifetimeUs);
  return reply(json::object{{"token", token}});
}

// GET /api/users/{id}: the token check and the user in one query.
Response get_user(Microblog& app, Request& req) {
  const auto hash = web::bearer_hash(req);  // 401 before anything about the user
  const auto id = path_id(req);
  auto found = storage::user_with_counts_for_token(*app.db, hash, domain::now_us(), id);
  if (!found) throw web::api_bearer_failure();
  if (!*found) throw api_error(404);
  return user_reply(app.settings, (*found)->first, (*found)->second);
}

Response create_user(Microblog& app, Request& req) {
  auto data = body_object(req);
  auto username = str_field(data, "username"), email = str_field(data, "email"),
       password = str_field(data, "password"), about = str_field(data, "about_me");
  if (!username || !email || !password)
    throw api_error(400, "must include username, email and password fields");
  if (!domain::valid_username(*username)) throw api_error(400, "invalid username");
  if (!domain::valid_email(*email)) throw api_error(400, "invalid email address");
  if (!domain::valid_password_length(*password))
    throw api_error(400, "password must be between " + std::to_string(domain::kPasswordMin) +
                             " and " + std::to_string(domain::kPasswordMax) + " characters long");
  if (about && domain::utf8_length(*about) > 140) throw api_error(400, "about_me is too long");
  if (storage::username_taken(*app.db, *username))
    throw api_error(400, "please use a different username");
  if (storage::email_taken(*app.db, *email))
    throw api_error(400, "please use a different email address");
  // Shared with the registration form; only complete requests count.
  if (auto d = app.register_by_address.take(req.client_ip); !d.allowed)
    throw api_too_many(d.retry_after);
  const auto hash = app.passwords.hash(*password);
  const auto id = storage::create_user(*app.db, *username, *email, hash, about);
  auto res = user_reply(app, *storage::user_by_id(*app.db, id), 201);
  res.headers.set("Location", "/api/users/" + std::to_string(id));
  return res;
}

Response update_user(Microblog& app, Request& req, const storage::UserRow& me) {
  const auto id = path_id(req);
  if (me.id != id) throw api_error(403);
  auto u = storage::user_by_id(*app.db, id);
  if (!u) throw api_error(404);
  auto data = body_object(req);
  auto username = str_field(data, "username"), email = str_field(data, "email"),
       about = str_field(data, "about_me");
  if (username && *username != u->username) {
    if (!domain::valid_username(*username)) throw api_error(400, "invalid username");
    if (storage::username_taken(*app.db, *username, u->id))
      throw api_error(400, "please use a different username");
  }
  if (email && *email != u->email) {
    if (!domain::valid_email(*email)) throw api_error(400, "invalid email address");
    if (storage::email_taken(*app.db, *email, u->id))
      throw api_error(400, "please use a different email address");
  }
  if (about && domain::utf8_length(*about) > 140) throw api_error(400, "about_me is too long");
  // A new address is only mailed a confirmation link; the account keeps
  // (and mail goes to) the old one until the link is opened
  // (docs/compatibility.md). The answer's shape is unchanged.
  storage::update_user(*app.db, id, username.value_or(u->username), u->email,
                       about ? about : u->about_me);
  auto updated = *storage::user_by_id(*app.db, id);
  if (email && *email != u->email) send_email_change(app, updated, *email, "en");
  return user_reply(app, updated);
}

}  // namespace

// Who may call each route is in its registration: with_token_user hands the
// token's user to the handler; signed_in also refuses a bad token on the
// header, before a body is read.
void register_api(Microblog& app, ts::http::Router& r) {
  using storage::UserRow;
  ts::http::RouteOptions opts{.authenticate = false};
  // The read-only GETs on SQLite run on the network thread: an in-process
  // read takes less time than handing the request to the worker pool and
  // back (docs/performance.md). On PostgreSQL every query waits on the
  // network: they run in fibers on the network thread (db_only).
  ts::http::RouteOptions reads = opts;
  reads.blocking = app.db->dialect() != ts::db::Dialect::sqlite;
  reads.db_only = true;
  ts::http::RouteOptions signed_in = opts;
  signed_in.access = ts::http::Access::user;
  r.post("/api/tokens", api_handler([&app](Request& req) { return create_token(app, req); }), opts);
  r.del("/api/tokens",
        with_token_user(app,
                        [&app](Request&, const UserRow& me) {
                          storage::revoke_token(*app.db, me.id, domain::now_us());
                          return Response::empty(204);
                        }),
        signed_in);
  r.get("/api/users/{id:int}", api_handler([&app](Request& req) { return get_user(app, req); }),
        reads);
  r.get("/api/users",
        with_token_user(app,
                        [&app](Request& req, const UserRow&) {
                          return collection(app, req, "all", 0, "/api/users");
                        }),
        reads);
  for (const char* kind : {"followers", "following"}) {
    r.get(std::string("/api/users/{id:int}/") + kind,
          with_token_user(app,
                          [&app, kind](Request& req, const UserRow&) {
                            const auto id = path_id(req);
                            if (!storage::user_by_id(*app.db, id)) throw api_error(404);
                            return collection(app, req, kind, id,
                                              "/api/users/" + std::to_string(id) + "/" + kind);
                          }),
          reads);
  }
  r.post("/api/users", api_handler([&app](Request& req) { return create_user(app, req); }), opts);
  r.put("/api/users/{id:int}",
        with_token_user(
            app, [&app](Request& req, const UserRow& me) { return update_user(app, req, me); }),
        signed_in);
}

}  // namespace microblog::api
