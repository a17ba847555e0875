#include "platform/http/router.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

using ts::http::Method;
using ts::http::Request;
using ts::http::Response;
using ts::http::Router;
using ts::http::TrailingSlash;
using Kind = Router::Match::Kind;

namespace {

Response ok(Request&) {
  return Response::empty(204);
}

std::string param(const Router::Match& m, const std::string& name) {
  for (const auto& [k, v] : m.params)
    if (k == name) return v;
  ADD_FAILURE() << "no parameter " << name;
  return {};
}

}  // namespace

TEST(Router, LiteralSegmentWinsOverParameter) {
  Router r;
  r.get("/api/product/{id}/", ok);
  r.get("/api/product/new/", ok);

  auto lit = r.match(Method::get, "/api/product/new/");
  ASSERT_EQ(lit.kind, Kind::found);
  EXPECT_EQ(lit.route->pattern, "/api/product/new/");
  EXPECT_TRUE(lit.params.empty());

  auto par = r.match(Method::get, "/api/product/news/");
  ASSERT_EQ(par.kind, Kind::found);
  EXPECT_EQ(par.route->pattern, "/api/product/{id}/");
  EXPECT_EQ(param(par, "id"), "news");
}

TEST(Router, SeveralParametersAreCapturedInOrder) {
  Router r;
  r.get("/u/{user}/posts/{post:int}", ok);
  auto m = r.match(Method::get, "/u/ann/posts/17");
  ASSERT_EQ(m.kind, Kind::found);
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params[0], (std::pair<std::string, std::string>{"user", "ann"}));
  EXPECT_EQ(m.params[1], (std::pair<std::string, std::string>{"post", "17"}));
}

TEST(Router, IntConstraintAcceptsOnlyDigits) {
  Router r;
  r.get("/account/user/{pk:int}/", ok);
  EXPECT_EQ(r.match(Method::get, "/account/user/12/").kind, Kind::found);
  EXPECT_EQ(r.match(Method::get, "/account/user/007/").kind, Kind::found);
  EXPECT_EQ(r.match(Method::get, "/account/user/abc/").kind, Kind::not_found);
  EXPECT_EQ(r.match(Method::get, "/account/user/-1/").kind, Kind::not_found);
  EXPECT_EQ(r.match(Method::get, "/account/user/1.5/").kind, Kind::not_found);
  EXPECT_EQ(r.match(Method::get, "/account/user/%31/").kind, Kind::found);  // decoded "1"
  // 18 digits always fit an int64; longer runs are refused rather than overflow.
  EXPECT_EQ(r.match(Method::get, "/account/user/999999999999999999/").kind, Kind::found);
  EXPECT_EQ(r.match(Method::get, "/account/user/9999999999999999999/").kind, Kind::not_found);
}

TEST(Router, EmptySegmentDoesNotMatchParameter) {
  Router r;
  r.get("/blog/{slug}/", ok);
  EXPECT_EQ(r.match(Method::get, "/blog//").kind, Kind::not_found);
  EXPECT_EQ(r.match(Method::get, "/blog/x/").kind, Kind::found);
}

TEST(Router, UnknownPathIs404) {
  Router r;
  r.get("/items/", ok);
  EXPECT_EQ(r.match(Method::get, "/nothing/").kind, Kind::not_found);
  EXPECT_EQ(r.match(Method::get, "/items/extra/").kind, Kind::not_found);
  // An interior node without routes of its own is not a resource.
  r.get("/a/b/c/", ok);
  EXPECT_EQ(r.match(Method::get, "/a/b/").kind, Kind::not_found);
  EXPECT_EQ(r.match(Method::post, "/a/b/").kind, Kind::not_found);
}

TEST(Router, KnownPathWithOtherMethodIs405WithAllow) {
  Router r;
  r.get("/items/", ok);
  r.post("/items/", ok);
  auto m = r.match(Method::del, "/items/");
  ASSERT_EQ(m.kind, Kind::method_not_allowed);
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allow, "GET, HEAD, POST, OPTIONS");

  Router w;
  w.put("/w/{id:int}/", ok);
  w.del("/w/{id:int}/", ok);
  w.patch("/w/{id:int}/", ok);
  auto m2 = w.match(Method::get, "/w/3/");
  ASSERT_EQ(m2.kind, Kind::method_not_allowed);
  EXPECT_EQ(m2.allow, "PUT, PATCH, DELETE, OPTIONS");

  auto other = r.match(Method::other, "/items/");
  EXPECT_EQ(other.kind, Kind::method_not_allowed);
  EXPECT_EQ(other.allow, "GET, HEAD, POST, OPTIONS");
}

TEST(Router, AllowNamesEachMethodOnce) {
  Router r;
  r.get("/c/", ok);
  r.add(Method::head, "/c/", ok);
  r.add(Method::options, "/c/", ok);
  auto m = r.match(Method::post, "/c/");
  ASSERT_EQ(m.kind, Kind::method_not_allowed);
  EXPECT_EQ(m.allow, "GET, HEAD, OPTIONS");
}

TEST(Router, HeadFallsBackToGet) {
  Router r;
  r.get("/page/", ok);
  auto m = r.match(Method::head, "/page/");
  ASSERT_EQ(m.kind, Kind::found);
  EXPECT_EQ(m.route->method, Method::get);

  Router h;
  h.get("/page/", ok);
  h.add(Method::head, "/page/", ok);
  auto own = h.match(Method::head, "/page/");
  ASSERT_EQ(own.kind, Kind::found);
  EXPECT_EQ(own.route->method, Method::head);

  // HEAD does not fall back to anything but GET.
  Router p;
  p.post("/only-post/", ok);
  EXPECT_EQ(p.match(Method::head, "/only-post/").kind, Kind::method_not_allowed);
}

