#include "platform/auth/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

namespace ts::auth {

void ensure_sodium() {
  // A function-local static is initialised exactly once even under concurrent
  // first calls; sodium_init returns 1 when already initialised.
  static const int status = sodium_init();
  if (status < 0) throw std::runtime_error("libsodium initialisation failed");
}

std::string random_bytes(std::size_t n) {
  ensure_sodium();
  std::string out(n, '\0');
  if (n > 0) randombytes_buf(out.data(), n);
  return out;
}

std::string random_token(std::size_t nbytes) {
  return base64url_encode(random_bytes(nbytes));
}

std::string random_hex(std::size_t nbytes) {
  return hex_encode(random_bytes(nbytes));
}

namespace {

// One 6-bit value to its base64 character without branches or table lookups
// on the value (tokens and MACs pass through here): each step adds the offset
// to the next range of the alphabet when x lies beyond it. libsodium's encoder
// is constant-time too but made a call per character, a tenth of GET
// /auth/login's instructions.
inline char b64_char(int x, bool url) {
  int c = x + 'A';
  c += ((25 - x) >> 8) & 6;                  // 26..51 → 'a'..'z'
  c += ((51 - x) >> 8) & -75;                // 52..61 → '0'..'9'
  c += ((61 - x) >> 8) & (url ? -13 : -15);  // 62 → '-' or '+'
  c += ((62 - x) >> 8) & (url ? 49 : 3);     // 63 → '_' or '/'
  return static_cast<char>(c);
}

std::string encode_b64(std::string_view bytes, bool url) {
  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  std::string out;
  out.resize((n + 2) / 3 * 4);
  std::size_t o = 0, i = 0;
  for (; i + 3 <= n; i += 3) {
    const unsigned v = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
    out[o++] = b64_char(static_cast<int>(v >> 18), url);
    out[o++] = b64_char(static_cast<int>((v >> 12) & 63), url);
    out[o++] = b64_char(static_cast<int>((v >> 6) & 63), url);
    out[o++] = b64_char(static_cast<int>(v & 63), url);
  }
  if (const std::size_t rest = n - i; rest > 0) {
    const unsigned v = (in[i] << 16) | (rest == 2 ? in[i + 1] << 8 : 0);
    out[o++] = b64_char(static_cast<int>(v >> 18), url);
    out[o++] = b64_char(static_cast<int>((v >> 12) & 63), url);
    if (rest == 2) out[o++] = b64_char(static_cast<int>((v >> 6) & 63), url);
    if (!url) {
      while (o % 4 != 0) out[o++] = '=';
    }
  }
  out.resize(o);
  return out;
}

std::optional<std::string> decode_b64(std::string_view text, int variant) {
  ensure_sodium();
  std::string out(text.size() / 4 * 3 + 3, '\0');
  std::size_t len = 0;
  // No ignore set and no end pointer: libsodium then fails on any character
  // outside the alphabet, on bad padding and on leftover non-zero bits.
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr, variant) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

// Base64url without padding, as strict as libsodium's URLSAFE_NO_PADDING
// (which it replaces here: a call per character): only the alphabet, no '=',
// and the bits left over at the end (at most 4) must be zero. Bearer tokens
// and session cookies are decoded on every request.
std::optional<std::string> decode_b64url(std::string_view text) {
  static constexpr auto kValue = [] {
    std::array<std::int8_t, 256> t{};
    t.fill(-1);
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < 64; ++i)
      t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
    return t;
  }();
  if (text.size() % 4 == 1) return std::nullopt;  // 6 bits left over: not a whole byte
  std::string out(text.size() / 4 * 3 + 2, '\0');
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t n = 0;
  for (const char c : text) {
    // NOLINTNEXTLINE(bugprone-signed-char-misuse): the table's -1 marks a non-alphabet byte
    const int v = kValue[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = static_cast<char>((acc >> bits) & 0xff);
      acc &= (1u << bits) - 1;
    }
  }
  if (acc != 0) return std::nullopt;
  out.resize(n);
  return out;
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  return encode_b64(bytes, true);
}

std::optional<std::string> base64url_decode(std::string_view text) {
  return decode_b64url(text);
}

std::string base64_encode(std::string_view bytes) {
  return encode_b64(bytes, false);
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  return decode_b64(text, sodium_base64_VARIANT_ORIGINAL);
}

namespace {

const EVP_MD* sha256_md() {
  // Fetched once: the implicit fetch in EVP_sha256() costs a provider lookup per use.
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (!md) throw std::runtime_error("OpenSSL: SHA-256 is not available");
  return md;
}

void check_ssl(int ok) {
  if (ok != 1) throw std::runtime_error("OpenSSL: SHA-256 failed");
}

// A per-thread context to hash with (EVP_MD_CTX_new allocates).
EVP_MD_CTX* scratch_ctx() {
  struct Ctx {
    EVP_MD_CTX* p = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(p); }
  };
  thread_local Ctx ctx;
  if (!ctx.p) throw std::bad_alloc();
  return ctx.p;
}

constexpr std::size_t kBlock = 64;  // SHA-256 block size
constexpr std::size_t kDigest = 32;

}  // namespace

