#include "platform/core/config.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

using ts::Config;
using ts::ConfigError;
using namespace std::chrono_literals;

namespace {

// Each test gets its own prefix (TSCFG_<test name>) so no variable leaks
// between tests; every variable set here is unset again on teardown.
class ConfigTest : public ::testing::Test {
 protected:
  ConfigTest() {
    prefix_ = "TSCFG_";
    for (char c : std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()))
      prefix_ +=
          static_cast<char>(std::isalnum(static_cast<unsigned char>(c)) ? std::toupper(c) : '_');
  }
  ~ConfigTest() override {
    for (const auto& name : set_) unsetenv(name.c_str());
  }

  void env(const std::string& key, const std::string& value) {
    const std::string name = prefix_ + "_" + key;
    setenv(name.c_str(), value.c_str(), 1);
    set_.push_back(name);
  }

  std::string write_toml(const std::string& text) {
    const std::string path = ::testing::TempDir() + prefix_ + ".toml";
    std::ofstream(path) << text;
    env("CONFIG_FILE", path);
    return path;
  }

  // The ConfigError message, or "" when check() passes.
  static std::string problems(const Config& cfg) {
    try {
      cfg.check();
    } catch (const ConfigError& e) {
      return e.what();
    }
    return {};
  }

  std::string prefix_;
  std::vector<std::string> set_;
};

}  // namespace

TEST_F(ConfigTest, VariableNamesCarryThePrefix) {
  Config cfg(prefix_);
  EXPECT_EQ(cfg.prefix(), prefix_);
  EXPECT_EQ(cfg.var("LISTEN"), prefix_ + "_LISTEN");
}

TEST_F(ConfigTest, UnsetOrEmptyUsesTheFallback) {
  env("EMPTY", "");
  Config cfg(prefix_);
  EXPECT_EQ(cfg.raw("UNSET"), std::nullopt);
  EXPECT_EQ(cfg.raw("EMPTY"), std::nullopt);
  EXPECT_EQ(cfg.str("UNSET", "dflt"), "dflt");
  EXPECT_EQ(cfg.str("EMPTY", "dflt"), "dflt");
  EXPECT_EQ(cfg.integer("EMPTY", 5, 0, 10), 5);
  EXPECT_EQ(problems(cfg), "");
}

TEST_F(ConfigTest, Integer) {
  env("OK", "42");
  env("NEG", "-3");
  Config cfg(prefix_);
  EXPECT_EQ(cfg.integer("OK", 1, 0, 100), 42);
  EXPECT_EQ(cfg.integer("NEG", 1, -10, 10), -3);
  EXPECT_EQ(cfg.integer("UNSET", 7, 0, 100), 7);
  EXPECT_EQ(problems(cfg), "");
}

