// What the state directory keeps: logs rotated by size (copied to NAME.log.1
// and truncated, the older ones shifted, the oldest dropped) and releases
// pruned to the newest few, never one in use.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tierstack/os/files.hpp"
#include "tierstack/supervise/retention.hpp"

namespace fs = std::filesystem;
using namespace tierstack;

namespace {

class Dir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ts-unit-retention-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::string text(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  fs::path dir_;
};

}  // namespace

TEST_F(Dir, ALogAboveTheBoundIsCopiedShiftedAndTruncatedAndItsWriterGoesOn) {
  const auto log = dir_ / "shop-a.log";
  // The writer as spawn() gives it to an instance: O_APPEND, kept open.
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  auto say = [fd](const std::string& s) {
    ASSERT_EQ(write(fd, s.data(), s.size()), ssize_t(s.size()));
  };
  std::ofstream(dir_ / "web-a.log") << "small\n";
  std::ofstream(dir_ / "shop-a.log.1") << "older\n";
  std::ofstream(dir_ / "shop-a.log.2") << "oldest\n";
  say("first line, long enough to be above the bound\n");

  const LogRotation r{20, 2};
  const auto rotated = rotate_logs(live_logs(dir_), r);
  ASSERT_EQ(rotated, std::vector<fs::path>{log});
  EXPECT_EQ(text(dir_ / "shop-a.log.1"), "first line, long enough to be above the bound\n");
  EXPECT_EQ(text(dir_ / "shop-a.log.2"), "older\n");  // "oldest" was the third: dropped
  EXPECT_FALSE(fs::exists(dir_ / "shop-a.log.3"));
  EXPECT_EQ(fs::file_size(log), 0u);
  EXPECT_EQ(text(dir_ / "web-a.log"), "small\n");  // below the bound: untouched

  say("after\n");  // the same descriptor writes at the new end, not at its old offset
  close(fd);
  EXPECT_EQ(text(log), "after\n");
  // live_logs lists the *.log files only, never the rotated ones.
  EXPECT_EQ(live_logs(dir_), (std::vector<fs::path>{log, dir_ / "web-a.log"}));
}

TEST_F(Dir, KeepZeroOnlyTruncatesAndAMissingFileIsSkipped) {
  std::ofstream(dir_ / "lb.log") << "0123456789\n";
  const auto rotated = rotate_logs({dir_ / "lb.log", dir_ / "gone.log"}, LogRotation{4, 0});
  EXPECT_EQ(rotated, std::vector<fs::path>{dir_ / "lb.log"});
  EXPECT_EQ(fs::file_size(dir_ / "lb.log"), 0u);
  EXPECT_FALSE(fs::exists(dir_ / "lb.log.1"));
}

TEST(Retention, ReleasesKeepTheNewestAndEveryOneInUse) {
  const std::vector<std::string> releases = {"1765000300", "1765000100", "1765000200x",
                                             "1765000200", "notes",      "1765000050"};
  // The newest 2 (…300 and …200x, the second deploy of that second) stay.
  EXPECT_EQ(releases_to_prune(releases, {}, 2),
            (std::vector<std::string>{"1765000050", "1765000100", "1765000200"}));
  // One an instance still runs (a rollback went back to it) is never deleted.
  EXPECT_EQ(releases_to_prune(releases, {"1765000100"}, 2),
            (std::vector<std::string>{"1765000050", "1765000200"}));
  EXPECT_TRUE(releases_to_prune(releases, {}, 10).empty());
  // Stamps compare as numbers: a longer one is newer.
  EXPECT_EQ(releases_to_prune({"999999999", "1000000000"}, {}, 1),
            std::vector<std::string>{"999999999"});
}

TEST_F(Dir, PruneReleasesDeletesTheDirectories) {
  for (const char* r : {"100", "200", "300", "400"}) {
    fs::create_directories(dir_ / "shop" / r);
    std::ofstream(dir_ / "shop" / r / "shop") << "binary";
  }
  const auto removed = prune_releases(dir_, "shop", {"100"}, 2);
  EXPECT_EQ(removed, std::vector<fs::path>{dir_ / "shop" / "200"});
  EXPECT_TRUE(fs::exists(dir_ / "shop/100/shop"));
  EXPECT_FALSE(fs::exists(dir_ / "shop/200"));
  EXPECT_TRUE(fs::exists(dir_ / "shop/300"));
  EXPECT_TRUE(fs::exists(dir_ / "shop/400"));
  EXPECT_TRUE(prune_releases(dir_, "microblog", {}, 1).empty());  // no such app directory
}

// The drills count what a log gained since an offset (read_from): across a
// rotation that is the rest of NAME.log.1 and the new NAME.log.
TEST_F(Dir, WhatALogGainedSinceAnOffsetSurvivesARotation) {
  const auto log = dir_ / "lb.access.log";
  std::ofstream(log) << std::string(100, 's') << "\n";  // longer than what comes after
  const auto offset = fs::file_size(log);
  std::ofstream(log, std::ios::app) << "gained 1\n";
  EXPECT_EQ(read_from(log, offset), "gained 1\n");
  ASSERT_EQ(rotate_logs({log}, LogRotation{1, 1}).size(), 1u);
  std::ofstream(log, std::ios::app) << "gained 2\n";
  EXPECT_EQ(read_from(log, offset), "gained 1\ngained 2\n");
}
