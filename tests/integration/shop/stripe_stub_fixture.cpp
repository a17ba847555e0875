#include "stripe_stub_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <memory>
#include <stdexcept>

namespace shop_test {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

std::string url_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 402:
      return "Request Failed";
    case 404:
      return "Not Found";
    default:
      return "Status";
  }
}

}  // namespace

std::string StubHttpServer::Request::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

std::map<std::string, std::string> StubHttpServer::Request::form() const {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos <= body.size() && !body.empty()) {
    auto amp = body.find('&', pos);
    auto pair = body.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    auto eq = pair.find('=');
    out[url_decode(pair.substr(0, eq))] =
        eq == std::string::npos ? "" : url_decode(pair.substr(eq + 1));
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return out;
}

StubHttpServer::StubHttpServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) throw std::runtime_error("stub: socket failed");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0)
    throw std::runtime_error("stub: bind/listen failed");
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

StubHttpServer::~StubHttpServer() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

std::vector<StubHttpServer::Request> StubHttpServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

void StubHttpServer::clear() {
  std::lock_guard lock(mutex_);
  requests_.clear();
}

void StubHttpServer::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    handle(fd);
    ::close(fd);
  }
}

void StubHttpServer::handle(int fd) {
  std::string data;
  char buf[4096];
  auto read_more = [&] {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return false;
    const auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    data.append(buf, static_cast<std::size_t>(n));
    return true;
  };
  std::size_t head_end;
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos)
    if (!read_more()) return;
  Request req;
  const auto head = data.substr(0, head_end);
  auto line_end = head.find("\r\n");
  const auto request_line = head.substr(0, line_end);
  const auto sp1 = request_line.find(' ');
  const auto sp2 = request_line.find(' ', sp1 + 1);
  req.method = request_line.substr(0, sp1);
  auto target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (auto q = target.find('?'); q != std::string::npos) {
    req.query = target.substr(q + 1);
    target.resize(q);
  }
  req.path = target;
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    auto end = head.find("\r\n", pos);
    if (end == std::string::npos) end = head.size();
    const auto line = head.substr(pos, end - pos);
    if (auto colon = line.find(':'); colon != std::string::npos) {
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      req.headers[lower(line.substr(0, colon))] = value;
    }
    pos = end + 2;
  }
  std::size_t length = 0;
  if (auto cl = req.header("content-length"); !cl.empty()) length = std::stoul(cl);
  while (data.size() < head_end + 4 + length)
    if (!read_more()) break;
  req.body = data.substr(head_end + 4, length);

  Reply reply = handler_(req);
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(req);
  }
  std::string out =
      "HTTP/1.1 " + std::to_string(reply.status) + " " + reason(reply.status) +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(reply.body.size()) +
      "\r\nConnection: close\r\n\r\n" + reply.body;
  std::size_t sent = 0;
  while (sent < out.size()) {
    const auto n = ::write(fd, out.data() + sent, out.size() - sent);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
}

