#include "platform/auth/password.hpp"

#include "platform/auth/crypto.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <climits>
#include <optional>
#include <stdexcept>
#include <variant>

// On the Werkzeug default for "pbkdf2:sha256$salt$hash" (no iteration count):
// generate_password_hash has written the count into the method since PBKDF2
// support arrived, so such rows come from code that called Werkzeug's
// internals directly or built the string by hand. check_password_hash
// verifies them with the DEFAULT_PBKDF2_ITERATIONS of the Werkzeug version
// doing the checking, which has moved over time (1000 in 0.9, 150000 in
// 0.15, 260000 in 2.0, 600000 in 2.3 and 3.0, 1000000 in 3.1). We take
// 600000: it is the value in the Werkzeug 2.3/3.0 source we checked and the
// release line an application being migrated today most likely ran. Trying
// several counts would multiply the cost of every failed login, so we try one.

namespace ts::auth {
namespace {

// Bounds on parameters read from the database. Legitimate hashes sit far
// below these; anything above is treated as corrupt or hostile.
constexpr std::uint64_t kMaxPbkdf2Iterations = 10'000'000;
constexpr std::uint64_t kMaxArgon2MemoryKib = std::uint64_t{256} * 1024;  // 256 MiB
constexpr std::uint64_t kMaxArgon2Passes = 16;
constexpr std::uint64_t kMaxArgon2Work = std::uint64_t{1024} * 1024;  // KiB x passes
constexpr std::uint64_t kMaxArgon2Lanes = 16;
constexpr std::uint64_t kMaxScryptMemory = 128ULL << 20;  // bytes
constexpr std::uint64_t kMaxScryptWork = 1ULL << 23;      // N * r * p
constexpr std::size_t kMaxSaltBytes = 1024;

struct Argon2Hash {
  bool is_argon2id;
};
struct Pbkdf2Hash {
  std::uint32_t iterations;
  std::string_view salt;
  std::string expected;  // 32 raw bytes
};
struct ScryptHash {
  std::uint64_t n, r, p;
  std::string_view salt;
  std::string expected;  // 64 raw bytes
};
using Parsed = std::variant<Argon2Hash, Pbkdf2Hash, ScryptHash>;

// Decimal digits only (no sign, no spaces, no '_'), at most 10 of them.
std::optional<std::uint64_t> parse_uint(std::string_view s) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

// Consumes `prefix` from the front of s.
bool eat(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

// Consumes digits up to (not including) the delimiter and the delimiter itself.
std::optional<std::uint64_t> eat_number(std::string_view& s, char delimiter) {
  const auto pos = s.find(delimiter);
  if (pos == std::string_view::npos) return std::nullopt;
  auto v = parse_uint(s.substr(0, pos));
  s.remove_prefix(pos + 1);
  return v;
}

bool is_b64_unpadded(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/';
    if (!ok) return false;
  }
  return true;
}

bool salt_ok(std::string_view salt) {
  return !salt.empty() && salt.size() <= kMaxSaltBytes && salt.find('\0') == std::string_view::npos;
}

// $argon2id$v=19$m=<kib>,t=<passes>,p=<lanes>$<b64 salt>$<b64 hash>
std::optional<Parsed> parse_argon2(std::string_view s) {
  if (s.size() >= crypto_pwhash_STRBYTES) return std::nullopt;  // libsodium's limit
  bool id = false;
  if (eat(s, "$argon2id$")) {
    id = true;
  } else if (!eat(s, "$argon2i$")) {
    return std::nullopt;
  }
  if (!eat(s, "v=19$m=")) return std::nullopt;
  const auto m = eat_number(s, ',');
  if (!m || !eat(s, "t=")) return std::nullopt;
  const auto t = eat_number(s, ',');
  if (!t || !eat(s, "p=")) return std::nullopt;
  const auto p = eat_number(s, '$');
  if (!p) return std::nullopt;
  const auto sep = s.find('$');
  if (sep == std::string_view::npos) return std::nullopt;
  if (!is_b64_unpadded(s.substr(0, sep)) || !is_b64_unpadded(s.substr(sep + 1))) {
    return std::nullopt;
  }
  if (*p < 1 || *p > kMaxArgon2Lanes || *t < 1 || *t > kMaxArgon2Passes || *m < 8 * *p ||
      *m > kMaxArgon2MemoryKib || *m * *t > kMaxArgon2Work) {
    return std::nullopt;
  }
  return Argon2Hash{id};
}

std::optional<Pbkdf2Hash> make_pbkdf2(std::uint64_t iterations, std::string_view salt,
                                      std::optional<std::string> expected) {
  if (iterations < 1 || iterations > kMaxPbkdf2Iterations || !salt_ok(salt) || !expected ||
      expected->size() != 32) {
    return std::nullopt;
  }
  return Pbkdf2Hash{static_cast<std::uint32_t>(iterations), salt, std::move(*expected)};
}

// pbkdf2_sha256$<iterations>$<salt>$<base64 of 32 bytes>
std::optional<Parsed> parse_django(std::string_view s) {
  if (!eat(s, "pbkdf2_sha256$")) return std::nullopt;
  const auto iterations = eat_number(s, '$');
  const auto sep = s.find('$');
  if (!iterations || sep == std::string_view::npos) return std::nullopt;
  auto h = make_pbkdf2(*iterations, s.substr(0, sep), base64_decode(s.substr(sep + 1)));
  if (!h) return std::nullopt;
  return std::move(*h);
}

// pbkdf2:sha256[:<iterations>]$<salt>$<hex>  and  scrypt[:<N>:<r>:<p>]$<salt>$<hex>
std::optional<Parsed> parse_werkzeug(std::string_view s) {
  const auto first = s.find('$');
  if (first == std::string_view::npos) return std::nullopt;
  std::string_view method = s.substr(0, first);
  std::string_view rest = s.substr(first + 1);
  const auto second = rest.find('$');
  if (second == std::string_view::npos) return std::nullopt;
  const std::string_view salt = rest.substr(0, second);
  auto expected = hex_decode(rest.substr(second + 1));

  if (eat(method, "pbkdf2:sha256")) {
    std::uint64_t iterations = kWerkzeugDefaultPbkdf2Iterations;
    if (!method.empty()) {
      if (!eat(method, ":")) return std::nullopt;
      const auto it = parse_uint(method);
      if (!it) return std::nullopt;
      iterations = *it;
    }
    auto h = make_pbkdf2(iterations, salt, std::move(expected));
    if (!h) return std::nullopt;
    return std::move(*h);
  }

  if (eat(method, "scrypt")) {
    std::uint64_t n = 1ULL << 15, r = 8, p = 1;  // Werkzeug's defaults for bare "scrypt"
    if (!method.empty()) {
      if (!eat(method, ":")) return std::nullopt;
      const auto pn = eat_number(method, ':');
      const auto pr = eat_number(method, ':');
      const auto pp = parse_uint(method);
      if (!pn || !pr || !pp) return std::nullopt;
      n = *pn;
      r = *pr;
      p = *pp;
    }
    // Every factor is below 2^34 after parse_uint; bound each before multiplying.
    if (n < 2 || (n & (n - 1)) != 0 || r < 1 || p < 1 || n > kMaxScryptWork || r > kMaxScryptWork ||
        p > kMaxScryptWork || n * r > kMaxScryptWork || n * r * p > kMaxScryptWork ||
        128 * r * (n + p + 2) > kMaxScryptMemory) {
      return std::nullopt;
    }
    if (!salt_ok(salt) || !expected || expected->size() != 64) return std::nullopt;
    return ScryptHash{n, r, p, salt, std::move(*expected)};
  }
  return std::nullopt;
}

std::optional<Parsed> parse(std::string_view stored) {
  if (stored.find('\0') != std::string_view::npos) return std::nullopt;
  if (stored.starts_with("$argon2")) return parse_argon2(stored);
  if (stored.starts_with("pbkdf2_sha256$")) return parse_django(stored);
  if (stored.starts_with("pbkdf2:") || stored.starts_with("scrypt")) return parse_werkzeug(stored);
  return std::nullopt;
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

VerifyResult matched_if(bool equal) {
  return equal ? VerifyResult::ok_needs_rehash : VerifyResult::mismatch;
}

VerifyResult verify_argon2(std::string_view password, std::string_view stored_view,
                           const Argon2Hash& h) {
  const std::string stored(stored_view);  // libsodium wants a NUL-terminated string
  if (crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) != 0) {
    return VerifyResult::mismatch;
  }
  if (!h.is_argon2id) return VerifyResult::ok_needs_rehash;
  const int rehash = crypto_pwhash_str_needs_rehash(stored.c_str(), kArgon2OpsLimit,
                                                    static_cast<std::size_t>(kArgon2MemLimit));
  return rehash == 0 ? VerifyResult::ok : VerifyResult::ok_needs_rehash;
}

VerifyResult verify_pbkdf2(std::string_view password, const Pbkdf2Hash& h) {
  if (password.size() > INT_MAX) return VerifyResult::mismatch;
  unsigned char derived[32];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), bytes(h.salt),
                        static_cast<int>(h.salt.size()), static_cast<int>(h.iterations),
                        EVP_sha256(), sizeof derived, derived) != 1) {
    return VerifyResult::mismatch;
  }
  const bool equal = constant_time_equal(
      std::string_view(reinterpret_cast<char*>(derived), sizeof derived), h.expected);
  sodium_memzero(derived, sizeof derived);
  return matched_if(equal);
}

