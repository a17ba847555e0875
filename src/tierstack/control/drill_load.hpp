#pragma once
// Checkout load for the database drills: customers registered through the
// load balancer place orders one after another, each with its own
// Idempotency-Key and the same key on every retry (as a careful client does),
// and the load remembers which orders the shop acknowledged (201 with an
// order id). A drill then compares that with the orders in the database:
// an acknowledged order missing there is lost; a key with two orders is a
// duplicate.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tierstack {

class CheckoutLoad {
 public:
  using Clock = std::chrono::steady_clock;
  CheckoutLoad(std::string host, std::uint16_t port, int customers, std::string tag);
  ~CheckoutLoad();
  CheckoutLoad(const CheckoutLoad&) = delete;
  CheckoutLoad& operator=(const CheckoutLoad&) = delete;

  // How long a checkout without an answer (or with a 5xx) is retried with
  // its key before the customer gives up on it; 30 s unless set before
  // start() (lose-db waits for a whole restore).
  void set_patience(std::chrono::seconds s) { patience_ = s; }
  // Registers the customers and picks an in-stock product; "" or why not.
  std::string prepare();
  void start();
  void stop();

  struct Ack {
    std::string key;  // as stored by the shop: "checkout:<Idempotency-Key>"
    std::int64_t order_id = 0;
    Clock::time_point sent, answered;  // the first attempt, the 201
  };
  std::vector<Ack> acknowledged() const;
  std::vector<std::int64_t> user_ids() const;
  int acknowledged_count() const { return acked_; }
  int abandoned() const { return abandoned_; }  // keys given up (never acknowledged)
  int retries() const { return retries_; }
  // Seconds from `t` until the first checkout sent after `t` was acknowledged
  // (-1: none was): how long the shop could not take an order.
  double unavailable_after(Clock::time_point t) const;

 private:
  struct Customer {
    std::int64_t id = 0;
    std::string token;
    std::int64_t address_id = 0;
  };
  void run(int index);

  std::string host_;
  std::uint16_t port_;
  std::chrono::seconds patience_{30};
  int n_;
  std::string tag_;
  std::int64_t product_id_ = 0;
  std::vector<Customer> customers_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<int> acked_{0}, abandoned_{0}, retries_{0};
  mutable std::mutex mu_;
  std::vector<Ack> acks_;
  // Per attempt that was answered 201: when it was sent and answered.
  std::vector<std::pair<Clock::time_point, Clock::time_point>> ok_attempts_;
};

// The drills' reconciliation: the acknowledged orders against those stored
// (idempotency key as stored -> number of orders with it, the lowest id).
struct OrderCount {
  int lost = 0;            // acknowledged, not stored (or stored under another id)
  int duplicated = 0;      // extra orders for one key
  int unacknowledged = 0;  // stored, the client never told (abandoned keys)
};
OrderCount count_orders(const std::vector<CheckoutLoad::Ack>& acks,
                        const std::map<std::string, std::pair<long, std::int64_t>>& stored);
// The drill customers' orders in the shop's database at `url` (a libpq or
// sqlite URL), for count_orders; throws with the reason.
std::map<std::string, std::pair<long, std::int64_t>> stored_orders(
    const std::string& url, const std::vector<std::int64_t>& user_ids);

// The drills' --customers (args["customers"], 4 when absent): 1 to 64, or 0
// after telling the operator why (through `say`).
int drill_customers(const std::map<std::string, std::string>& args,
                    const std::function<void(const std::string&)>& say);

}  // namespace tierstack