StubHttpServer::Handler fake_stripe() {
  struct State {
    std::mutex mutex;
    int next = 0;
    std::map<std::string, boost::json::object>
        tokens;                                    // tok -> card (with the test number's behaviour)
    std::map<std::string, std::string> behaviour;  // card id -> "", "decline", "funds"
    std::map<std::string, boost::json::object> cards;  // card id -> card
  };
  auto state = std::make_shared<State>();
  return [state](const StubHttpServer::Request& req) -> StubHttpServer::Reply {
    std::lock_guard lock(state->mutex);
    auto id = [&](const char* prefix) { return prefix + std::to_string(++state->next); };
    auto error = [](int status, const char* type, const char* code, const char* message,
                    const char* decline = nullptr) {
      boost::json::object e{{"type", type}, {"code", code}, {"message", message}};
      if (decline) e["decline_code"] = decline;
      return StubHttpServer::Reply{status,
                                   boost::json::serialize(boost::json::object{{"error", e}})};
    };
    const auto form = req.form();
    auto field = [&](const std::string& k) {
      auto it = form.find(k);
      return it == form.end() ? std::string() : it->second;
    };
    if (req.header("authorization") != "Bearer sk_test_stub")
      return error(401, "invalid_request_error", "", "Invalid API Key provided: sk_***");
    if (req.method == "POST" && req.path == "/v1/tokens") {
      const auto number = field("card[number]");
      const auto card_id = id("card_");
      boost::json::object card{{"id", card_id},
                               {"object", "card"},
                               {"brand", number[0] == '5' ? "MasterCard" : "Visa"},
                               {"last4", number.substr(number.size() - 4)},
                               {"exp_month", std::stoi(field("card[exp_month]"))},
                               {"exp_year", std::stoi(field("card[exp_year]"))},
                               {"name", nullptr}};
      state->behaviour[card_id] = number == "4000000000000002"   ? "decline"
                                  : number == "4000000000009995" ? "funds"
                                                                 : "";
      const auto tok = id("tok_");
      state->tokens[tok] = card;
      return {200, boost::json::serialize(
                       boost::json::object{{"id", tok}, {"object", "token"}, {"card", card}})};
    }
    if (req.method == "POST" && req.path == "/v1/customers") {
      return {200, boost::json::serialize(boost::json::object{
                       {"id", id("cus_")}, {"object", "customer"}, {"email", field("email")}})};
    }
    const std::string prefix = "/v1/customers/";
    if (req.path.rfind(prefix, 0) == 0) {
      const auto rest = req.path.substr(prefix.size());
      const auto slash = rest.find('/');
      const auto customer = rest.substr(0, slash);
      if (slash == std::string::npos) {
        if (req.method == "DELETE")
          return {200,
                  boost::json::serialize(boost::json::object{{"id", customer}, {"deleted", true}})};
        return error(404, "invalid_request_error", "resource_missing", "No such customer");
      }
      const auto sources = rest.substr(slash + 1);
      if (sources == "sources" && req.method == "POST") {
        auto it = state->tokens.find(field("source"));
        if (it == state->tokens.end())
          return error(400, "invalid_request_error", "resource_missing", "No such token");
        auto card = it->second;
        card["customer"] = customer;
        state->cards[std::string(card["id"].as_string())] = card;
        state->tokens.erase(it);
        return {200, boost::json::serialize(card)};
      }
      if (sources.rfind("sources/", 0) == 0) {
        const auto card_id = sources.substr(8);
        auto it = state->cards.find(card_id);
        if (it == state->cards.end())
          return error(404, "invalid_request_error", "resource_missing", "No such source");
        if (req.method == "DELETE") {
          state->cards.erase(it);
          return {200,
                  boost::json::serialize(boost::json::object{{"id", card_id}, {"deleted", true}})};
        }
        if (req.method == "POST") {
          for (const auto& [k, v] : form) {
            if (k == "exp_month" || k == "exp_year")
              it->second[k] = std::stoi(v);
            else
              it->second[k] = v;
          }
        }
        return {200, boost::json::serialize(it->second)};
      }
    }
    if (req.method == "POST" && req.path == "/v1/charges") {
      const auto card_id = field("source");
      auto it = state->cards.find(card_id);
      if (it == state->cards.end())
        return error(400, "invalid_request_error", "resource_missing", "No such source");
      const auto& b = state->behaviour[card_id];
      if (b == "decline")
        return error(402, "card_error", "card_declined", "Your card was declined.",
                     "generic_decline");
      if (b == "funds")
        return error(402, "card_error", "card_declined", "Your card has insufficient funds.",
                     "insufficient_funds");
      return {200,
              boost::json::serialize(boost::json::object{{"id", id("ch_")},
                                                         {"object", "charge"},
                                                         {"amount", std::stoll(field("amount"))},
                                                         {"currency", field("currency")},
                                                         {"customer", field("customer")},
                                                         {"source", it->second},
                                                         {"created", 1700000000}})};
    }
    return error(404, "invalid_request_error", "", "Unrecognized request URL");
  };
}

}  // namespace shop_test
