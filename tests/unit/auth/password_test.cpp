#include "platform/auth/password.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <chrono>
#include <cstring>
#include <string>

using namespace ts::auth;

namespace {

// Legacy vectors computed independently with python3's hashlib:
//
// python3 -c 'import hashlib,base64; print("pbkdf2_sha256$260000$seasalt4django22$" +
//   base64.b64encode(hashlib.pbkdf2_hmac("sha256", b"correct horse battery staple",
//   b"seasalt4django22", 260000)).decode())'
constexpr const char* kDjango =
    "pbkdf2_sha256$260000$seasalt4django22$0rJjeHWNPeuX0Fv5hGiTMc6UuXPO/45EHv6LAPWq5tI=";
// Same with password "pässwörd ☃".encode() (UTF-8), salt b"Ab3dEf6hIj9kLm", 1000 iterations.
constexpr const char* kDjangoUnicode =
    "pbkdf2_sha256$1000$Ab3dEf6hIj9kLm$4kjXO7loA8QZBGkzjQauQWUb5nZX7IBjS+nMiIbbmig=";
// python3 -c 'import hashlib; print("pbkdf2:sha256:600000$kR7vQ2xN8mLp4sTw$" +
//   hashlib.pbkdf2_hmac("sha256", b"correct horse battery staple", b"kR7vQ2xN8mLp4sTw",
//   600000).hex())'
constexpr const char* kWerkzeugPbkdf2 =
    "pbkdf2:sha256:600000$kR7vQ2xN8mLp4sTw$"
    "4c2bfb6c5d375e5bf3299e6f2c4280ef419e879069bea0f36092fae9b92175fb";
// No iteration count: hashlib.pbkdf2_hmac("sha256", b"hunter2", b"Zq9Lm3Xv", 600000).hex()
constexpr const char* kWerkzeugPbkdf2NoCount =
    "pbkdf2:sha256$Zq9Lm3Xv$0994a22298e1803739a29f871f2b7388d40448e7b8ef1ac9116936c312b68a4a";
// The same password and salt at 150000 iterations (Werkzeug 0.15's default),
// which our chosen default must not accept.
constexpr const char* kWerkzeugPbkdf2NoCount150k =
    "pbkdf2:sha256$Zq9Lm3Xv$492c72673dbeee0e6ff236526f74d5a07db987182e21a22558503ad386691741";
// python3 -c 'import hashlib; print("scrypt:32768:8:1$Gh5tYu8iOp2aSd4f$" +
//   hashlib.scrypt(b"correct horse battery staple", salt=b"Gh5tYu8iOp2aSd4f", n=32768, r=8,
//   p=1, maxmem=132*32768*8*1, dklen=64).hex())'
constexpr const char* kWerkzeugScrypt =
    "scrypt:32768:8:1$Gh5tYu8iOp2aSd4f$"
    "e4d8782b0135c5e82874d010ed5726c67d1cb9c6f67df139fd96f00e832dcb8b30da30b012b86e87d9367859fc7c"
    "e4e99cca037560546f7f2440349962472fbc";
// hashlib.scrypt(b"hunter2", salt=b"Wx1Yz2Ab", n=1024, r=8, p=2, maxmem=132*1024*8*2, dklen=64)
constexpr const char* kWerkzeugScryptP2 =
    "scrypt:1024:8:2$Wx1Yz2Ab$"
    "26c23682efce36dc31aa71a273f456cec094972a8e0d8eeb249b1e831e7460fffc1372430f135ed70640d3fb29b7"
    "3bfa7fbf361b6d6e18a1d39c9ad36cce8b97";

constexpr const char* kPassword = "correct horse battery staple";

std::string argon2id_with(unsigned long long ops, std::size_t mem, std::string_view pw) {
  char out[crypto_pwhash_STRBYTES];
  EXPECT_EQ(sodium_init() >= 0, true);
  EXPECT_EQ(
      crypto_pwhash_str_alg(out, pw.data(), pw.size(), ops, mem, crypto_pwhash_ALG_ARGON2ID13), 0);
  return out;
}

// Replaces the character at i with a different one from the same alphabet.
std::string flip(std::string s, std::size_t i) {
  s[i] = s[i] == 'a' ? 'b' : 'a';
  return s;
}

}  // namespace

