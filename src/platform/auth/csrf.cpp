#include "platform/auth/csrf.hpp"

#include "platform/auth/crypto.hpp"
#include "platform/core/text.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>

namespace ts::auth {
namespace {

constexpr std::size_t kMinSecret = 32;
constexpr std::size_t kNonceBytes = 16;
constexpr std::size_t kMaxTokenBytes = 128;
constexpr std::int64_t kFutureSkewSeconds = 60;

void check_secret(std::string_view secret) {
  if (secret.size() < kMinSecret) {
    throw std::invalid_argument("csrf: secret must be at least 32 bytes");
  }
}

std::string mac(std::string_view secret, std::string_view session_id, std::string_view timestamp,
                std::string_view nonce) {
  // A purpose-specific key keeps these MACs from ever matching one made with
  // the same secret for something else; the length prefix keeps the session
  // id from running into the timestamp.
  const HmacKey& key = derived_hmac_key(secret, "tierstack csrf v1");
  std::string msg = std::to_string(session_id.size());
  msg += ':';
  msg += session_id;
  msg += '|';
  msg += timestamp;
  msg += '.';
  msg += nonce;
  return key.tag(msg);
}

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::optional<std::int64_t> parse_timestamp(std::string_view s) {
  return ts::core::parse_digits(s, 12);
}

}  // namespace

std::string csrf_token(std::string_view secret, std::string_view session_id,
                       std::chrono::system_clock::time_point now) {
  check_secret(secret);
  if (session_id.empty()) throw std::invalid_argument("csrf: empty session id");
  const std::int64_t ts = unix_seconds(now);
  if (ts < 0) throw std::invalid_argument("csrf: time before the epoch");
  const std::string timestamp = std::to_string(ts);
  const std::string nonce = random_token(kNonceBytes);
  return timestamp + "." + nonce + "." +
         base64url_encode(mac(secret, session_id, timestamp, nonce));
}

bool csrf_verify(std::string_view secret, std::string_view session_id, std::string_view token,
                 std::chrono::system_clock::time_point now, std::chrono::seconds max_age) {
  check_secret(secret);
  if (session_id.empty() || token.size() > kMaxTokenBytes || max_age.count() < 0) return false;
  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return false;
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return false;
  }
  const std::string_view timestamp = token.substr(0, dot1);
  const std::string_view nonce = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const auto ts = parse_timestamp(timestamp);
  const auto nonce_bytes = base64url_decode(nonce);
  const auto tag = base64url_decode(token.substr(dot2 + 1));
  if (!ts || !nonce_bytes || nonce_bytes->size() != kNonceBytes || !tag) return false;

  if (!constant_time_equal(*tag, mac(secret, session_id, timestamp, nonce))) return false;
  const std::int64_t now_s = unix_seconds(now);
  return *ts <= now_s + kFutureSkewSeconds && now_s - *ts <= max_age.count();
}

}  // namespace ts::auth
