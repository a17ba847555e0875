#pragma once
// A tiny HTTP/1.1 server inside the test process, standing in for Stripe's
// API: it records every request and answers through a handler. One
// connection at a time, "Connection: close" after each answer.
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace shop_test {

class StubHttpServer {
 public:
  struct Request {
    std::string method, path, query, body;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string header(const std::string& lower) const;
    // The form-urlencoded body, decoded.
    std::map<std::string, std::string> form() const;
  };
  struct Reply {
    int status = 200;
    std::string body = "{}";
  };
  using Handler = std::function<Reply(const Request&)>;

  explicit StubHttpServer(Handler handler);
  ~StubHttpServer();
  StubHttpServer(const StubHttpServer&) = delete;
  StubHttpServer& operator=(const StubHttpServer&) = delete;

  unsigned short port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<Request> requests() const;
  void clear();

 private:
  void serve();
  void handle(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<Request> requests_;
  std::thread thread_;
};

// Stripe's test mode in miniature: /v1/tokens, /v1/customers,
// /v1/customers/{id}/sources[/{card}], /v1/charges. Ids are cus_1, tok_1,
// card_1, ch_1, … in order. Charging a card 4000000000000002 is declined
// (card_declined), 4000000000009995 fails with decline_code insufficient_funds.
StubHttpServer::Handler fake_stripe();

}  // namespace shop_test
