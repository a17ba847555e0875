#pragma once
// Owns: tierstack's HTTP client (libcurl): readiness probes, /metrics scrapes
// and the drills' checkout load. One request on a fresh connection with a
// deadline, never through a proxy, optionally from inside a network namespace.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace tierstack {

struct HttpRequest {
  std::string method = "GET";
  std::string host = "127.0.0.1";  // an IPv4 address
  std::uint16_t port = 0;
  std::string target = "/";  // path and query
  std::string body;
  std::map<std::string, std::string> headers;
  std::chrono::milliseconds timeout{400};
  std::string netns;  // "" or the network namespace to send it from
};

struct HttpReply {
  int status = 0;  // 0: no answer (connection refused, reset, timed out)
  std::string body;
  bool timed_out = false;  // no answer within the timeout (the peer may just be slow)
};

HttpReply http_call(const HttpRequest& req);

// GET http://host:port<path> (from inside netns when it is not empty).
HttpReply http_get(const std::string& netns, const std::string& host, std::uint16_t port,
                   const std::string& path,
                   std::chrono::milliseconds timeout = std::chrono::milliseconds(400));

}  // namespace tierstack
