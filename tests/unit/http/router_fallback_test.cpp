// Router::set_fallback answers unknown paths, and only those.
#include <gtest/gtest.h>

#include "platform/http/router.hpp"

using namespace ts::http;

TEST(RouterFallback, AnswersUnknownPathsOnly) {
  Router r(TrailingSlash::redirect_get);
  r.get("/known/", [](Request&) { return Response::text("known"); });
  r.set_fallback([](Request&) { return Response::html("<h1>Not found</h1>", 404); });

  auto unknown = r.match(Method::get, "/nowhere/");
  ASSERT_EQ(unknown.kind, Router::Match::found);
  EXPECT_EQ(unknown.route->pattern, "unmatched");
  Request req;
  EXPECT_EQ(unknown.route->handler(req).status, 404);

  // Other outcomes are unchanged.
  EXPECT_EQ(r.match(Method::post, "/known/").kind, Router::Match::method_not_allowed);
  EXPECT_EQ(r.match(Method::get, "/known").kind, Router::Match::redirect);
  auto known = r.match(Method::get, "/known/");
  ASSERT_EQ(known.kind, Router::Match::found);
  EXPECT_EQ(known.route->pattern, "/known/");
  // The fallback is listed with the routes so the server binds its metrics.
  EXPECT_EQ(r.routes().size(), 2u);
}

TEST(RouterFallback, WithoutOneUnknownPathsAre404) {
  Router r;
  r.get("/a", [](Request&) { return Response::text("a"); });
  EXPECT_EQ(r.match(Method::get, "/b").kind, Router::Match::not_found);
}
