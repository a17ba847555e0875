#pragma once
// Password storage: new hashes are argon2id (libsodium, m=19 MiB, t=2, p=1);
// hashes imported from Django and Werkzeug (Flask) still verify, and report
// that they should be replaced with an argon2id hash after a successful login.
// Hashing takes tens of milliseconds by design: call it off the network threads.
#include <cstdint>
#include <string>
#include <string_view>

namespace ts::auth {

inline constexpr std::uint64_t kArgon2MemLimit = 19ULL * 1024 * 1024;  // bytes
inline constexpr std::uint64_t kArgon2OpsLimit = 2;

// Iteration-less Werkzeug strings ("pbkdf2:sha256$salt$hash") are verified by
// Werkzeug with whatever DEFAULT_PBKDF2_ITERATIONS the running version has.
// We use 600000, the default of Werkzeug 2.3 and 3.0 (see docs in password.cpp).
inline constexpr std::uint32_t kWerkzeugDefaultPbkdf2Iterations = 600000;

// Returns "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" with a fresh salt.
// Throws std::runtime_error if the hash cannot be computed (out of memory).
std::string hash_password(std::string_view password);

enum class VerifyResult {
  ok,               // matches and is stored with our current parameters
  ok_needs_rehash,  // matches; store hash_password(password) in its place
  mismatch,         // a well-formed hash of some other password
  unusable_hash,    // not a hash we understand, or absurd parameters; never matches
};

// Supported stored formats:
//   $argon2id$v=19$m=..,t=..,p=..$salt$hash        (also $argon2i$, always rehashed)
//   pbkdf2_sha256$<iterations>$<salt>$<base64>     (Django)
//   pbkdf2:sha256[:<iterations>]$<salt>$<hex>      (Werkzeug)
//   scrypt[:<N>:<r>:<p>]$<salt>$<hex>              (Werkzeug >= 3.0)
// Anything else (plaintext, "", Django's "!..." unusable marker, unsalted
// digests) is unusable_hash. Cost parameters are bounded so a hostile or
// corrupt database row cannot make verification hang or exhaust memory.
VerifyResult verify_password(std::string_view password, std::string_view stored);

// Spends the time of one argon2id verification and discards the result. Call
// it when there is no hash to check (unknown user, unusable_hash) so that the
// response time does not reveal which accounts exist.
void spend_verify_time(std::string_view password);

// True when stored is in a supported format with acceptable parameters, i.e.
// verify_password can ever return ok/ok_needs_rehash for it. Cheap (no hashing).
bool is_usable_hash(std::string_view stored);

}  // namespace ts::auth
