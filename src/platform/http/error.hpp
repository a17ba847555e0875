#pragma once
// One error type for everything a handler wants to answer with a non-2xx
// status. The server maps it to a response in one place (to_response); any
// other exception becomes a logged 500 that carries the request id and no
// internals.
#include <boost/json/value.hpp>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ts::http {

struct Response;

class HttpError : public std::runtime_error {
 public:
  // Body {"detail": detail}.
  HttpError(int status, const std::string& detail);
  HttpError(int status, const char* detail) : HttpError(status, std::string(detail)) {}
  // A body of the caller's shape (e.g. {"username": ["This field is required."]}).
  HttpError(int status, boost::json::value body);

  int status() const { return status_; }
  const boost::json::value& body() const { return body_; }
  HttpError& with_header(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }

  Response to_response() const;

  static HttpError bad_request(const std::string& detail) { return {400, detail}; }
  static HttpError unauthorized(const std::string& detail) { return {401, detail}; }
  static HttpError forbidden(const std::string& detail) { return {403, detail}; }
  static HttpError not_found(const std::string& detail = "Not found.") { return {404, detail}; }
  static HttpError conflict(const std::string& detail) { return {409, detail}; }
  static HttpError unavailable(const std::string& detail) { return {503, detail}; }
  // 400 {"field": ["message"]} — one or more field errors.
  static HttpError fields(const std::vector<std::pair<std::string, std::string>>& errors);

 private:
  int status_;
  boost::json::value body_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

// Thrown by a handler that runs on a network thread (RouteOptions::blocking
// false, or inline_when) and finds, e.g. once it knows its caller, that it has
// long or blocking work to do: the server runs the handler again on the worker
// pool (authentication and the access check are not repeated). Deliberately
// not a std::exception, so handlers' catch-alls for errors do not take it;
// throw it before the handler has changed anything. require_worker() is the
// way to throw it.
struct RunOnWorkers {};

// True on the server's network threads (where a handler must not block).
bool on_network_thread() noexcept;
// Throws RunOnWorkers on a network thread; does nothing on a worker thread.
void require_worker();
namespace detail {
void mark_network_thread(bool on) noexcept;  // the server, on each network thread
}

// {"detail": text} as a compact JSON string.
std::string detail_json(std::string_view text);

}  // namespace ts::http
