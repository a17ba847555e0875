#pragma once
// The request and response types handlers see. Deliberately free of Beast so
// that handler code compiles fast and can be unit-tested without a socket;
// server.cpp converts to and from the wire.
#include <boost/json/fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/core/text.hpp"

namespace ts::http {

enum class Method : std::uint8_t { get, head, post, put, patch, del, options, other };
inline constexpr std::size_t kMethodCount = 8;

std::string_view method_name(Method m);
Method parse_method(std::string_view text);

// Decodes application/x-www-form-urlencoded text ('+' is a space);
// nullopt on a malformed %-escape.
std::optional<std::string> form_decode(std::string_view s);

// Case-insensitive ASCII comparison, as header names require.
using core::iequals;

class Headers {
 public:
  struct Field {
    std::string name;
    std::string value;
  };

  // First value of a header, or nullopt.
  std::optional<std::string_view> get(std::string_view name) const;
  // Replaces every existing field of that name.
  void set(std::string_view name, std::string_view value);
  void add(std::string_view name, std::string_view value);
  bool contains(std::string_view name) const { return get(name).has_value(); }
  void erase(std::string_view name);

  auto begin() const { return fields_.begin(); }
  auto end() const { return fields_.end(); }
  std::size_t size() const { return fields_.size(); }
  void reserve(std::size_t n) { fields_.reserve(n); }

 private:
  std::vector<Field> fields_;
};

// Who a request acts for, as the application's authenticator found it
// (Server::Options::authenticate): typed, so a handler never guesses.
struct Principal {
  std::int64_t id = 0;
  std::string username;
  std::string email;
  bool is_staff = false;
  bool is_active = true;
};

struct Request {
  Method method = Method::get;
  std::string method_text;  // as sent, for logs and 405 messages
  std::string target;       // raw request target: path?query
  std::string path;         // raw path (percent-encoded as sent)
  std::string query;        // raw query string without '?'
  Headers headers;
  std::string body;
  unsigned version = 11;

  // Filled by the server before the handler runs.
  std::vector<std::pair<std::string, std::string>> params;  // decoded path parameters
  std::string_view route;  // matched template, e.g. /api/product/{id}/
  std::string request_id;
  std::string client_ip;
  std::optional<Principal> user;  // set by the application's authenticator

  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
  // A path parameter; throws HttpError 404 when absent (a routing bug otherwise).
  std::string_view param(std::string_view name) const;
  // A path parameter declared {name:int}; range errors become 404.
  std::int64_t param_int(std::string_view name) const;
  // Decoded query parameter ('+' is a space); nullopt when absent.
  std::optional<std::string> query_param(std::string_view name) const;
  // Parses the body as JSON; malformed JSON is a 400 HttpError.
  boost::json::value json() const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  bool close = false;  // ask the server to close the connection after writing

  Response() = default;
  Response(int s, std::string b, std::string_view content_type);

  static Response json(const boost::json::value& v, int status = 200);
  static Response text(std::string body, int status = 200);
  static Response html(std::string body, int status = 200);
  static Response empty(int status);
  static Response redirect(std::string_view location, int status = 302);
};

}  // namespace ts::http
