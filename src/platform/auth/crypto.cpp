#include "platform/auth/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

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

std::string encode_b64(std::string_view bytes, int variant) {
  ensure_sodium();
  const std::size_t cap = sodium_base64_encoded_len(bytes.size(), variant);
  std::string out(cap, '\0');  // cap includes the terminating NUL
  // bytes views the caller's argument, which lives until this returns (cppcheck
  // 2.10 follows random_token's temporary and ends its life too early).
  // cppcheck-suppress danglingTemporaryLifetime
  sodium_bin2base64(out.data(), cap, reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), variant);
  out.resize(cap - 1);
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

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  return encode_b64(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

std::optional<std::string> base64url_decode(std::string_view text) {
  return decode_b64(text, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

std::string base64_encode(std::string_view bytes) {
  return encode_b64(bytes, sodium_base64_VARIANT_ORIGINAL);
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  return decode_b64(text, sodium_base64_VARIANT_ORIGINAL);
}

std::string hex_encode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

std::optional<std::string> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = hex_value(text[i]);
    const int lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  ensure_sodium();
  crypto_auth_hmacsha256_state state;
  // The init form (unlike crypto_auth_hmacsha256) takes a key of any length.
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(data.data()),
                                data.size());
  std::string out(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_final(&state, reinterpret_cast<unsigned char*>(out.data()));
  sodium_memzero(&state, sizeof state);
  return out;
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

HmacKey::HmacKey(std::string_view key) : inner_(EVP_MD_CTX_new()), outer_(EVP_MD_CTX_new()) {
  if (!inner_ || !outer_) {
    EVP_MD_CTX_free(inner_);
    EVP_MD_CTX_free(outer_);
    throw std::bad_alloc();
  }
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
  const bool ok = EVP_DigestInit_ex2(inner_, sha256_md(), nullptr) == 1 &&
                  EVP_DigestUpdate(inner_, pad, kBlock) == 1;
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x5c;
  const bool ok2 = EVP_DigestInit_ex2(outer_, sha256_md(), nullptr) == 1 &&
                   EVP_DigestUpdate(outer_, pad, kBlock) == 1;
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
  if (!ok || !ok2) {
    EVP_MD_CTX_free(inner_);
    EVP_MD_CTX_free(outer_);
    throw std::runtime_error("OpenSSL: SHA-256 failed");
  }
}

HmacKey::HmacKey(const HmacKey& other) : inner_(EVP_MD_CTX_new()), outer_(EVP_MD_CTX_new()) {
  if (!inner_ || !outer_ || EVP_MD_CTX_copy_ex(inner_, other.inner_) != 1 ||
      EVP_MD_CTX_copy_ex(outer_, other.outer_) != 1) {
    EVP_MD_CTX_free(inner_);
    EVP_MD_CTX_free(outer_);
    throw std::runtime_error("OpenSSL: cannot copy an HMAC key");
  }
}

HmacKey::~HmacKey() {
  EVP_MD_CTX_free(inner_);  // cleanses the digest state
  EVP_MD_CTX_free(outer_);
}

std::string HmacKey::tag(std::string_view data) const {
  EVP_MD_CTX* t = scratch_ctx();
  unsigned char inner[kDigest];
  unsigned int n = 0;
  check_ssl(EVP_MD_CTX_copy_ex(t, inner_));
  check_ssl(EVP_DigestUpdate(t, data.data(), data.size()));
  check_ssl(EVP_DigestFinal_ex(t, inner, &n));
  std::string out(kDigest, '\0');
  check_ssl(EVP_MD_CTX_copy_ex(t, outer_));
  check_ssl(EVP_DigestUpdate(t, inner, sizeof inner));
  check_ssl(EVP_DigestFinal_ex(t, reinterpret_cast<unsigned char*>(out.data()), &n));
  OPENSSL_cleanse(inner, sizeof inner);
  return out;
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