VerifyResult verify_scrypt(std::string_view password, const ScryptHash& h) {
  unsigned char derived[64];
  // maxmem only has to admit what the parameter checks already allowed.
  if (EVP_PBE_scrypt(password.data(), password.size(), bytes(h.salt), h.salt.size(), h.n, h.r, h.p,
                     kMaxScryptMemory + (1ULL << 20), derived, sizeof derived) != 1) {
    return VerifyResult::mismatch;
  }
  const bool equal = constant_time_equal(
      std::string_view(reinterpret_cast<char*>(derived), sizeof derived), h.expected);
  sodium_memzero(derived, sizeof derived);
  return matched_if(equal);
}

}  // namespace

std::string hash_password(std::string_view password) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), kArgon2OpsLimit,
                            static_cast<std::size_t>(kArgon2MemLimit),
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("argon2id hashing failed (out of memory?)");
  }
  return std::string(out);
}

VerifyResult verify_password(std::string_view password, std::string_view stored) {
  ensure_sodium();
  const auto parsed = parse(stored);
  if (!parsed) return VerifyResult::unusable_hash;
  if (const auto* a = std::get_if<Argon2Hash>(&*parsed)) return verify_argon2(password, stored, *a);
  if (const auto* p = std::get_if<Pbkdf2Hash>(&*parsed)) return verify_pbkdf2(password, *p);
  return verify_scrypt(password, std::get<ScryptHash>(*parsed));
}

void spend_verify_time(std::string_view password) {
  ensure_sodium();
  // Made once, with our current parameters, so it costs what a real check costs.
  static const std::string dummy = hash_password("tierstack timing equaliser");
  const volatile int sink =
      crypto_pwhash_str_verify(dummy.c_str(), password.data(), password.size());
  (void)sink;
}

bool is_usable_hash(std::string_view stored) {
  return parse(stored).has_value();
}

}  // namespace ts::auth
