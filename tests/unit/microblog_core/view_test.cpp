// The microblog's template engine (src/microblog/web/view.hpp): the mustache
// subset its templates use, standalone lines, escaping and parse errors.
#include <gtest/gtest.h>

#include <stdexcept>

#include "microblog/web/view.hpp"

using microblog::web::view::data;
using microblog::web::view::Template;

namespace {
std::string render(const std::string& src, const data& d) {
  std::string out;
  Template(src).render(d, out);
  return out;
}
}  // namespace

TEST(View, VariablesAreEscapedTripleAndAmpersandAreNot) {
  data d;
  d.set("x", "<a href=\"q\">Tom & 'Jerry'</a>");
  EXPECT_EQ(render("[{{x}}]", d),
            "[&lt;a href=&quot;q&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;]");
  EXPECT_EQ(render("[{{{x}}}]", d), "[<a href=\"q\">Tom & 'Jerry'</a>]");
  EXPECT_EQ(render("[{{& x }}]", d), "[<a href=\"q\">Tom & 'Jerry'</a>]");
  EXPECT_EQ(render("[{{missing}}]", d), "[]");
}

TEST(View, SectionsOverListsObjectsAndBooleans) {
  data d;
  data list{data::type::list};
  for (const char* n : {"a", "b", "c"}) {
    data item;
    item.set("n", n);
    list.push_back(std::move(item));
  }
  d.set("items", std::move(list));
  d.set("yes", true);
  d.set("no", false);
  d.set("empty", data{data::type::list});
  data me;
  me.set("name", "ann");
  d.set("me", std::move(me));
  d.set("name", "outer");
  EXPECT_EQ(render("{{#items}}<{{n}}>{{/items}}", d), "<a><b><c>");
  EXPECT_EQ(render("{{#yes}}Y{{/yes}}{{#no}}N{{/no}}{{^no}}!N{{/no}}", d), "Y!N");
  EXPECT_EQ(render("{{#empty}}E{{/empty}}{{^empty}}none{{/empty}}", d), "none");
  EXPECT_EQ(render("{{^missing}}m{{/missing}}{{#missing}}M{{/missing}}", d), "m");
  // An object section pushes its context; names not found there come from outside.
  EXPECT_EQ(render("{{#me}}{{name}}/{{yes}}{{/me}} {{name}}", d), "ann/true outer");
  EXPECT_EQ(render("{{me.name}} {{me.nope}} {{nope.name}}", d), "ann  ");
}

TEST(View, DotAndStringLists) {
  data d;
  data flashes{data::type::list};
  flashes.push_back("one & two");
  flashes.push_back("three");
  d.set("flashes", std::move(flashes));
  EXPECT_EQ(render("{{#flashes}}({{.}}){{/flashes}}", d), "(one &amp; two)(three)");
}

TEST(View, RefSharesATableAndSetReplaces) {
  data table;
  table.set("home", "Inicio");
  data d;
  d.set("t", data::ref(table));
  d.set("x", "1");
  d.set("x", "2");
  EXPECT_EQ(render("{{t.home}} {{#t}}{{home}}{{/t}} {{x}}", d), "Inicio Inicio 2");
}

TEST(View, StandaloneSectionLinesLeaveNoBlankLines) {
  data d;
  d.set("on", true);
  const std::string src =
      "<ul>\n"
      "  {{#on}}\n"
      "  <li>{{#on}}x{{/on}}</li>\n"
      "  {{/on}}\n"
      "  {{! a comment }}\n"
      "</ul>\n";
  EXPECT_EQ(render(src, d), "<ul>\n  <li>x</li>\n</ul>\n");
}

TEST(View, NestedSectionsWithTextAfterTheCloseStayOutside) {
  data d;
  d.set("a", false);
  EXPECT_EQ(render("{{#a}}inside{{/a}}after", d), "after");
  d.set("a", true);
  EXPECT_EQ(render("x{{#a}}in{{^a}}never{{/a}}side{{/a}}after", d), "xinsideafter");
}

TEST(View, ParseErrorsNameTheProblemAndLine) {
  auto error = [](const std::string& src) {
    try {
      Template t(src);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("ok\n{{#a}}x"), "section {{#a}} is never closed");
  EXPECT_EQ(error("{{#a}}\n{{/b}}"), "{{/b}} closes {{#a}} on line 2");
  EXPECT_EQ(error("{{/a}}"), "{{/a}} closes no section on line 1");
  EXPECT_EQ(error("a\nb {{x"), "unclosed tag on line 2");
  EXPECT_EQ(error("{{> part}}"), "partial {{> part}} was not expanded on line 1");
  EXPECT_EQ(error("{{=<% %>=}}"), "delimiter changes are not supported on line 1");
  EXPECT_EQ(error("{{}}"), "empty tag on line 1");
}
