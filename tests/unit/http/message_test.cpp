#include "platform/http/message.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string>

#include "platform/http/error.hpp"
#include "platform/http/router.hpp"

using ts::http::decode_segment;
using ts::http::form_decode;
using ts::http::Headers;
using ts::http::HttpError;
using ts::http::Method;
using ts::http::Request;
using ts::http::Response;

using namespace std::string_literals;

TEST(FormDecode, PlusIsSpaceAndEscapesDecode) {
  EXPECT_EQ(form_decode(""), "");
  EXPECT_EQ(form_decode("plain"), "plain");
  EXPECT_EQ(form_decode("a+b%20c"), "a b c");
  EXPECT_EQ(form_decode("%41%4a%4A"), "AJJ");
  EXPECT_EQ(form_decode("%2B"), "+");
  EXPECT_EQ(form_decode("caf%C3%A9"), "caf\xC3\xA9");
  EXPECT_EQ(form_decode("%00"), "\0"s);  // form values may carry any byte
  EXPECT_EQ(form_decode("100%25"), "100%");
}

TEST(FormDecode, MalformedEscapeIsNullopt) {
  for (const char* s : {"%", "%4", "a%", "a%4", "%zz", "%4g", "%g4", "ok%2"}) {
    SCOPED_TRACE(s);
    EXPECT_EQ(form_decode(s), std::nullopt);
  }
}

TEST(DecodeSegment, DecodesEscapesButNotPlus) {
  EXPECT_EQ(decode_segment(""), "");
  EXPECT_EQ(decode_segment("a+b"), "a+b");
  EXPECT_EQ(decode_segment("a%2Fb"), "a/b");
  EXPECT_EQ(decode_segment("%e2%82%ac"), "\xE2\x82\xAC");
  EXPECT_EQ(decode_segment("x%20"), "x ");
}

TEST(DecodeSegment, BadEscapeOrNulIsNullopt) {
  for (const char* s : {"%", "%2", "a%A", "%zz", "%-1", "%00", "ab%00cd"}) {
    SCOPED_TRACE(s);
    EXPECT_EQ(decode_segment(s), std::nullopt);
  }
}

TEST(Headers, LookupIsCaseInsensitive) {
  Headers h;
  h.add("Content-Type", "text/plain");
  EXPECT_EQ(h.get("content-type"), "text/plain");
  EXPECT_EQ(h.get("CONTENT-TYPE"), "text/plain");
  EXPECT_TRUE(h.contains("Content-type"));
  EXPECT_FALSE(h.contains("Content-Length"));
  EXPECT_EQ(h.get("Content-Typ"), std::nullopt);
}

TEST(Headers, AddKeepsEveryValueGetReturnsFirst) {
  Headers h;
  h.add("Set-Cookie", "a=1");
  h.add("set-cookie", "b=2");
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h.get("SET-COOKIE"), "a=1");
}

TEST(Headers, SetReplacesEveryFieldOfThatName) {
  Headers h;
  h.add("X-A", "1");
  h.add("x-a", "2");
  h.add("X-B", "keep");
  h.set("X-a", "3");
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h.get("x-A"), "3");
  EXPECT_EQ(h.get("X-B"), "keep");
}

TEST(Headers, EraseRemovesEveryFieldOfThatName) {
  Headers h;
  h.add("Vary", "Origin");
  h.add("VARY", "Cookie");
  h.add("Other", "x");
  h.erase("vary");
  EXPECT_EQ(h.size(), 1u);
  EXPECT_FALSE(h.contains("Vary"));
  h.erase("absent");
  EXPECT_EQ(h.size(), 1u);
}

TEST(Headers, Iequals) {
  EXPECT_TRUE(ts::http::iequals("X-Request-Id", "x-request-id"));
  EXPECT_FALSE(ts::http::iequals("abc", "abd"));
  EXPECT_FALSE(ts::http::iequals("abc", "ab"));
  // Only ASCII letters fold: '@' (0x40) is not '`' (0x60).
  EXPECT_FALSE(ts::http::iequals("@", "`"));
}

TEST(Method, NamesRoundTrip) {
  for (auto m : {Method::get, Method::head, Method::post, Method::put, Method::patch, Method::del,
                 Method::options}) {
    EXPECT_EQ(ts::http::parse_method(ts::http::method_name(m)), m);
  }
  EXPECT_EQ(ts::http::method_name(Method::del), "DELETE");
  EXPECT_EQ(ts::http::parse_method("get"), Method::other);  // methods are case-sensitive
  EXPECT_EQ(ts::http::parse_method("BREW"), Method::other);
}

