// Without a translator the microblog says so once in its log at start-up,
// naming the settings; with one it says nothing about it.
#include <gtest/gtest.h>

#include "mb_fixture.hpp"

using namespace mb_test;

namespace {

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST(MbTranslatorNotice, WithoutATranslatorTheLogSaysOnceThatTranslationIsOff) {
  MbServer srv("sqlite");
  Browser b(srv);
  b.signup("john");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b.get("/index").status, 200);
  const auto log = srv.service().process().log();
  EXPECT_EQ(count(log, "translation is off"), 1) << log;
  for (const char* setting :
       {"MICROBLOG_TRANSLATOR ", "MICROBLOG_TRANSLATOR_URL", "MICROBLOG_TRANSLATOR_KEY"})
    EXPECT_NE(log.find(setting), std::string::npos) << setting << "\n" << log;
}

TEST(MbTranslatorNotice, WithATranslatorNothingIsSaidAboutIt) {
  MbServer srv("sqlite", {{"MICROBLOG_TRANSLATOR", "libretranslate"},
                          {"MICROBLOG_TRANSLATOR_URL", "http://127.0.0.1:9"}});
  Browser b(srv);
  b.signup("john");
  EXPECT_EQ(b.get("/index").status, 200);
  const auto log = srv.service().process().log();
  EXPECT_EQ(count(log, "translation is off"), 0) << log;
  EXPECT_NE(log.find("listening"), std::string::npos) << log;  // the log is the server's
}
