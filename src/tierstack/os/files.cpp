// Files and small text helpers: whole-file reads, atomic writes, random
// tokens, timestamps for the log.
#include "tierstack/os/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "platform/core/text.hpp"

namespace tierstack {
namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& text, int mode) {
  const fs::path tmp = p.string() + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
  fchmod(fd, static_cast<mode_t>(mode));
  std::size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = write(fd, text.data() + off, text.size() - off);
    if (n <= 0) {
      close(fd);
      throw std::runtime_error("cannot write " + tmp.string());
    }
    off += static_cast<std::size_t>(n);
  }
  close(fd);
  fs::rename(tmp, p);
}

std::string random_hex(std::size_t bytes) {
  std::ifstream in("/dev/urandom", std::ios::binary);
  std::string raw(bytes, '\0');
  in.read(raw.data(), static_cast<std::streamsize>(bytes));
  if (!in) throw std::runtime_error("cannot read /dev/urandom");
  return ts::core::hex_encode(raw);
}

std::string now_text() {
  const auto now = std::chrono::system_clock::now();
  const auto t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms));
  return buf;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::uintmax_t file_size_or0(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

namespace {
std::string read_plain(const fs::path& p, std::uintmax_t offset) {
  std::ifstream in(p, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

std::string read_from(const fs::path& p, std::uintmax_t offset) {
  if (file_size_or0(p) >= offset) return read_plain(p, offset);
  // Rotated meanwhile (supervise/retention.hpp: copied to NAME.1, truncated).
  const fs::path rotated = p.string() + ".1";
  return (file_size_or0(rotated) >= offset ? read_plain(rotated, offset) : std::string()) +
         read_plain(p, 0);
}

std::string tail_lines(const fs::path& p, int n) {
  std::string text = read_file(p);
  std::size_t pos = text.size();
  int count = 0;
  while (pos > 0 && count <= n) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
    ++count;
  }
  return text.substr(pos + 1);
}

std::string fmt_secs(double s, const char* format) {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, s);
  return buf;
}

}  // namespace tierstack