TEST_F(ConfigTest, IntegerRangeAndSyntaxErrors) {
  env("HIGH", "70000");
  env("LOW", "0");
  env("TEXT", "12abc");
  env("HUGE", "99999999999999999999");
  Config cfg(prefix_);
  EXPECT_EQ(cfg.integer("HIGH", 8000, 1, 65535), 8000);  // the fallback, not the bad value
  EXPECT_EQ(cfg.integer("LOW", 8000, 1, 65535), 8000);
  EXPECT_EQ(cfg.integer("TEXT", 3, 0, 10), 3);
  EXPECT_EQ(cfg.integer("HUGE", 3, 0, 10), 3);
  const auto msg = problems(cfg);
  EXPECT_NE(msg.find(prefix_ + "_HIGH: must be between 1 and 65535, got 70000"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find(prefix_ + "_LOW: must be between 1 and 65535, got 0"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find(prefix_ + "_TEXT: expected an integer, got '12abc'"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find(prefix_ + "_HUGE: expected an integer"), std::string::npos) << msg;
}

TEST_F(ConfigTest, Millis) {
  env("TIMEOUT_MS", "2500");
  env("TOO_LONG_MS", "600001");
  Config cfg(prefix_);
  EXPECT_EQ(cfg.millis("TIMEOUT_MS", 100ms, 0ms, 600'000ms), 2500ms);
  EXPECT_EQ(cfg.millis("UNSET_MS", 100ms, 0ms, 600'000ms), 100ms);
  EXPECT_EQ(cfg.millis("TOO_LONG_MS", 100ms, 0ms, 600'000ms), 100ms);
  EXPECT_NE(problems(cfg).find(prefix_ + "_TOO_LONG_MS"), std::string::npos);
}

TEST_F(ConfigTest, BooleanWords) {
  const std::vector<std::string> yes = {"1", "true", "TRUE", "Yes", "on", "ON"};
  const std::vector<std::string> no = {"0", "false", "False", "no", "off", "OFF"};
  for (std::size_t i = 0; i < yes.size(); ++i) env("T" + std::to_string(i), yes[i]);
  for (std::size_t i = 0; i < no.size(); ++i) env("F" + std::to_string(i), no[i]);
  env("BAD", "maybe");
  Config cfg(prefix_);
  for (std::size_t i = 0; i < yes.size(); ++i)
    EXPECT_TRUE(cfg.boolean("T" + std::to_string(i), false)) << yes[i];
  for (std::size_t i = 0; i < no.size(); ++i)
    EXPECT_FALSE(cfg.boolean("F" + std::to_string(i), true)) << no[i];
  EXPECT_TRUE(cfg.boolean("UNSET", true));
  EXPECT_EQ(problems(cfg), "");
  EXPECT_TRUE(cfg.boolean("BAD", true));
  EXPECT_NE(problems(cfg).find(prefix_ + "_BAD: expected true or false, got 'maybe'"),
            std::string::npos);
}

TEST_F(ConfigTest, ListTrimsAndDropsEmptyEntries) {
  env("ORIGINS", " https://a.example , https://b.example,,  ,c ,");
  env("ONE", "solo");
  Config cfg(prefix_);
  EXPECT_EQ(cfg.list("ORIGINS", ""),
            (std::vector<std::string>{"https://a.example", "https://b.example", "c"}));
  EXPECT_EQ(cfg.list("ONE", "x,y"), (std::vector<std::string>{"solo"}));
  EXPECT_EQ(cfg.list("UNSET", "x, y"), (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(cfg.list("UNSET", "").empty());
}

TEST_F(ConfigTest, Choice) {
  env("MODE", "prod");
  env("DB", "mysql");
  Config cfg(prefix_);
  EXPECT_EQ(cfg.choice("MODE", "dev", {"dev", "prod"}), "prod");
  EXPECT_EQ(cfg.choice("UNSET", "dev", {"dev", "prod"}), "dev");
  EXPECT_EQ(problems(cfg), "");
  EXPECT_EQ(cfg.choice("DB", "sqlite", {"sqlite", "postgres"}), "sqlite");
  EXPECT_NE(problems(cfg).find(prefix_ + "_DB: must be one of sqlite, postgres, got 'mysql'"),
            std::string::npos)
      << problems(cfg);
}

TEST_F(ConfigTest, SecretMinimumLength) {
  env("GOOD", std::string(32, 'k'));
  env("SHORT", "short");
  Config cfg(prefix_);
  EXPECT_EQ(cfg.secret("GOOD", 32), std::string(32, 'k'));
  EXPECT_EQ(problems(cfg), "");
  (void)cfg.secret("SHORT", 32);
  const auto msg = problems(cfg);
  EXPECT_NE(msg.find(prefix_ + "_SHORT: must be at least 32 bytes long"), std::string::npos) << msg;
  // The value itself never appears in the message.
  EXPECT_EQ(msg.find("'short'"), std::string::npos) << msg;
}

TEST_F(ConfigTest, SecretRequiredUnlessDevFallback) {
  Config cfg(prefix_);
  EXPECT_EQ(cfg.secret("DEV_KEY", 32, std::string_view("development-only-secret")),
            "development-only-secret");
  EXPECT_EQ(problems(cfg), "");
  EXPECT_EQ(cfg.secret("SECRET_KEY", 32), "");
  EXPECT_NE(problems(cfg).find(prefix_ +
                               "_SECRET_KEY: is required (a random string of at least 32 bytes)"),
            std::string::npos);
}

TEST_F(ConfigTest, SetSecretWinsOverDevFallback) {
  env("SECRET_KEY", std::string(40, 's'));
  Config cfg(prefix_);
  EXPECT_EQ(cfg.secret("SECRET_KEY", 32, std::string_view("dev")), std::string(40, 's'));
}

TEST_F(ConfigTest, RequiredAndListen) {
  env("LISTEN", "0.0.0.0:9000");
  env("BAD_LISTEN", "nope");
  env("MONITOR", "[::1]:9100");
  Config cfg(prefix_);
  const auto l = cfg.listen("LISTEN", "127.0.0.1:8000");
  EXPECT_EQ(l.host, "0.0.0.0");
  EXPECT_EQ(l.port, 9000);
  EXPECT_EQ(cfg.listen("UNSET_LISTEN", "127.0.0.1:8000").port, 8000);
  EXPECT_EQ(cfg.optional_listen("UNSET_MONITOR"), std::nullopt);
  ASSERT_TRUE(cfg.optional_listen("MONITOR"));
  EXPECT_EQ(cfg.optional_listen("MONITOR")->host, "::1");
  EXPECT_EQ(problems(cfg), "");

  (void)cfg.listen("BAD_LISTEN", "127.0.0.1:8000");
  (void)cfg.required("DATABASE_URL");
  const auto msg = problems(cfg);
  EXPECT_NE(msg.find(prefix_ + "_BAD_LISTEN: expected host:port, got 'nope'"), std::string::npos);
  EXPECT_NE(msg.find(prefix_ + "_DATABASE_URL: is required but not set"), std::string::npos);
}

TEST_F(ConfigTest, CheckListsEveryProblemNamingEachVariable) {
  env("PORT", "http");
  env("DEBUG", "perhaps");
  env("MODE", "staging");
  Config cfg(prefix_);
  EXPECT_NO_THROW(cfg.check());
  (void)cfg.integer("PORT", 8000, 1, 65535);
  (void)cfg.boolean("DEBUG", false);
  (void)cfg.choice("MODE", "dev", {"dev", "prod"});
  (void)cfg.required("NAME");
  cfg.fail("CUSTOM", "is inconsistent with something");
  try {
    cfg.check();
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    const std::string expected =
        "configuration errors:\n  " + prefix_ + "_PORT: expected an integer, got 'http'\n  " +
        prefix_ + "_DEBUG: expected true or false, got 'perhaps'\n  " + prefix_ +
        "_MODE: must be one of dev, prod, got 'staging'\n  " + prefix_ +
        "_NAME: is required but not set\n  " + prefix_ + "_CUSTOM: is inconsistent with something";
    EXPECT_EQ(std::string(e.what()), expected);
  }
}

TEST_F(ConfigTest, OneProblemIsSingular) {
  Config cfg(prefix_);
  (void)cfg.required("NAME");
  EXPECT_EQ(problems(cfg), "configuration error:\n  " + prefix_ + "_NAME: is required but not set");
}

TEST_F(ConfigTest, TomlFileWithEnvironmentOverride) {
  write_toml(
      "listen = \"0.0.0.0:9000\"\n"
      "port = 8081\n"
      "debug = true\n"
      "ratio = 0.5\n"
      "name = \"from-file\"\n"
      "origins = \"https://a.example, https://b.example\"\n"
      "empty = \"\"\n");
  env("PORT", "9090");
  env("NAME", "");  // empty in the environment: the file's value applies
  Config cfg(prefix_);
  EXPECT_EQ(cfg.listen("LISTEN", "127.0.0.1:8000").port, 9000);  // upper-case key, lower-case file
  EXPECT_EQ(cfg.integer("PORT", 1, 1, 65535), 9090);             // the environment wins
  EXPECT_TRUE(cfg.boolean("DEBUG", false));
  EXPECT_EQ(cfg.raw("RATIO").value_or("").substr(0, 3), "0.5");
  EXPECT_EQ(cfg.str("NAME", "dflt"), "from-file");
  EXPECT_EQ(cfg.list("ORIGINS", "").size(), 2u);
  EXPECT_EQ(cfg.str("EMPTY", "dflt"), "dflt");
  EXPECT_EQ(cfg.str("NOT_IN_FILE", "dflt"), "dflt");
  EXPECT_EQ(problems(cfg), "");
}

TEST_F(ConfigTest, TomlValuesAreValidatedLikeEnvironmentValues) {
  write_toml("port = 70000\nmode = \"staging\"\n");
  Config cfg(prefix_);
  EXPECT_EQ(cfg.integer("PORT", 8000, 1, 65535), 8000);
  (void)cfg.choice("MODE", "dev", {"dev", "prod"});
  const auto msg = problems(cfg);
  EXPECT_NE(msg.find(prefix_ + "_PORT: must be between 1 and 65535, got 70000"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find(prefix_ + "_MODE"), std::string::npos) << msg;
}

TEST_F(ConfigTest, TomlWrongTypesAreReported) {
  write_toml("listen = [1, 2]\n[server]\nport = 1\n");
  Config cfg(prefix_);
  const auto msg = problems(cfg);
  EXPECT_NE(msg.find(prefix_ + "_CONFIG_FILE: key 'listen' must be a string, number or boolean"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("key 'server'"), std::string::npos) << msg;
}

TEST_F(ConfigTest, TomlSyntaxErrorIsReported) {
  const auto path = write_toml("listen = \"unterminated\n");
  Config cfg(prefix_);
  const auto msg = problems(cfg);
  EXPECT_NE(msg.find(prefix_ + "_CONFIG_FILE: cannot parse " + path), std::string::npos) << msg;
}

TEST_F(ConfigTest, MissingTomlFileIsReported) {
  env("CONFIG_FILE", ::testing::TempDir() + "does-not-exist-" + prefix_ + ".toml");
  std::string msg;
  EXPECT_NO_THROW({
    Config cfg(prefix_);
    msg = problems(cfg);
  });
  EXPECT_NE(msg.find(prefix_ + "_CONFIG_FILE"), std::string::npos) << msg;
}

TEST_F(ConfigTest, TomlFloatsAndBooleansAreKeptAsWritten) {
  // A float far outside int64 must not be converted to an integer (that was
  // undefined behaviour inside toml++'s converting accessor).
  write_toml("port = 5e200\nratio = 2.0\ndebug = false\n");
  Config cfg(prefix_);
  EXPECT_EQ(cfg.integer("PORT", 8000, 1, 65535), 8000);
  EXPECT_EQ(cfg.raw("RATIO"), "2.000000");
  EXPECT_EQ(cfg.raw("DEBUG"), "false");
  EXPECT_FALSE(cfg.boolean("DEBUG", true));
  EXPECT_NE(problems(cfg).find(prefix_ + "_PORT: expected an integer"), std::string::npos);
}
