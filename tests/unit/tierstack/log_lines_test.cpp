// The pure parts of `tierstack logs --all / --grep / --follow`: the time
// stamps of each kind of log line, the merge in time order, the last lines
// of a file, and following a file through its rotation.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tierstack/cli/log_lines.hpp"
#include "tierstack/supervise/retention.hpp"

namespace fs = std::filesystem;
using namespace tierstack;

namespace {

constexpr std::int64_t kNoon = 1796644800LL * 1000000;  // 2026-12-07T12:00:00Z in µs

class LogFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ts-unit-loglines-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    file_ = dir_ / "shop-a.log";
  }
  void TearDown() override { fs::remove_all(dir_); }
  void append(const std::string& s) { std::ofstream(file_, std::ios::app) << s; }
  fs::path dir_, file_;
};

}  // namespace

TEST(LogLines, EachKindOfTimeStampIsRead) {
  // The apps' JSON lines.
  EXPECT_EQ(line_time(R"({"time":"2026-12-07T12:00:00.123Z","level":"info"})"), kNoon + 123000);
  // Prometheus, Alertmanager, node exporter (logfmt).
  EXPECT_EQ(line_time("ts=2026-12-07T12:00:01.5Z caller=main.go:1 level=info"), kNoon + 1500000);
  // nginx's access log: ISO 8601 with the zone.
  EXPECT_EQ(line_time("2026-12-07T13:00:00+01:00 127.0.0.1 \"GET / HTTP/1.1\" 200"), kNoon);
  EXPECT_EQ(line_time("2026-12-07T11:30:00-0030 x"), kNoon);
  // nginx's error log and PostgreSQL.
  EXPECT_EQ(line_time("2026/12/07 12:00:02 [error] 12#12: *1 connect() failed"), kNoon + 2000000);
  EXPECT_EQ(line_time("2026-12-07 12:00:00.250 UTC [4242] LOG:  checkpoint starting"),
            kNoon + 250000);
  // No stamp, or not near the start, or not a date.
  EXPECT_EQ(line_time("=== tierstack 12:00:00.000: starting shop-a ==="), std::nullopt);
  EXPECT_EQ(line_time(std::string(70, ' ') + "2026-12-07T12:00:00Z"), std::nullopt);
  EXPECT_EQ(line_time("2026-13-07T12:00:00Z"), std::nullopt);
  EXPECT_EQ(line_time("2026-12-07T12:00"), std::nullopt);
  EXPECT_EQ(line_time(""), std::nullopt);
}

TEST(LogLines, MergeOrdersByTimeAndKeepsUnstampedLinesWithTheirPredecessor) {
  std::vector<LogSource> sources = {
      {"shop-a",
       {R"({"time":"2026-12-07T12:00:01.000Z","msg":"a1"})", "  a1's continuation",
        R"({"time":"2026-12-07T12:00:03.000Z","msg":"a3"})"}},
      {"web-a.error",
       {"no stamp before any", "2026/12/07 12:00:02 [error] w2", "2026/12/07 12:00:03 [error] w3"}},
  };
  const auto merged = merge_by_time(sources);
  std::vector<std::string> order;
  for (const auto& m : merged) order.push_back(sources[m.source].label + ": " + m.text);
  EXPECT_EQ(order,
            (std::vector<std::string>{
                "web-a.error: no stamp before any",
                R"(shop-a: {"time":"2026-12-07T12:00:01.000Z","msg":"a1"})",
                "shop-a:   a1's continuation",
                "web-a.error: 2026/12/07 12:00:02 [error] w2",
                R"(shop-a: {"time":"2026-12-07T12:00:03.000Z","msg":"a3"})",  // a tie: by source
                "web-a.error: 2026/12/07 12:00:03 [error] w3",
            }));
  EXPECT_TRUE(merge_by_time({}).empty());
}

TEST_F(LogFile, LastLinesReadsBackwardsAndFilters) {
  std::string all;
  for (int i = 0; i < 5000; ++i)
    all += "line " + std::to_string(i) + (i % 1000 == 7 ? " hit" : "") + "\n";
  append(all);
  const auto size = fs::file_size(file_);
  EXPECT_EQ(last_lines(file_, size, 3, {}),
            (std::vector<std::string>{"line 4997", "line 4998", "line 4999"}));
  const auto hits = last_lines(
      file_, size, 100, [](std::string_view l) { return l.find("hit") != std::string_view::npos; });
  EXPECT_EQ(hits, (std::vector<std::string>{"line 7 hit", "line 1007 hit", "line 2007 hit",
                                            "line 3007 hit", "line 4007 hit"}));
  // Only what was there at `end`; a last line without its newline counts.
  append("partial");
  EXPECT_EQ(last_lines(file_, size, 1, {}), std::vector<std::string>{"line 4999"});
  EXPECT_EQ(last_lines(file_, fs::file_size(file_), 2, {}),
            (std::vector<std::string>{"line 4999", "partial"}));
  EXPECT_EQ(last_lines(file_, size, 0, {}), std::vector<std::string>{});
  EXPECT_EQ(last_lines(dir_ / "missing.log", 100, 5, {}), std::vector<std::string>{});
}

TEST_F(LogFile, FollowingSeesNewLinesOnlyWhenCompleteAndSurvivesRotation) {
  append("old 1\nold 2\n");
  FollowedLog f(file_, fs::file_size(file_));
  EXPECT_TRUE(f.poll().empty());
  append("new 1\nnew ");
  EXPECT_EQ(f.poll(), std::vector<std::string>{"new 1"});
  append("2\nbefore rotation\n");
  // Rotated the way the supervisor does it: copied to .1 and truncated;
  // what was not read yet is taken from .1.
  ASSERT_EQ(rotate_logs({file_}, LogRotation{1, 2}).size(), 1u);
  append("after rotation\n");
  EXPECT_EQ(f.poll(), (std::vector<std::string>{"new 2", "before rotation", "after rotation"}));
  // Replaced by another file (renamed away, a new one made): read from its start.
  fs::rename(file_, dir_ / "shop-a.old");
  EXPECT_TRUE(f.poll().empty());
  append("a new file\n");
  EXPECT_EQ(f.poll(), std::vector<std::string>{"a new file"});
  // A log that does not exist yet is read from its start when it appears.
  FollowedLog later(dir_ / "later.log", 0);
  std::ofstream(dir_ / "later.log") << "first\n";
  EXPECT_EQ(later.poll(), std::vector<std::string>{"first"});
}