TEST(Request, QueryParam) {
  Request req;
  EXPECT_EQ(req.query_param("a"), std::nullopt);
  req.query = "a=1&b=x+y%21&flag&bad=%zz&a=2&q%20k=v&empty=";
  EXPECT_EQ(req.query_param("a"), "1");  // the first wins
  EXPECT_EQ(req.query_param("b"), "x y!");
  EXPECT_EQ(req.query_param("flag"), "");
  EXPECT_EQ(req.query_param("empty"), "");
  EXPECT_EQ(req.query_param("bad"), std::nullopt);
  EXPECT_EQ(req.query_param("q k"), "v");
  EXPECT_EQ(req.query_param("missing"), std::nullopt);
  EXPECT_EQ(req.query_param("fla"), std::nullopt);
}

// Found by tests/fuzz/fuzz_form (regression input corpus/form/empty-pairs):
// an empty pair in the middle of a query answered query_param("") with "",
// one at the end did not. Neither names a parameter; "=" does (empty name).
TEST(Request, QueryParamSkipsEmptyPairs) {
  Request req;
  req.query = "f=%=&";
  EXPECT_EQ(req.query_param(""), std::nullopt);
  EXPECT_EQ(req.query_param("f"), std::nullopt);  // its escape is malformed
  req.query = "a=1&&b=2";
  EXPECT_EQ(req.query_param(""), std::nullopt);
  EXPECT_EQ(req.query_param("b"), "2");
  req.query = "&&=x&a=1";
  EXPECT_EQ(req.query_param(""), "x");
  EXPECT_EQ(req.query_param("a"), "1");
}

TEST(Request, ParamAndParamInt) {
  Request req;
  req.params = {{"id", "42"},
                {"slug", "hello"},
                {"neg", "-7"},
                {"big", "99999999999999999999"},
                {"tail", "12x"}};
  EXPECT_EQ(req.param("slug"), "hello");
  EXPECT_EQ(req.param_int("id"), 42);
  EXPECT_EQ(req.param_int("neg"), -7);
  for (const char* name : {"slug", "big", "tail", "absent"}) {
    SCOPED_TRACE(name);
    try {
      (void)req.param_int(name);
      ADD_FAILURE() << "no HttpError";
    } catch (const HttpError& e) {
      EXPECT_EQ(e.status(), 404);
    }
  }
  EXPECT_THROW((void)req.param("absent"), HttpError);
}

TEST(Request, JsonBody) {
  Request req;
  req.body = R"({"name":"Mug","tags":["a","b"],"price":9.5})";
  const auto v = req.json();
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.at("name").as_string(), "Mug");
  EXPECT_EQ(v.at("tags").as_array().size(), 2u);

  for (const char* body : {"", "{", "{\"a\":}", "[1,2", "nul", "{} trailing"}) {
    SCOPED_TRACE(body);
    req.body = body;
    try {
      (void)req.json();
      ADD_FAILURE() << "no HttpError";
    } catch (const HttpError& e) {
      EXPECT_EQ(e.status(), 400);
      EXPECT_TRUE(e.body().at("detail").as_string().starts_with("JSON parse error")) << e.what();
    }
  }
}

// Found by tests/fuzz/fuzz_jwt (corpus/jwt/claims-infinity): 1e999 parsed as
// infinity, which boost::json serialises as "Infinity", not JSON. A body with
// a number out of a double's range is now a 400 like any other parse error.
TEST(Request, JsonBodyRejectsNumbersOutOfRange) {
  Request req;
  for (const char* body : {"1e999", R"({"price":1e999})", R"([1,{"a":[-1.5e3000]}])"}) {
    SCOPED_TRACE(body);
    req.body = body;
    try {
      (void)req.json();
      ADD_FAILURE() << "no HttpError";
    } catch (const HttpError& e) {
      EXPECT_EQ(e.status(), 400);
      EXPECT_EQ(e.body().at("detail").as_string(), "JSON parse error - number out of range");
    }
  }
  req.body = R"({"big":1.7976931348623157e308,"small":-1e-400,"int":18446744073709551615})";
  const auto v = req.json();
  EXPECT_EQ(boost::json::parse(boost::json::serialize(v)), v);
}

TEST(Response, Helpers) {
  auto j = Response::json(boost::json::object{{"ok", true}}, 201);
  EXPECT_EQ(j.status, 201);
  EXPECT_EQ(j.body, R"({"ok":true})");
  EXPECT_EQ(j.headers.get("content-type"), "application/json");

  auto t = Response::text("hi");
  EXPECT_EQ(t.headers.get("Content-Type"), "text/plain; charset=utf-8");
  auto h = Response::html("<p>", 404);
  EXPECT_EQ(h.status, 404);
  EXPECT_EQ(h.headers.get("Content-Type"), "text/html; charset=utf-8");

  auto r = Response::redirect("/next/?a=1", 301);
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.headers.get("Location"), "/next/?a=1");
  EXPECT_TRUE(r.body.empty());

  auto e = Response::empty(204);
  EXPECT_EQ(e.status, 204);
  EXPECT_EQ(e.headers.size(), 0u);
}