TEST(Password, HashUsesArgon2idWithOurParameters) {
  const auto h = hash_password(kPassword);
  EXPECT_TRUE(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << h;
  EXPECT_NE(h, hash_password(kPassword));  // fresh salt each time
  EXPECT_EQ(verify_password(kPassword, h), VerifyResult::ok);
  EXPECT_EQ(verify_password("correct horse battery stapl", h), VerifyResult::mismatch);
  EXPECT_EQ(verify_password("", h), VerifyResult::mismatch);
  EXPECT_TRUE(is_usable_hash(h));
}

TEST(Password, Argon2idRoundTripEdgePasswords) {
  const std::string with_nul("pa\0ss", 5);
  const auto h = hash_password(with_nul);
  EXPECT_EQ(verify_password(with_nul, h), VerifyResult::ok);
  EXPECT_EQ(verify_password("pa", h), VerifyResult::mismatch);  // no truncation at NUL

  const auto empty = hash_password("");
  EXPECT_EQ(verify_password("", empty), VerifyResult::ok);
  EXPECT_EQ(verify_password(" ", empty), VerifyResult::mismatch);

  const std::string utf8 = "pässwörd ☃";
  EXPECT_EQ(verify_password(utf8, hash_password(utf8)), VerifyResult::ok);
}

TEST(Password, TamperedArgon2idHashDoesNotMatch) {
  const auto h = hash_password(kPassword);
  EXPECT_EQ(verify_password(kPassword, flip(h, h.size() - 5)), VerifyResult::mismatch);
}

TEST(Password, WeakerArgon2idNeedsRehash) {
  const auto t1 = argon2id_with(1, kArgon2MemLimit, kPassword);
  EXPECT_TRUE(t1.starts_with("$argon2id$v=19$m=19456,t=1,p=1$")) << t1;
  EXPECT_EQ(verify_password(kPassword, t1), VerifyResult::ok_needs_rehash);
  EXPECT_EQ(verify_password("wrong", t1), VerifyResult::mismatch);

  const auto small_mem = argon2id_with(2, 8 * 1024 * 1024, kPassword);
  EXPECT_EQ(verify_password(kPassword, small_mem), VerifyResult::ok_needs_rehash);
  // Stronger than ours is also "not ours": rehash to the configured cost.
  const auto t3 = argon2id_with(3, kArgon2MemLimit, kPassword);
  EXPECT_EQ(verify_password(kPassword, t3), VerifyResult::ok_needs_rehash);
}

TEST(Password, Argon2iVerifiesAndNeedsRehash) {
  char out[crypto_pwhash_STRBYTES];
  ASSERT_EQ(crypto_pwhash_argon2i_str(out, kPassword, std::strlen(kPassword), 3, 8 * 1024 * 1024),
            0);
  ASSERT_TRUE(std::string(out).starts_with("$argon2i$")) << out;
  EXPECT_EQ(verify_password(kPassword, out), VerifyResult::ok_needs_rehash);
  EXPECT_EQ(verify_password("nope", out), VerifyResult::mismatch);
}

TEST(Password, DjangoPbkdf2) {
  EXPECT_TRUE(is_usable_hash(kDjango));
  EXPECT_EQ(verify_password(kPassword, kDjango), VerifyResult::ok_needs_rehash);
  EXPECT_EQ(verify_password("Correct horse battery staple", kDjango), VerifyResult::mismatch);
  EXPECT_EQ(verify_password("pässwörd ☃", kDjangoUnicode), VerifyResult::ok_needs_rehash);
  EXPECT_EQ(verify_password("passwörd ☃", kDjangoUnicode), VerifyResult::mismatch);
  // Same hash, different iteration count or salt: the stored parameters are really used.
  std::string other_iterations = kDjangoUnicode;
  other_iterations.replace(other_iterations.find("$1000$"), 6, "$1001$");
  EXPECT_EQ(verify_password("pässwörd ☃", other_iterations), VerifyResult::mismatch);
  std::string other_salt = kDjangoUnicode;
  other_salt.replace(other_salt.find("Ab3d"), 4, "Ab3e");
  EXPECT_EQ(verify_password("pässwörd ☃", other_salt), VerifyResult::mismatch);
}

TEST(Password, WerkzeugPbkdf2) {
  EXPECT_TRUE(is_usable_hash(kWerkzeugPbkdf2));
  EXPECT_EQ(verify_password(kPassword, kWerkzeugPbkdf2), VerifyResult::ok_needs_rehash);
  EXPECT_EQ(verify_password("wrong", kWerkzeugPbkdf2), VerifyResult::mismatch);
  EXPECT_EQ(
      verify_password(kPassword, flip(kWerkzeugPbkdf2, std::string(kWerkzeugPbkdf2).size() - 1)),
      VerifyResult::mismatch);
}

TEST(Password, WerkzeugPbkdf2WithoutIterationCountUsesDocumentedDefault) {
  static_assert(kWerkzeugDefaultPbkdf2Iterations == 600000);
  EXPECT_EQ(verify_password("hunter2", kWerkzeugPbkdf2NoCount), VerifyResult::ok_needs_rehash);
  EXPECT_EQ(verify_password("hunter3", kWerkzeugPbkdf2NoCount), VerifyResult::mismatch);
  EXPECT_EQ(verify_password("hunter2", kWerkzeugPbkdf2NoCount150k), VerifyResult::mismatch);
}

TEST(Password, WerkzeugScrypt) {
  EXPECT_TRUE(is_usable_hash(kWerkzeugScrypt));
  EXPECT_EQ(verify_password(kPassword, kWerkzeugScrypt), VerifyResult::ok_needs_rehash);
  EXPECT_EQ(verify_password("wrong", kWerkzeugScrypt), VerifyResult::mismatch);
  EXPECT_EQ(verify_password("hunter2", kWerkzeugScryptP2), VerifyResult::ok_needs_rehash);
  EXPECT_EQ(verify_password("hunter", kWerkzeugScryptP2), VerifyResult::mismatch);
  // Bare "scrypt" means Werkzeug's defaults N=32768, r=8, p=1.
  std::string bare = kWerkzeugScrypt;
  bare.replace(0, std::string_view("scrypt:32768:8:1").size(), "scrypt");
  EXPECT_EQ(verify_password(kPassword, bare), VerifyResult::ok_needs_rehash);
  // Different parameters give a different key.
  std::string other_r = kWerkzeugScryptP2;
  other_r.replace(0, std::string_view("scrypt:1024:8:2").size(), "scrypt:1024:8:1");
  EXPECT_EQ(verify_password("hunter2", other_r), VerifyResult::mismatch);
}

TEST(Password, PlaintextAndEmptyColumnsNeverMatch) {
  EXPECT_EQ(verify_password("abcdefghij", "abcdefghij"), VerifyResult::unusable_hash);
  EXPECT_EQ(verify_password("", ""), VerifyResult::unusable_hash);
  EXPECT_EQ(verify_password("!", "!"), VerifyResult::unusable_hash);
  EXPECT_EQ(verify_password("x", "!x"), VerifyResult::unusable_hash);
  // Django's set_unusable_password(): "!" followed by 40 random characters.
  EXPECT_EQ(verify_password("", "!Qk2d8WmJ1rPz0aL9sV3cX7bN5hT4yG6fE8uI2oK1"),
            VerifyResult::unusable_hash);
  // Werkzeug's "plain" method and unsalted/HMAC digests are refused too.
  EXPECT_EQ(verify_password("abcdefghij", "plain$$abcdefghij"), VerifyResult::unusable_hash);
  EXPECT_EQ(verify_password(
                "abc", "sha256$$ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            VerifyResult::unusable_hash);
  EXPECT_FALSE(is_usable_hash("abcdefghij"));
  EXPECT_FALSE(is_usable_hash(""));
  EXPECT_FALSE(is_usable_hash("!"));
}

TEST(Password, MalformedLegacyStringsAreUnusable) {
  const std::string cases[] = {
      "pbkdf2_sha256$260000$seasalt4django22$",                              // no hash
      "pbkdf2_sha256$260000$$0rJjeHWNPeuX0Fv5hGiTMc6UuXPO/45EHv6LAPWq5tI=",  // no salt
      "pbkdf2_sha256$abc$seasalt4django22$0rJjeHWNPeuX0Fv5hGiTMc6UuXPO/45EHv6LAPWq5tI=",
      "pbkdf2_sha256$-1$seasalt4django22$0rJjeHWNPeuX0Fv5hGiTMc6UuXPO/45EHv6LAPWq5tI=",
      "pbkdf2_sha256$0$seasalt4django22$0rJjeHWNPeuX0Fv5hGiTMc6UuXPO/45EHv6LAPWq5tI=",
      "pbkdf2_sha256$260000$seasalt4django22$0rJjeHWNPeuX0Fv5hGiTMc6UuXPO/45EHv6LAPWq5t=",  // bits
      "pbkdf2_sha256$260000$seasalt4django22$0rJjeHWNPeuX0Fv5hGiTMc6UuXPO/45EHv6LAPWq",     // short
      "pbkdf2_sha1$260000$seasalt4django22$0rJjeHWNPeuX0Fv5hGiTMc6UuXPO/45EHv6LAPWq5tI=",
      "pbkdf2:sha256:$salt$4c2bfb6c5d375e5bf3299e6f2c4280ef419e879069bea0f36092fae9b92175fb",
      "pbkdf2:sha256:600000$salt$4C2BFB6C5D375E5BF3299E6F2C4280EF419E879069BEA0F36092FAE9B92175FB",
      "pbkdf2:sha256:600000$salt$4c2bfb6c",
      std::string("pbkdf2:sha256:600000:1$salt$") +
          "4c2bfb6c5d375e5bf3299e6f2c4280ef419e879069bea0f36092fae9b92175fb",
      "pbkdf2:sha1:1000$salt$4c2bfb6c5d375e5bf3299e6f2c4280ef419e8790",
      "pbkdf2:sha256:600000$4c2bfb6c5d375e5bf3299e6f2c4280ef419e879069bea0f36092fae9b92175fb",
      "scrypt:32768:8$salt$00",
      "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ",
      "$argon2d$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
      "$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(is_usable_hash(c)) << c;
    EXPECT_EQ(verify_password("anything", c), VerifyResult::unusable_hash) << c;
  }
  // An embedded NUL must not let a prefix be mistaken for the whole value.
  const std::string with_nul = std::string(kDjango) + std::string(1, '\0') + "x";
  EXPECT_EQ(verify_password(kPassword, with_nul), VerifyResult::unusable_hash);
}

// Rows with absurd cost parameters must be refused before any hashing starts;
// each of these would otherwise take minutes or gigabytes.
TEST(Password, AbsurdParametersAreUnusableNotSlow) {
  const char* cases[] = {
      "pbkdf2_sha256$4294967295$seasalt4django22$0rJjeHWNPeuX0Fv5hGiTMc6UuXPO/45EHv6LAPWq5tI=",
      "pbkdf2_sha256$10000001$seasalt4django22$0rJjeHWNPeuX0Fv5hGiTMc6UuXPO/45EHv6LAPWq5tI=",
      "pbkdf2_sha256$99999999999999999999$seasalt4django22$0rJjeHWNPeuX0Fv5hGiTMc6UuXPO/"
      "45EHv6LAPWq5tI=",
      "pbkdf2:sha256:2000000000$kR7vQ2xN8mLp4sTw$"
      "4c2bfb6c5d375e5bf3299e6f2c4280ef419e879069bea0f36092fae9b92175fb",
      // scrypt: N not a power of two, zero r/p, huge N, memory or work.
      "scrypt:32767:8:1$Gh5tYu8iOp2aSd4f$"
      "e4d8782b0135c5e82874d010ed5726c67d1cb9c6f67df139fd96f00e832dcb8b30da30b012b86e87d9367859fc7c"
      "e4e99cca037560546f7f2440349962472fbc",
      "scrypt:0:8:1$Gh5tYu8iOp2aSd4f$"
      "e4d8782b0135c5e82874d010ed5726c67d1cb9c6f67df139fd96f00e832dcb8b30da30b012b86e87d9367859fc7c"
      "e4e99cca037560546f7f2440349962472fbc",
      "scrypt:32768:0:1$Gh5tYu8iOp2aSd4f$"
      "e4d8782b0135c5e82874d010ed5726c67d1cb9c6f67df139fd96f00e832dcb8b30da30b012b86e87d9367859fc7c"
      "e4e99cca037560546f7f2440349962472fbc",
      "scrypt:32768:8:0$Gh5tYu8iOp2aSd4f$"
      "e4d8782b0135c5e82874d010ed5726c67d1cb9c6f67df139fd96f00e832dcb8b30da30b012b86e87d9367859fc7c"
      "e4e99cca037560546f7f2440349962472fbc",
      "scrypt:1073741824:8:1$Gh5tYu8iOp2aSd4f$"
      "e4d8782b0135c5e82874d010ed5726c67d1cb9c6f67df139fd96f00e832dcb8b30da30b012b86e87d9367859fc7c"
      "e4e99cca037560546f7f2440349962472fbc",
      "scrypt:1048576:8:1$Gh5tYu8iOp2aSd4f$"  // 1 GiB
      "e4d8782b0135c5e82874d010ed5726c67d1cb9c6f67df139fd96f00e832dcb8b30da30b012b86e87d9367859fc7c"
      "e4e99cca037560546f7f2440349962472fbc",
      "scrypt:32768:8:4096$Gh5tYu8iOp2aSd4f$"  // small memory, 4096x the work
      "e4d8782b0135c5e82874d010ed5726c67d1cb9c6f67df139fd96f00e832dcb8b30da30b012b86e87d9367859fc7c"
      "e4e99cca037560546f7f2440349962472fbc",
      "scrypt:16:4294967295:1$Gh5tYu8iOp2aSd4f$"
      "e4d8782b0135c5e82874d010ed5726c67d1cb9c6f67df139fd96f00e832dcb8b30da30b012b86e87d9367859fc7c"
      "e4e99cca037560546f7f2440349962472fbc",
  };
  for (const char* c : cases) {
    EXPECT_FALSE(is_usable_hash(c)) << c;
    EXPECT_EQ(verify_password(kPassword, c), VerifyResult::unusable_hash) << c;
  }
}

TEST(Password, AbsurdArgon2ParametersAreUnusable) {
  // Take a real hash and rewrite only its parameters.
  const auto h = hash_password(kPassword);
  const std::string prefix = "$argon2id$v=19$m=19456,t=2,p=1$";
  ASSERT_TRUE(h.starts_with(prefix));
  const std::string tail = h.substr(prefix.size());
  for (const char* params :
       {"m=4194304,t=1,p=1", "m=19456,t=4000000,p=1", "m=19456,t=2,p=255", "m=262144,t=16,p=1",
        "m=19456,t=0,p=1", "m=1,t=2,p=1", "m=19456,t=2,p=0"}) {
    const std::string s = std::string("$argon2id$v=19$") + params + "$" + tail;
    EXPECT_FALSE(is_usable_hash(s)) << s;
    EXPECT_EQ(verify_password(kPassword, s), VerifyResult::unusable_hash) << s;
  }
  // Within bounds but different parameters: parses, verifies as a mismatch.
  const std::string other = "$argon2id$v=19$m=19456,t=3,p=1$" + tail;
  EXPECT_TRUE(is_usable_hash(other));
  EXPECT_EQ(verify_password(kPassword, other), VerifyResult::mismatch);
}

TEST(Password, SpendVerifyTimeCostsAboutOneVerification) {
  spend_verify_time("warm-up");  // the first call also builds the dummy hash
  const auto start = std::chrono::steady_clock::now();
  spend_verify_time(kPassword);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // argon2id over 19 MiB cannot finish in under a millisecond; a no-op would.
  EXPECT_GT(elapsed, std::chrono::milliseconds(1));
}
