#include "platform/http/error.hpp"

#include <boost/json.hpp>

#include "platform/http/message.hpp"

namespace ts::http {

HttpError::HttpError(int status, const std::string& detail)
    : std::runtime_error(detail), status_(status), body_(boost::json::object{{"detail", detail}}) {}

HttpError::HttpError(int status, boost::json::value body)
    : std::runtime_error(boost::json::serialize(body)), status_(status), body_(std::move(body)) {}

HttpError HttpError::fields(const std::vector<std::pair<std::string, std::string>>& errors) {
  boost::json::object o;
  for (const auto& [field, message] : errors) {
    auto& slot = o[field];
    if (!slot.is_array()) slot = boost::json::array();
    slot.as_array().emplace_back(message);
  }
  return HttpError(400, boost::json::value(std::move(o)));
}

Response HttpError::to_response() const {
  Response r = Response::json(body_, status_);
  for (const auto& [k, v] : headers_) r.headers.set(k, v);
  return r;
}

namespace {
thread_local bool network_thread = false;
}

bool on_network_thread() noexcept {
  return network_thread;
}

void require_worker() {
  if (network_thread) throw RunOnWorkers{};
}

void detail::mark_network_thread(bool on) noexcept {
  network_thread = on;
}

std::string detail_json(std::string_view text) {
  return boost::json::serialize(boost::json::object{{"detail", text}});
}

}  // namespace ts::http
