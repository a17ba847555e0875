#include "shop/media/store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "platform/auth/crypto.hpp"
#include "platform/http/error.hpp"

namespace shop::media {
namespace {

bool has_image_extension(std::string_view name) {
  for (std::string_view ext : {".jpg", ".jpeg", ".png", ".gif", ".webp"}) {
    if (name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext) return true;
  }
  return false;
}

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write " + path);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void atomic_write(const std::string& dir, const std::string& name, std::string_view bytes) {
  std::filesystem::create_directories(dir);
  const std::string final_path = dir + "/" + name;
  // Dot-prefixed temporary: never a safe (servable) name.
  const std::string tmp_path = dir + "/.tmp-" + ts::auth::random_hex(8) + "-" + name;
  const int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw_errno("create " + tmp_path);
  try {
    write_all(fd, bytes, tmp_path);
    if (::fsync(fd) != 0) throw_errno("fsync " + tmp_path);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp_path.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmp_path.c_str(), final_path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(tmp_path.c_str());
    errno = saved;
    throw_errno("rename " + tmp_path);
  }
}

std::optional<std::string> read_file(const std::string& path) {
  // O_NOFOLLOW: a symlink planted in the media directory is not followed.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return std::nullopt;
  }
  std::string out;
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(done);
  return out;
}

}  // namespace

std::string generate_name(ImageFormat f) {
  return ts::auth::random_hex(16) + "." + std::string(extension(f));
}

bool is_generated_name(std::string_view name) {
  const auto dot = name.find('.');
  if (dot != 32) return false;
  for (std::size_t i = 0; i < 32; ++i) {
    const char c = name[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  const auto ext = name.substr(33);
  return ext == "jpg" || ext == "png" || ext == "gif" || ext == "webp";
}

bool is_safe_name(std::string_view name) {
  if (name.empty() || name.size() > 100 || name.front() == '.') return false;
  if (name.find("..") != std::string_view::npos) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return has_image_extension(name);
}

std::string save_image(const std::string& dir, std::string_view bytes, ImageFormat f) {
  auto name = generate_name(f);
  atomic_write(dir, name, bytes);
  return name;
}

void save_image_as(const std::string& dir, const std::string& name, std::string_view bytes) {
  if (!is_safe_name(name)) throw std::invalid_argument("unsafe media file name: " + name);
  atomic_write(dir, name, bytes);
}

ts::http::Response serve_image(const std::string& dir, std::string_view name) {
  if (!is_safe_name(name)) throw ts::http::HttpError::not_found();
  auto bytes = read_file(dir + "/" + std::string(name));
  if (!bytes) throw ts::http::HttpError::not_found();
  // Label by content, not by name; a non-image in the directory is not served.
  const auto format = sniff(*bytes);
  if (!format) throw ts::http::HttpError::not_found();
  ts::http::Response r(200, std::move(*bytes), content_type(*format));
  // A generated name never changes content; other names might be replaced.
  r.headers.set("Cache-Control", is_generated_name(name) ? "public, max-age=31536000, immutable"
                                                         : "public, max-age=3600");
  return r;
}

}  // namespace shop::media
