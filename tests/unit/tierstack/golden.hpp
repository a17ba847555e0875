#pragma once
// Golden files for the rendering tests: tests/unit/tierstack/golden/<name>,
// compared byte for byte. The source tree's path is written as @SOURCE@, so
// the files hold wherever the tree is checked out. TS_UPDATE_GOLDEN=1
// rewrites them instead (then review the diff by eye before committing).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace tierstack_test {

inline const std::filesystem::path kTestDir =
    std::filesystem::path(TS_SOURCE_DIR) / "tests/unit/tierstack";

inline std::string portable(std::string text) {
  const std::string src = TS_SOURCE_DIR;
  for (std::size_t p = 0; (p = text.find(src, p)) != std::string::npos;)
    text.replace(p, src.size(), "@SOURCE@");
  return text;
}

inline void expect_golden(const std::string& name, const std::string& rendered) {
  const auto file = kTestDir / "golden" / name;
  const std::string actual = portable(rendered);
  if (const char* u = std::getenv("TS_UPDATE_GOLDEN"); u && std::string(u) == "1") {
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out << actual;
    ASSERT_TRUE(out.flush()) << "cannot write " << file;
    return;
  }
  std::ifstream in(file, std::ios::binary);
  ASSERT_TRUE(in) << file << " is missing (TS_UPDATE_GOLDEN=1 writes it)";
  std::ostringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(expected.str(), actual)
      << "the rendered " << name << " differs from " << file
      << "; if the change is intended, TS_UPDATE_GOLDEN=1 rewrites the golden file";
}

}  // namespace tierstack_test
