#include "microblog/web/errors.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdlib>

#include "microblog/app.hpp"
#include "microblog/web/context.hpp"
#include "microblog/web/page.hpp"
#include "platform/core/log.hpp"
#include "platform/core/text.hpp"
#include "platform/db/pool.hpp"

namespace microblog::web {

namespace json = boost::json;
using ts::http::HttpError;

namespace {

double accept_q(std::string_view accept, std::string_view type) {
  const auto slash = type.find('/');
  const auto major = type.substr(0, slash);
  double best = 0;
  int best_spec = -1;
  while (!accept.empty()) {
    auto comma = accept.find(',');
    std::string item(ts::core::trim(accept.substr(0, comma)));
    accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
    double q = 1;
    if (auto semi = item.find(';'); semi != std::string::npos) {
      auto params = item.substr(semi + 1);
      if (auto qp = params.find("q="); qp != std::string::npos)
        q = std::strtod(params.c_str() + qp + 2, nullptr);
      item = std::string(ts::core::trim(item.substr(0, semi)));
    }
    int spec = -1;
    if (item == type)
      spec = 2;
    else if (item == std::string(major) + "/*")
      spec = 1;
    else if (item == "*/*")
      spec = 0;
    if (spec > best_spec) {
      best_spec = spec;
      best = q;
    }
  }
  return best;
}

// Retry-After in whole seconds, at least one.
std::string retry_after_value(std::chrono::seconds retry_after) {
  return std::to_string(std::max<std::int64_t>(1, retry_after.count()));
}

json::object error_object(int status, const std::string& message) {
  json::object o{{"error", reason(status)}};
  if (!message.empty()) o["message"] = message;
  return o;
}

}  // namespace

const char* reason(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    default:
      return "Internal Server Error";
  }
}

HttpError api_error(int status, const std::string& message) {
  return HttpError(status, json::value(error_object(status, message)));
}

HttpError api_too_many(std::chrono::seconds retry_after) {
  return api_error(429).with_header("Retry-After",
                                    std::to_string(std::max<std::int64_t>(1, retry_after.count())));
}

HttpError api_bearer_failure() {
  return api_error(401).with_header("WWW-Authenticate", "Bearer realm=\"Authentication Required\"");
}

HttpError api_basic_failure() {
  return api_error(401).with_header("WWW-Authenticate", "Basic realm=\"Authentication Required\"");
}

ts::http::Handler api_handler(std::function<Response(Request&)> fn) {
  return [fn = std::move(fn)](Request& req) -> Response {
    try {
      return fn(req);
    } catch (const HttpError& e) {
      if (e.body().is_object() && e.body().as_object().contains("error")) throw;
      throw api_error(e.status());
    } catch (const ts::db::ConnectionLost&) {
      throw;
    } catch (const ts::db::PoolTimeout&) {
      throw;
    } catch (const ts::db::UniqueViolation&) {
      throw api_error(400, "please use a different username");
    } catch (const std::exception&) {
      throw api_error(500);
    }
  };
}

Response json_error(int status, const std::string& message) {
  return Response::json(error_object(status, message), status);
}

bool wants_json(const Request& req) {
  auto accept = req.header("Accept");
  if (!accept || accept->empty()) return true;
  return accept_q(*accept, "application/json") >= accept_q(*accept, "text/html");
}

Response error_response(Microblog& app, Request& req, int status) {
  const bool nf = status == 404;
  if (wants_json(req))
    return Response::json(json::object{{"error", nf ? "Not Found" : "Internal Server Error"}},
                          status);
  try {
    auto ctx = RequestContext::load(app, req);
    touch_last_seen(ctx);
    Page p(ctx);
    return p.render(nf ? "404" : "500", "", view::data{}, status);
  } catch (const std::exception&) {
    return Response::html("<h1>Internal Server Error</h1>", status);
  }
}

Response page_failure(Microblog& app, Request& req, std::exception_ptr e) {
  try {
    std::rethrow_exception(std::move(e));
  } catch (const HttpError& h) {
    if (h.status() == 404) return error_response(app, req, 404);
    throw;
  } catch (const ts::db::ConnectionLost&) {
    throw;
  } catch (const ts::db::PoolTimeout&) {
    throw;
  } catch (const std::exception& x) {
    ts::log::error("unhandled error", {{"error", x.what()}, {"request_id", req.request_id}});
    return error_response(app, req, 500);
  }
}

Response form_too_many(Page& p, Form& f, std::chrono::seconds retry_after,
                       const std::function<Response()>& render, const char* message) {
  f.errors.push_back(p.t(message));
  auto r = render();
  r.status = 429;
  r.headers.set("Retry-After", retry_after_value(retry_after));
  return r;
}

Response login_redirect(RequestContext& ctx) {
  ctx.flash(ctx.t("Please log in to access this page."));
  const auto& req = ctx.req;
  const std::string target = req.path + (req.query.empty() ? "" : "?" + req.query);
  return ctx.redirect("/auth/login?next=" + ts::core::percent_encode(target));
}

void register_not_found(Microblog& app, ts::http::Router& r) {
  r.set_fallback([&app](Request& req) -> Response {
    const std::string_view path = req.path;
    if (path == "/api" || path.starts_with("/api/")) return json_error(404);
    return error_response(app, req, 404);
  });
}

}  // namespace microblog::web
