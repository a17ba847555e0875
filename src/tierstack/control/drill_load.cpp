#include "tierstack/control/drill_load.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <set>

#include "platform/db/pool.hpp"
#include "tierstack/os/http.hpp"

namespace tierstack {

using Clock = std::chrono::steady_clock;

namespace {

// One JSON request to the load balancer (the shop's API).
HttpReply http_request(const std::string& host, std::uint16_t port, const std::string& method,
                       const std::string& target, const std::string& body,
                       const std::map<std::string, std::string>& headers,
                       std::chrono::milliseconds timeout) {
  HttpRequest req{.method = method,
                  .host = host,
                  .port = port,
                  .target = target,
                  .body = body,
                  .headers = headers,
                  .timeout = timeout};
  req.headers.emplace("Content-Type", "application/json");
  return http_call(req);
}

}  // namespace

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

int drill_customers(const std::map<std::string, std::string>& args,
                    const std::function<void(const std::string&)>& say) {
  const auto it = args.find("customers");
  if (it == args.end() || it->second.empty()) return 4;
  int customers = 0;
  try {
    customers = std::stoi(it->second);
  } catch (...) {
    customers = 0;
  }
  if (customers >= 1 && customers <= 64) return customers;
  say("--customers wants a number from 1 to 64, got '" + it->second + "'");
  return 0;
}

}  // namespace tierstack
