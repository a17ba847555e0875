// The HTTP client on libcurl. A fresh easy handle per request: probes and
// drills send few requests, and a new connection each time is what a probe
// should measure.
#include "tierstack/os/http.hpp"

#include <curl/curl.h>

#include <memory>
#include <mutex>

#include "tierstack/os/net.hpp"

namespace tierstack {

namespace {

// Bodies beyond this are cut (the probes read /metrics and small JSON).
constexpr std::size_t kMaxBody = std::size_t{4} << 20;

std::size_t append_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  const std::size_t bytes = size * n;
  if (body->size() + bytes > kMaxBody) return 0;  // stops the transfer
  body->append(data, bytes);
  return bytes;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

HttpReply perform(const HttpRequest& req) {
  HttpReply reply;
  const std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(),
                                                                 &curl_easy_cleanup);
  if (!curl) return reply;
  CURL* h = curl.get();
  const std::string url = "http://" + req.host + ":" + std::to_string(req.port) + req.target;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROXY, "");  // never the environment's proxy
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  if (req.method != "GET" || !req.body.empty()) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(req.body.size()));
  }
  const std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(
      [&req] {
        curl_slist* list = curl_slist_append(nullptr, "Expect:");
        for (const auto& [k, v] : req.headers) {
          std::string header = k;
          header += ": ";
          header += v;
          list = curl_slist_append(list, header.c_str());
        }
        return list;
      }(),
      &curl_slist_free_all);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &append_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply.body);
  const CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  // A status line arrived: an answer, even when the body was cut or timed out.
  reply.status = rc == CURLE_OK || status > 0 ? static_cast<int>(status) : 0;
  if (reply.status == 0) reply.body.clear();
  reply.timed_out = reply.status == 0 && rc == CURLE_OPERATION_TIMEDOUT;
  return reply;
}

}  // namespace

HttpReply http_call(const HttpRequest& req) {
  global_init();
  HttpReply reply;
  in_netns(req.netns, [&] { reply = perform(req); });
  return reply;
}

HttpReply http_get(const std::string& netns, const std::string& host, std::uint16_t port,
                   const std::string& path, std::chrono::milliseconds timeout) {
  return http_call(
      {.host = host, .port = port, .target = path, .timeout = timeout, .netns = netns});
}

}  // namespace tierstack
