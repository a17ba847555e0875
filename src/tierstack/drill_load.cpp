#include "tierstack/drill_load.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <set>

#include "platform/db/pool.hpp"

namespace tierstack {

using Clock = std::chrono::steady_clock;

HttpReply http_request(const std::string& host, std::uint16_t port, const std::string& method,
                       const std::string& target, const std::string& body,
                       const std::map<std::string, std::string>& headers,
                       std::chrono::milliseconds timeout) {
  HttpReply res;
  in_addr a{};
  if (inet_pton(AF_INET, host.c_str(), &a) != 1) return res;
  const auto deadline = Clock::now() + timeout;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return res;
  auto remaining = [&] {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(ms < 0 ? 0 : ms);
  };
  auto wait_for = [&](short ev) {
    pollfd p{fd, ev, 0};
    return poll(&p, 1, remaining()) == 1;
  };
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr = a;
  std::string response;
  bool connected = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 ||
                   (errno == EINPROGRESS && wait_for(POLLOUT));
  if (connected) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    connected = err == 0;
  }
  if (connected) {
    std::string req =
        method + " " + target + " HTTP/1.1\r\nHost: " + host +
        "\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n";
    for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
    req += "\r\n" + body;
    std::size_t off = 0;
    while (off < req.size() && wait_for(POLLOUT)) {
      const ssize_t n = send(fd, req.data() + off, req.size() - off, MSG_NOSIGNAL);
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
    char buf[8192];
    while (off == req.size() && remaining() > 0 && wait_for(POLLIN)) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      response.append(buf, static_cast<std::size_t>(n));
      if (response.size() > (4u << 20)) break;
    }
  }
  close(fd);
  const auto he = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.", 0) != 0 || he == std::string::npos) return res;
  res.status = std::atoi(response.c_str() + 9);
  res.body = response.substr(he + 4);
  std::string head = response.substr(0, he);
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (head.find("transfer-encoding: chunked") != std::string::npos) {
    std::string out;
    const std::string& in = res.body;
    std::size_t pos = 0;
    while (pos < in.size()) {
      const auto eol = in.find("\r\n", pos);
      if (eol == std::string::npos) break;
      const auto size = std::strtoul(in.substr(pos, eol - pos).c_str(), nullptr, 16);
      if (size == 0) break;
      out.append(in, eol + 2, size);
      pos = eol + 2 + size + 2;
    }
    res.body = out;
  }
  return res;
}

CheckoutLoad::CheckoutLoad(std::string host, std::uint16_t port, int customers, std::string tag)
    : host_(std::move(host)), port_(port), n_(std::max(1, customers)), tag_(std::move(tag)) {}

CheckoutLoad::~CheckoutLoad() {
  stop();
}

std::string CheckoutLoad::prepare() {
  auto products =
      http_request(host_, port_, "GET", "/api/products/", "", {}, std::chrono::seconds(10));
  if (products.status != 200)
    return "GET /api/products/ answered " + std::to_string(products.status);
  try {
    const auto list = boost::json::parse(products.body);
    for (auto& p : list.as_array())
      if (p.at("stock").as_bool()) {
        product_id_ = p.at("id").to_number<std::int64_t>();
        break;
      }
  } catch (const std::exception& e) {
    return std::string("the product list is not what the shop serves: ") + e.what();
  }
  if (product_id_ == 0) return "no product in stock to order";
  for (int i = 0; i < n_; ++i) {
    const std::string name = "drill_" + tag_ + "_" + std::to_string(i);
    auto reg = http_request(host_, port_, "POST", "/account/register/",
                            boost::json::serialize(boost::json::object{
                                {"username", name},
                                {"email", name + "@example.com"},
                                {"password", "drill-customer-" + tag_ + std::to_string(i)}}),
                            {}, std::chrono::seconds(10));
    if (reg.status != 200)
      return "registering a drill customer answered " + std::to_string(reg.status) + ": " +
             reg.body.substr(0, 200);
    Customer c;
    try {
      auto user = boost::json::parse(reg.body).as_object();
      c.id = user.at("id").to_number<std::int64_t>();
      c.token = std::string(user.at("token").as_string());
      auto addr =
          http_request(host_, port_, "POST", "/account/create-address/",
                       boost::json::serialize(boost::json::object{{"name", name},
                                                                  {"phone_number", "9123456789"},
                                                                  {"pin_code", "110001"},
                                                                  {"house_no", "1 Drill Street"},
                                                                  {"landmark", "the data centre"},
                                                                  {"city", "Springfield"},
                                                                  {"state", "Oregon"}}),
                       {{"Authorization", "Bearer " + c.token}}, std::chrono::seconds(10));
      if (addr.status != 200)
        return "saving a drill customer's address answered " + std::to_string(addr.status);
      c.address_id = boost::json::parse(addr.body).at("id").to_number<std::int64_t>();
    } catch (const std::exception& e) {
      return std::string("unexpected answer while registering drill customers: ") + e.what();
    }
    customers_.push_back(c);
  }
  return "";
}

