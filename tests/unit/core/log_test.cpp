// Log lines are single, valid JSON objects, whatever the field values hold.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "platform/core/log.hpp"

namespace {

// Runs fn with fd 2 redirected to a file; returns the lines written.
template <class F>
std::vector<std::string> capture_stderr(F fn) {
  char path[] = "/tmp/ts-log-test-XXXXXX";
  const int fd = mkstemp(path);
  const int saved = dup(2);
  dup2(fd, 2);
  fn();
  dup2(saved, 2);
  close(saved);
  close(fd);
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::remove(path);
  return lines;
}

}  // namespace

TEST(Log, AccessLineIsValidJsonWithEscapedValues) {
  auto lines = capture_stderr(
      [] { ts::log::access("id\"1\n", "GET", "/a/{id}/", 404, 1.5, 42, "10.0.0.1\\x"); });
  ASSERT_EQ(lines.size(), 1u);
  const auto v = boost::json::parse(lines[0]).as_object();
  EXPECT_EQ(v.at("msg"), "request");
  EXPECT_EQ(v.at("level"), "info");
  EXPECT_EQ(v.at("request_id"), "id\"1\n");
  EXPECT_EQ(v.at("route"), "/a/{id}/");
  EXPECT_EQ(v.at("status"), 404);
  EXPECT_DOUBLE_EQ(v.at("duration_ms").as_double(), 1.5);
  EXPECT_EQ(v.at("bytes"), 42);
  EXPECT_EQ(v.at("client"), "10.0.0.1\\x");
  EXPECT_EQ(v.at("time").as_string().size(), 24u);  // 2026-11-21T21:47:39.092Z
}

TEST(Log, LevelsFilterAndFieldsAreKept) {
  ts::log::set_level(ts::log::Level::warn);
  auto lines = capture_stderr([] {
    ts::log::info("hidden");
    ts::log::access("x", "GET", "/", 200, 1, 1, "c");
    ts::log::warn("shown", {{"key", "va\"lue"}, {"n", 3}});
  });
  ts::log::set_level(ts::log::Level::info);
  ASSERT_EQ(lines.size(), 1u);
  const auto v = boost::json::parse(lines[0]).as_object();
  EXPECT_EQ(v.at("msg"), "shown");
  EXPECT_EQ(v.at("level"), "warn");
  EXPECT_EQ(v.at("key"), "va\"lue");
  EXPECT_EQ(v.at("n"), 3);
}

TEST(Log, AccessLineAtDebugIsHiddenAtInfoAndSaysDebug) {
  auto at_info = capture_stderr([] {
    ts::log::access("p", "GET", "/readyz", 200, 0.1, 17, "c", ts::log::Level::debug);
    ts::log::access("r", "GET", "/a/", 200, 0.1, 17, "c");
  });
  ASSERT_EQ(at_info.size(), 1u);
  EXPECT_EQ(boost::json::parse(at_info[0]).at("request_id"), "r");
  ts::log::set_level(ts::log::Level::debug);
  auto at_debug = capture_stderr(
      [] { ts::log::access("p", "GET", "/readyz", 200, 0.1, 17, "c", ts::log::Level::debug); });
  ts::log::set_level(ts::log::Level::info);
  ASSERT_EQ(at_debug.size(), 1u);
  const auto v = boost::json::parse(at_debug[0]).as_object();
  EXPECT_EQ(v.at("level"), "debug");
  EXPECT_EQ(v.at("route"), "/readyz");
}

TEST(Log, ParseLevel) {
  ts::log::Level l;
  EXPECT_TRUE(ts::log::parse_level("debug", l));
  EXPECT_EQ(l, ts::log::Level::debug);
  EXPECT_TRUE(ts::log::parse_level("warning", l));
  EXPECT_EQ(l, ts::log::Level::warn);
  EXPECT_FALSE(ts::log::parse_level("loud", l));
}