void HmacKey::FreeCtx::operator()(evp_md_ctx_st* ctx) const {
  EVP_MD_CTX_free(ctx);  // cleanses the digest state
}

HmacKey::HmacKey(std::string_view key) : inner_(EVP_MD_CTX_new()), outer_(EVP_MD_CTX_new()) {
  if (!inner_ || !outer_) throw std::bad_alloc();
  // RFC 2104: a key longer than a block is hashed first; then zero-padded.
  unsigned char block[kBlock] = {};
  if (key.size() > kBlock) {
    unsigned int n = 0;
    check_ssl(EVP_Digest(key.data(), key.size(), block, &n, sha256_md(), nullptr));
  } else if (!key.empty()) {
    std::memcpy(block, key.data(), key.size());
  }
  unsigned char pad[kBlock];
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x36;
  const bool ok = EVP_DigestInit_ex2(inner_.get(), sha256_md(), nullptr) == 1 &&
                  EVP_DigestUpdate(inner_.get(), pad, kBlock) == 1;
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x5c;
  const bool ok2 = EVP_DigestInit_ex2(outer_.get(), sha256_md(), nullptr) == 1 &&
                   EVP_DigestUpdate(outer_.get(), pad, kBlock) == 1;
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
  if (!ok || !ok2) throw std::runtime_error("OpenSSL: SHA-256 failed");
}

HmacKey::HmacKey(const HmacKey& other) : inner_(EVP_MD_CTX_new()), outer_(EVP_MD_CTX_new()) {
  if (!inner_ || !outer_ || EVP_MD_CTX_copy_ex(inner_.get(), other.inner_.get()) != 1 ||
      EVP_MD_CTX_copy_ex(outer_.get(), other.outer_.get()) != 1)
    throw std::runtime_error("OpenSSL: cannot copy an HMAC key");
}

std::string HmacKey::tag(std::string_view data) const {
  EVP_MD_CTX* t = scratch_ctx();
  unsigned char inner[kDigest];
  unsigned int n = 0;
  check_ssl(EVP_MD_CTX_copy_ex(t, inner_.get()));
  check_ssl(EVP_DigestUpdate(t, data.data(), data.size()));
  check_ssl(EVP_DigestFinal_ex(t, inner, &n));
  std::string out(kDigest, '\0');
  check_ssl(EVP_MD_CTX_copy_ex(t, outer_.get()));
  check_ssl(EVP_DigestUpdate(t, inner, sizeof inner));
  check_ssl(EVP_DigestFinal_ex(t, reinterpret_cast<unsigned char*>(out.data()), &n));
  OPENSSL_cleanse(inner, sizeof inner);
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  return HmacKey(key).tag(data);
}

const HmacKey& derived_hmac_key(std::string_view secret, std::string_view label) {
  struct Entry {
    std::string secret, label;
    HmacKey key;
    ~Entry() { sodium_memzero(secret.data(), secret.size()); }
  };
  thread_local std::vector<std::unique_ptr<Entry>> cache;
  for (const auto& e : cache)
    if (e->label == label && e->secret.size() == secret.size() &&
        sodium_memcmp(e->secret.data(), secret.data(), secret.size()) == 0)
      return e->key;
  if (cache.size() >= 16) cache.clear();  // a bounded cache: services use a few purposes
  cache.push_back(std::make_unique<Entry>(
      Entry{std::string(secret), std::string(label), HmacKey(hmac_sha256(secret, label))}));
  return cache.back()->key;
}

std::string sha256_hex(std::string_view data) {
  EVP_MD_CTX* t = scratch_ctx();
  unsigned char digest[kDigest];
  unsigned int n = 0;
  check_ssl(EVP_DigestInit_ex2(t, sha256_md(), nullptr));
  check_ssl(EVP_DigestUpdate(t, data.data(), data.size()));
  check_ssl(EVP_DigestFinal_ex(t, digest, &n));
  return hex_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  ensure_sodium();
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace ts::auth
