#pragma once
// Stateless CSRF tokens bound to a session id. The server keeps no state: a
// token is "<unix seconds>.<random>.<mac>", where the MAC (HMAC-SHA256 under a
// key derived from the secret for this purpose only) covers the session id,
// the time and the random part. Put it in forms / an X-CSRF-Token header and
// check it on every state-changing request.
#include <chrono>
#include <string>
#include <string_view>

namespace ts::auth {

// secret: at least 32 bytes, else std::invalid_argument (configuration error);
// session_id: must not be empty (std::invalid_argument).
std::string csrf_token(std::string_view secret, std::string_view session_id,
                       std::chrono::system_clock::time_point now);

// True only for a well-formed, untampered token made for this session id
// that is at most max_age old. Tokens dated more than a minute in the future
// (clock skew between instances) are refused. The MAC comparison is
// constant-time. Throws std::invalid_argument only for a short secret.
bool csrf_verify(std::string_view secret, std::string_view session_id, std::string_view token,
                 std::chrono::system_clock::time_point now, std::chrono::seconds max_age);

}  // namespace ts::auth
