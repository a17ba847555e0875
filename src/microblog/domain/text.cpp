#include "microblog/domain/text.hpp"

#include <openssl/evp.h>

#include <cctype>
#include <charconv>
#include <stdexcept>
#include <unordered_map>

#include "platform/core/text.hpp"

namespace microblog::domain {

std::string md5_hex(std::string_view data) {
  // The algorithm is fetched once and each thread keeps its context: with
  // OpenSSL 3, EVP_Digest(…, EVP_md5(), …) looks the provider up and allocates
  // a context on every call, which cost more than the hash of an address.
  static EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  struct Ctx {
    EVP_MD_CTX* p = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(p); }
  };
  thread_local Ctx ctx;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!md5 || !ctx.p || EVP_DigestInit_ex2(ctx.p, md5, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.p, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.p, digest, &len) != 1)
    throw std::runtime_error("md5: OpenSSL digest failed");
  return ts::core::hex_encode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

std::string avatar_url(std::string_view email, int size) {
  // Each thread remembers the hashes of the addresses it has seen lately: a
  // list of users or posts shows the same few avatars again and again.
  thread_local std::unordered_map<std::string, std::string> hash_of;  // lower-cased → MD5 hex
  std::string key = ts::core::to_lower(email);
  auto it = hash_of.find(key);
  if (it == hash_of.end()) {
    if (hash_of.size() >= 4096) hash_of.clear();  // bounded
    std::string hash = md5_hex(key);
    it = hash_of.emplace(std::move(key), std::move(hash)).first;
  }
  std::string out;
  out.reserve(80);
  out += "https://www.gravatar.com/avatar/";
  out += it->second;
  out += "?d=identicon&s=";
  out += std::to_string(size);
  return out;
}

bool is_safe_next(std::string_view next) {
  if (next.empty() || next[0] != '/') return false;
  if (next.size() > 1 && (next[1] == '/' || next[1] == '\\')) return false;
  for (char c : next) {
    if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (n < 0 || i + n >= s.size()) return false;
    for (int k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n + 1;
  }
  return true;
}

std::size_t utf8_length(std::string_view s) {
  if (!valid_utf8(s)) return s.size();
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

bool valid_email(std::string_view email) {
  if (email.empty() || email.size() > 120) return false;
  const auto at = email.find('@');
  if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos)
    return false;
  for (char c : email)
    if (std::isspace(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) < 0x20)
      return false;
  const auto domain = email.substr(at + 1);
  const auto dot = domain.rfind('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size() &&
         domain.find("..") == std::string_view::npos;
}

bool valid_username(std::string_view u) {
  if (u.empty() || u.size() > 64) return false;
  for (char c : u)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
      return false;
  return true;
}

int parse_page(const std::optional<std::string>& text, int fallback) {
  if (!text) return fallback;
  int v = 0;
  auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || p != text->data() + text->size()) return fallback;
  return v < 1 ? 1 : v;
}

bool valid_password_length(std::string_view password) {
  const auto n = utf8_length(password);
  return n >= kPasswordMin && n <= kPasswordMax;
}

}  // namespace microblog::domain