TEST(Router, TrailingSlashRedirectForGetAndHeadKeepsQuery) {
  Router r(TrailingSlash::redirect_get);
  r.get("/api/products/", ok);
  r.post("/api/products/", ok);
  r.get("/u/{id:int}/", ok);

  auto g = r.match(Method::get, "/api/products", "page=2&q=a+b");
  ASSERT_EQ(g.kind, Kind::redirect);
  EXPECT_EQ(g.location, "/api/products/?page=2&q=a+b");

  auto h = r.match(Method::head, "/api/products");
  ASSERT_EQ(h.kind, Kind::redirect);
  EXPECT_EQ(h.location, "/api/products/");

  auto p = r.match(Method::get, "/u/5");
  ASSERT_EQ(p.kind, Kind::redirect);
  EXPECT_EQ(p.location, "/u/5/");

  // Only safe methods are redirected: a POST would lose its body.
  EXPECT_EQ(r.match(Method::post, "/api/products").kind, Kind::not_found);
  EXPECT_EQ(r.match(Method::put, "/api/products").kind, Kind::not_found);
  // Nothing to redirect to.
  EXPECT_EQ(r.match(Method::get, "/missing").kind, Kind::not_found);
  EXPECT_EQ(r.match(Method::get, "/u/x").kind, Kind::not_found);
}

TEST(Router, NoRedirectWhenSlashedPathHasNoGet) {
  Router r(TrailingSlash::redirect_get);
  r.post("/form/", ok);
  EXPECT_EQ(r.match(Method::get, "/form").kind, Kind::not_found);
}

TEST(Router, StrictPolicyNeverRedirects) {
  Router r(TrailingSlash::strict);
  r.get("/api/products/", ok);
  EXPECT_EQ(r.policy(), TrailingSlash::strict);
  EXPECT_EQ(r.match(Method::get, "/api/products", "page=2").kind, Kind::not_found);
}

TEST(Router, ParametersArePercentDecoded) {
  Router r;
  r.get("/blog/{slug}/", ok);
  auto m = r.match(Method::get, "/blog/hello%20world%21/");
  ASSERT_EQ(m.kind, Kind::found);
  EXPECT_EQ(param(m, "slug"), "hello world!");

  // An encoded slash stays inside the one segment.
  auto s = r.match(Method::get, "/blog/a%2Fb/");
  ASSERT_EQ(s.kind, Kind::found);
  EXPECT_EQ(param(s, "slug"), "a/b");

  // '+' is literal in a path.
  EXPECT_EQ(param(r.match(Method::get, "/blog/a+b/"), "slug"), "a+b");
}

TEST(Router, BadEscapesInParameterAreBadPath) {
  Router r;
  r.get("/blog/{slug}/", ok);
  for (const char* path : {"/blog/a%zz/", "/blog/a%2/", "/blog/%/", "/blog/a%G1/", "/blog/%00/"}) {
    SCOPED_TRACE(path);
    EXPECT_EQ(r.match(Method::get, path).kind, Kind::bad_path);
  }
}

TEST(Router, DuplicateRouteThrows) {
  Router r;
  r.get("/items/", ok);
  EXPECT_THROW(r.get("/items/", ok), std::invalid_argument);
  EXPECT_NO_THROW(r.post("/items/", ok));
  r.get("/p/{id}/", ok);
  EXPECT_THROW(r.get("/p/{id}/", ok), std::invalid_argument);
}

TEST(Router, BadPatternsThrow) {
  Router r;
  EXPECT_THROW(r.get("no-leading-slash", ok), std::invalid_argument);
  EXPECT_THROW(r.get("", ok), std::invalid_argument);
  EXPECT_THROW(r.get("/x/{id:uuid}/", ok), std::invalid_argument);
  EXPECT_THROW(r.add(Method::other, "/x/", ok), std::invalid_argument);

  // Two differently named or typed parameters at one position are ambiguous.
  r.get("/a/{id}/", ok);
  EXPECT_THROW(r.get("/a/{slug}/x/", ok), std::invalid_argument);
  EXPECT_THROW(r.get("/a/{id:int}/y/", ok), std::invalid_argument);
  EXPECT_NO_THROW(r.get("/a/{id}/z/", ok));
}

TEST(Router, RoutesListsEveryRouteWithItsOptions) {
  Router r;
  ts::http::RouteOptions small;
  small.body_limit = 10;
  r.get("/a/", ok);
  r.post("/a/", ok, small);
  auto routes = r.routes();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0]->method, Method::get);
  EXPECT_EQ(routes[1]->method, Method::post);
  EXPECT_EQ(routes[1]->options.body_limit, 10u);
  EXPECT_EQ(r.match(Method::post, "/a/").route, routes[1]);
}

TEST(Router, MovedRouterStillMatches) {
  Router r(TrailingSlash::redirect_get);
  r.get("/x/{id}/", ok);
  Router moved(std::move(r));
  EXPECT_EQ(moved.match(Method::get, "/x/1/").kind, Kind::found);
  EXPECT_EQ(moved.match(Method::get, "/x/1").kind, Kind::redirect);
}