void CheckoutLoad::start() {
  stop_ = false;
  for (int i = 0; i < static_cast<int>(customers_.size()); ++i)
    threads_.emplace_back([this, i] { run(i); });
}

void CheckoutLoad::stop() {
  stop_ = true;
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void CheckoutLoad::run(int index) {
  const Customer& c = customers_[static_cast<std::size_t>(index)];
  const auto body = boost::json::serialize(boost::json::object{
      {"product_id", product_id_},
      {"address_id", c.address_id},
      {"card",
       {{"number", "4242424242424242"}, {"exp_month", 12}, {"exp_year", 2040}, {"cvc", "123"}}},
      {"save_card", false}});
  for (int k = 0; !stop_; ++k) {
    const std::string key =
        "drill-" + tag_ + "-c" + std::to_string(index) + "-o" + std::to_string(k);
    const std::map<std::string, std::string> headers{{"Authorization", "Bearer " + c.token},
                                                     {"Idempotency-Key", key}};
    const auto first = Clock::now();
    std::optional<Clock::time_point> first_409;
    for (;;) {
      const auto sent = Clock::now();
      const auto r = http_request(host_, port_, "POST", "/api/checkout/", body, headers,
                                  std::chrono::seconds(15));
      if (r.status == 201) {
        std::int64_t id = 0;
        try {
          id = boost::json::parse(r.body).at("id").to_number<std::int64_t>();
        } catch (...) {
        }
        std::lock_guard lk(mu_);
        acks_.push_back({"checkout:" + key, id, first, Clock::now()});
        ok_attempts_.emplace_back(sent, Clock::now());
        ++acked_;
        break;
      }
      // A key the shop still holds as started (its database went away before
      // it could free it) stays busy until the takeover window: after a
      // second of 409 this customer goes on with a new order. The abandoned
      // order was never acknowledged, so it cannot count as lost.
      if (r.status == 409) {
        if (!first_409) first_409 = Clock::now();
        if (Clock::now() - *first_409 > std::chrono::seconds(1)) {
          ++abandoned_;
          break;
        }
      } else if (r.status != 0 && r.status < 500) {
        ++abandoned_;  // a final answer (a refused card, a bad request): no order
        break;
      }
      // No answer or a 5xx says nothing about the order: retry with the same key.
      if (stop_ || Clock::now() - first > patience_) {
        ++abandoned_;
        break;
      }
      ++retries_;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

std::vector<CheckoutLoad::Ack> CheckoutLoad::acknowledged() const {
  std::lock_guard lk(mu_);
  return acks_;
}

std::vector<std::int64_t> CheckoutLoad::user_ids() const {
  std::vector<std::int64_t> ids;
  for (auto& c : customers_) ids.push_back(c.id);
  return ids;
}

double CheckoutLoad::unavailable_after(Clock::time_point t) const {
  std::lock_guard lk(mu_);
  std::optional<Clock::time_point> first;
  for (auto& [sent, answered] : ok_attempts_)
    if (sent >= t && (!first || answered < *first)) first = answered;
  return first ? std::chrono::duration<double>(*first - t).count() : -1;
}

OrderCount count_orders(const std::vector<CheckoutLoad::Ack>& acks,
                        const std::map<std::string, std::pair<long, std::int64_t>>& stored) {
  OrderCount n;
  std::set<std::string> acked;
  for (const auto& a : acks) {
    acked.insert(a.key);
    auto it = stored.find(a.key);
    if (it == stored.end() || it->second.second != a.order_id) ++n.lost;
  }
  for (const auto& [key, v] : stored) {
    n.duplicated += static_cast<int>(v.first - 1);
    if (!acked.count(key)) ++n.unacknowledged;
  }
  return n;
}

std::map<std::string, std::pair<long, std::int64_t>> stored_orders(
    const std::string& url, const std::vector<std::int64_t>& user_ids) {
  std::map<std::string, std::pair<long, std::int64_t>> stored;
  auto db = ts::db::Pool::open(url, {.max_size = 1});
  // One query per customer: a handful, and portable across both engines.
  for (auto id : user_ids)
    for (const auto& row :
         db->query("SELECT COALESCE(idempotency_key, ''), COUNT(*), MIN(id) FROM shop_orders WHERE "
                   "user_id = $1 GROUP BY idempotency_key",
                   {id}))
      stored[row.get<std::string>(0)] = {static_cast<long>(row.get<std::int64_t>(1)),
                                         row.get<std::int64_t>(2)};
  return stored;
}

}  // namespace tierstack
