// The microblog's pure rules, including the original's model tests (§7).
#include <gtest/gtest.h>

#include "microblog/domain/i18n.hpp"
#include "microblog/domain/language.hpp"
#include "microblog/domain/text.hpp"
#include "microblog/domain/timefmt.hpp"

using namespace microblog::domain;

TEST(Avatar, OriginalTestVector) {
  EXPECT_EQ(avatar_url("john@example.com", 128),
            "https://www.gravatar.com/avatar/d4c74594d841139328695756648b6bd6?d=identicon&s=128");
  // Lower-cased before hashing.
  EXPECT_EQ(avatar_url("John@Example.COM", 128), avatar_url("john@example.com", 128));
}

TEST(SafeNext, OnlyLocalPaths) {
  EXPECT_TRUE(is_safe_next("/index"));
  EXPECT_TRUE(is_safe_next("/user/susan?page=2"));
  for (const char* bad : {"", "https:evil.com", "//evil.com", "/\\evil", "\\\\evil", "http:/\\evil",
                          "https://evil.com/", "index", "/a\\b", "javascript:x"})
    EXPECT_FALSE(is_safe_next(bad)) << bad;
}

TEST(Validation, EmailAndUsername) {
  EXPECT_TRUE(valid_email("john@example.com"));
  EXPECT_FALSE(valid_email("john"));
  EXPECT_FALSE(valid_email("john@example"));
  EXPECT_FALSE(valid_email("jo hn@example.com"));
  EXPECT_FALSE(valid_email(std::string(120, 'a') + "@example.com"));
  EXPECT_TRUE(valid_username("susan_1.x-y"));
  EXPECT_FALSE(valid_username("a/b"));
  EXPECT_FALSE(valid_username("a?b"));
  EXPECT_FALSE(valid_username(std::string(65, 'a')));
  EXPECT_EQ(utf8_length("añb"), 3u);
}

TEST(Validation, PasswordLengthCountsCharacters) {
  EXPECT_FALSE(valid_password_length("1234567"));
  EXPECT_TRUE(valid_password_length("12345678"));
  EXPECT_TRUE(valid_password_length("ñññññññ1"));  // 8 characters, 15 bytes
  EXPECT_TRUE(valid_password_length(std::string(128, 'a')));
  EXPECT_FALSE(valid_password_length(std::string(129, 'a')));
}

TEST(Pagination, ParsePage) {
  EXPECT_EQ(parse_page(std::nullopt), 1);
  EXPECT_EQ(parse_page(std::string("3")), 3);
  EXPECT_EQ(parse_page(std::string("x")), 1);
  EXPECT_EQ(parse_page(std::string("0")), 1);
  EXPECT_EQ(parse_page(std::string("-4")), 1);
}

TEST(I18n, LocaleAndCatalog) {
  EXPECT_EQ(best_locale(""), "en");
  EXPECT_EQ(best_locale("es-MX,es;q=0.9"), "es");
  EXPECT_EQ(best_locale("fr-FR, es;q=0.5, en;q=0.8"), "en");
  EXPECT_EQ(best_locale("de"), "en");
  EXPECT_EQ(tr("es", "Sign In"), "Ingresar");
  EXPECT_EQ(tr("en", "Sign In"), "Sign In");
  EXPECT_EQ(trf("es", "Hi, %(username)s!", {{"username", "ana"}}), "¡Hola, ana!");
  EXPECT_EQ(trf("en", "%(count)d followers", {{"count", "2"}}), "2 followers");
}

// Found by tests/fuzz/fuzz_accept_language (corpus/accept_language/
// placeholder-in-value): a value containing "%(username)d" was expanded again
// by the "d" pass. Values are inserted once and never rescanned.
TEST(I18n, FormatNeverExpandsInsideValues) {
  EXPECT_EQ(trf("en", "%(username)s said %(username)s", {{"username", "-%(username)d8e"}}),
            "-%(username)d8e said -%(username)d8e");
  EXPECT_EQ(trf("en", "%(username)s said %(when)s", {{"username", "%(when)s"}, {"when", "now"}}),
            "%(when)s said now");
  // Unknown or untyped placeholders and a lone "%(" stay as they are.
  EXPECT_EQ(trf("en", "%(x)s %(username)q %(username", {{"username", "a"}}),
            "%(x)s %(username)q %(username");
  EXPECT_EQ(trf("en", "%(a)s%(a)d", {{"a", "1"}, {"a", "2"}}), "11");
}

TEST(Time, FromNowAndFormats) {
  const std::int64_t t0 = 1727326620123456;  // 2024-09-26T04:57:00.123456Z
  EXPECT_EQ(iso_utc(t0), "2024-09-26T04:57:00.123456+00:00");
  EXPECT_EQ(iso_utc(t0, "Z"), "2024-09-26T04:57:00.123456Z");
  EXPECT_EQ(iso_utc(0), "1970-01-01T00:00:00.000000+00:00");
  EXPECT_EQ(iso_utc(-1, "Z"), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(iso_utc(253402300799999999, "Z"), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(iso_utc(253402300800000000, "Z"), "10000-01-01T00:00:00.000000Z");
  EXPECT_EQ(from_now(t0 + 10'000'000, t0, "en"), "a few seconds ago");
  EXPECT_EQ(from_now(t0 + 180'000'000, t0, "en"), "3 minutes ago");
  EXPECT_EQ(from_now(t0 + 180'000'000, t0, "es"), "hace 3 minutos");
  EXPECT_EQ(from_now(t0 + 3LL * 86400'000'000, t0, "en"), "3 days ago");
  EXPECT_EQ(format_lll(t0, "en"), "September 26, 2024 4:57 AM");
  EXPECT_EQ(format_lll_short(t0, "en"), "Sep 26, 2024 4:57 AM");
  EXPECT_EQ(format_lll(t0, "es"), "26 de septiembre de 2024 4:57");
}

TEST(Language, DetectsLongTextAndGivesUpOnNoise) {
  EXPECT_EQ(detect_language("This is a rather long English sentence about the weather and "
                            "the people who live in the city."),
            "en");
  EXPECT_EQ(detect_language("Esta es una frase bastante larga en español sobre el tiempo y la "
                            "gente que vive en la ciudad."),
            "es");
  EXPECT_EQ(detect_language("12345 !!!"), "");
}
