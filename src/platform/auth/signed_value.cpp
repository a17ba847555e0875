#include "platform/auth/signed_value.hpp"

#include "platform/auth/crypto.hpp"

#include <cstdint>
#include <stdexcept>

namespace ts::auth {
namespace {

constexpr std::size_t kMinSecret = 32;
constexpr std::size_t kMaxTokenBytes = std::size_t{16} * 1024;

void check_args(std::string_view secret, std::string_view purpose) {
  if (secret.size() < kMinSecret) {
    throw std::invalid_argument("signed value: secret must be at least 32 bytes");
  }
  if (purpose.empty()) throw std::invalid_argument("signed value: empty purpose");
}

std::string mac(std::string_view secret, std::string_view purpose, std::string_view body) {
  // The NUL separates the fixed label from the purpose, so no purpose string
  // can reproduce another's key (nor the CSRF key, whose label differs).
  std::string label = "tierstack signed value v1";
  label += '\0';
  label += purpose;
  return derived_hmac_key(secret, label).tag(body);
}

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string sign(std::string_view secret, std::string_view purpose, std::string_view payload,
                 std::chrono::system_clock::time_point expires_at) {
  check_args(secret, purpose);
  const std::int64_t exp = unix_seconds(expires_at);
  if (exp < 0) throw std::invalid_argument("signed value: expiry before the epoch");
  const std::string body = base64url_encode(payload) + "." + std::to_string(exp);
  return body + "." + base64url_encode(mac(secret, purpose, body));
}

std::optional<std::string> unsign(std::string_view secret, std::string_view purpose,
                                  std::string_view token,
                                  std::chrono::system_clock::time_point now) {
  check_args(secret, purpose);
  if (token.size() > kMaxTokenBytes) return std::nullopt;
  const auto dot2 = token.rfind('.');
  if (dot2 == std::string_view::npos || dot2 == 0) return std::nullopt;
  const auto dot1 = token.rfind('.', dot2 - 1);
  if (dot1 == std::string_view::npos || token.find('.') != dot1) return std::nullopt;

  const std::string_view body = token.substr(0, dot2);
  const auto tag = base64url_decode(token.substr(dot2 + 1));
  if (!tag || !constant_time_equal(*tag, mac(secret, purpose, body))) return std::nullopt;

  // Authentic from here on: we wrote these fields, but parse them carefully anyway.
  const std::string_view exp_text = token.substr(dot1 + 1, dot2 - dot1 - 1);
  if (exp_text.empty() || exp_text.size() > 12) return std::nullopt;
  std::int64_t exp = 0;
  for (char c : exp_text) {
    if (c < '0' || c > '9') return std::nullopt;
    exp = exp * 10 + (c - '0');
  }
  if (unix_seconds(now) >= exp) return std::nullopt;
  return base64url_decode(token.substr(0, dot1));
}

}  // namespace ts::auth
