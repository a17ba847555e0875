// tierstack drill lose-db: customers check out through the load balancer
// while the database is destroyed for real (SQLite: the apps' files and
// their WAL deleted, the apps killed; PostgreSQL: the cluster killed with
// SIGKILL and its data directory deleted), then restored from the newest
// backup plus the shipped/archived WAL, and the apps brought back. The
// customers retry a checkout that got no answer with the same
// Idempotency-Key, as the store's client does. Ends with one line:
//   drill lose-db: N orders acknowledged, L lost, D duplicated, unavailable T s
// counted by comparing the orders the customers were told succeeded with
// the orders in the restored database.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstring>
#include <mutex>
#include <thread>

#include "platform/db/pool.hpp"
#include "tierstack/backup.hpp"
#include "tierstack/supervisor.hpp"

namespace tierstack {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Reply {
  int status = 0;  // 0: no answer (refused, reset, timed out)
  std::string body;
};

// One HTTP/1.1 request on a fresh loopback connection, Connection: close.
Reply request(const std::string& host, std::uint16_t port, const std::string& method,
              const std::string& target, const std::string& body, const std::string& token,
              const std::string& key) {
  Reply r;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return r;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return r;
  }
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: " + host +
                    "\r\nConnection: close\r\nContent-Type: application/json\r\n";
  if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
  if (!key.empty()) req += "Idempotency-Key: " + key + "\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return r;
  }
  std::string in;
  char buf[8192];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  if (in.rfind("HTTP/1.", 0) != 0 || in.size() < 12) return r;
  const auto end = in.find("\r\n\r\n");
  if (end == std::string::npos) return r;
  r.status = std::atoi(in.c_str() + 9);
  r.body = in.substr(end + 4);
  // A chunked body: the JSON is what matters; take the chunks' data.
  if (in.substr(0, end).find("chunked") != std::string::npos) {
    std::string plain;
    std::size_t p = end + 4;
    for (;;) {
      const auto nl = in.find("\r\n", p);
      if (nl == std::string::npos) break;
      const auto len = std::strtoul(in.c_str() + p, nullptr, 16);
      if (len == 0) break;
      plain += in.substr(nl + 2, len);
      p = nl + 2 + len + 2;
    }
    r.body = plain;
  }
  return r;
}

struct Customer {
  std::string token;
  std::int64_t address_id = 0;
};

struct Ack {
  std::string key;
  Clock::time_point sent, at;  // the successful attempt's request and answer
};

}  // namespace

int Supervisor::op_lose_db(const std::map<std::string, std::string>& args, const Out& out) {
  Component* lb = find("lb");
  if (!lb || !lb->app_ports.count("shop") || !backups_) {
    out("drill lose-db needs the shop behind the load balancer");
    return 2;
  }
  const std::string host = lb->host;
  const std::uint16_t port = lb->app_ports.at("shop");
  const int customers = args.count("customers") ? std::stoi(args.at("customers")) : 4;
  const bool postgres = topo_.database == "postgres";
  const std::string tag = "lose-db-" + std::to_string(std::time(nullptr));

  // The catalogue and the customers, made through the store as its client would.
  std::int64_t product = 0;
  {
    const auto r = request(host, port, "GET", "/api/products/", "", "", "");
    try {
      const auto catalogue = json::parse(r.body);
      for (const auto& p : catalogue.as_array())
        if (p.at("stock").as_bool()) {
          product = p.at("id").to_number<std::int64_t>();
          break;
        }
    } catch (const std::exception&) {
    }
  }
  if (product == 0) {
    out("drill lose-db: the store lists no product in stock");
    return 1;
  }
  std::vector<Customer> people(static_cast<std::size_t>(customers));
  for (int i = 0; i < customers; ++i) {
    const auto name = tag + "-" + std::to_string(i);
    auto reg = request(host, port, "POST", "/account/register/",
                       json::serialize(json::object{{"username", name},
                                                    {"email", name + "@example.com"},
                                                    {"password", "drill-password-" + name}}),
                       "", "");
    auto addr = reg.status == 200
                    ? request(host, port, "POST", "/account/create-address/",
                              json::serialize(json::object{{"name", name},
                                                           {"phone_number", "9123456789"},
                                                           {"pin_code", "110001"},
                                                           {"house_no", "1 Drill Road"},
                                                           {"landmark", "the backup"},
                                                           {"city", "Springfield"},
                                                           {"state", "Oregon"}}),
                              std::string(json::parse(reg.body).at("token").as_string()), "")
                    : Reply{};
    if (addr.status != 200) {
      out("drill lose-db: could not register a customer: " + reg.body.substr(0, 200) +
          addr.body.substr(0, 200));
      return 1;
    }
    people[static_cast<std::size_t>(i)] = {
        std::string(json::parse(reg.body).at("token").as_string()),
        json::parse(addr.body).at("id").to_number<std::int64_t>()};
  }

  // A base backup to restore from, taken now (with the customers in it).
  {
    const auto self = tierstack_binary();
    SpawnOptions s;
    s.argv = {self.string(), "--topology", topo_.file.string(), "--state-dir", state_.string(),
              "db",          "backup"};
    s.log_file = logs_ / "backup.log";
    const auto t0 = Clock::now();
    if (run_to_end(s, std::chrono::seconds(600)) != 0) {
      out("drill lose-db: the base backup failed; see " + s.log_file.string());
      return 1;
    }
    out("drill: base backup taken in " + std::to_string(seconds_since(t0)).substr(0, 4) + " s");
  }

  // The checkout load: each customer checks out again and again; a checkout
  // without an answer (no connection, 5xx, key still held) is retried with
  // the same key until it is acknowledged.
  std::mutex mu;
  std::vector<Ack> acks;
  std::atomic<bool> stop{false};
  std::atomic<int> gave_up{0};
  std::optional<Clock::time_point> destroyed;
  std::optional<Clock::time_point> first_ok_after;
  std::vector<std::thread> load;
  for (int i = 0; i < customers; ++i)
    load.emplace_back([&, i] {
      const auto& c = people[static_cast<std::size_t>(i)];
      const std::string body = json::serialize(json::object{
          {"product_id", product},
          {"address_id", c.address_id},
          {"card",
           {{"number", "4242424242424242"}, {"exp_month", 12}, {"exp_year", 2040}, {"cvc", "123"}}},
          {"save_card", false}});
      for (int k = 0; !stop; ++k) {
        const std::string key = tag + "-c" + std::to_string(i) + "-o" + std::to_string(k);
        const auto give_up = Clock::now() + std::chrono::seconds(120);
        for (;;) {
          const auto sent = Clock::now();
          const auto r = request(host, port, "POST", "/api/checkout/", body, c.token, key);
          if (r.status == 201) {
            std::lock_guard lk(mu);
            acks.push_back({key, sent, Clock::now()});
            if (destroyed && sent > *destroyed && !first_ok_after) first_ok_after = Clock::now();
            break;
          }
          const bool retry = r.status == 0 || r.status >= 500 ||
                             (r.status == 409 && r.body.find("idempotency") != std::string::npos);
          if (!retry || Clock::now() > give_up) {
            ++gave_up;
            break;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  auto finish_load = [&] {
    stop = true;
    for (auto& t : load) t.join();
  };
  std::this_thread::sleep_for(std::chrono::seconds(3));

  // Destroy the database.
  std::vector<Component*> apps;
  for (auto& c : comps_)
    if (c->kind == Kind::app) apps.push_back(c.get());
  Component* pg = find("postgres");
  std::size_t acked_before = 0;
  Clock::time_point t_destroy;
  // The moment of the loss: the first destructive step.
  auto lost_now = [&] {
    std::lock_guard lk(mu);
    destroyed = t_destroy = Clock::now();
    acked_before = acks.size();
  };
  std::string used;
  try {
    if (!postgres) {
      // The shipper stops first: after the loss nothing more can be read.
      lost_now();
      backups_->pause_shipping();
      {
        std::lock_guard lk(mu_);
        for (auto* c : apps) {
          c->hold = true;
          c->restart_pending = false;
          if (c->pid > 0) killpg(c->pid, SIGKILL);
        }
      }
      for (const auto& a : topo_.apps)
        for (const char* suffix : {"", "-wal", "-shm"})
          fs::remove(state_ / "db" / (a.name + ".db" + suffix));
      out("drill: SQLite files and their WAL deleted, app instances killed (SIGKILL), " +
          std::to_string(acked_before) + " orders acknowledged so far");
      wait_until(
          [&] {
            return std::all_of(apps.begin(), apps.end(), [](Component* c) { return c->pid <= 0; });
          },
          std::chrono::seconds(10));
      const auto t_restore = Clock::now();
      std::int64_t replayed = 0;
      for (const auto& a : topo_.apps) {
        if (!std::any_of(apps.begin(), apps.end(), [&](Component* c) { return c->app == a.name; }))
          continue;
        replayed += restore_sqlite_in_place(topo_.backup_dir, a.name,
                                            state_ / "db" / (a.name + ".db"), used);
      }
      out("drill: restored from backup " + used + " plus " + std::to_string(replayed) +
          " shipped WAL transactions in " + std::to_string(seconds_since(t_restore)).substr(0, 4) +
          " s");
      {
        std::lock_guard lk(mu_);
        for (auto* c : apps) {
          c->hold = false;
          start(*c);
        }
      }
    } else {
      lost_now();
      {
        std::lock_guard lk(mu_);
        pg->hold = true;
        pg->restart_pending = false;
        if (pg->pid > 0) killpg(pg->pid, SIGKILL);
      }
      wait_until([&] { return pg->pid <= 0; }, std::chrono::seconds(10));
      const auto data = state_ / "postgres" / "data";
      fs::remove_all(data);
      out("drill: PostgreSQL killed (SIGKILL) and its data directory deleted, " +
          std::to_string(acked_before) + " orders acknowledged so far");
      const auto t_restore = Clock::now();
      restore_postgres_in_place(topo_.backup_dir, data, used);
      {
        std::lock_guard lk(mu_);
        pg->hold = false;
        start(*pg);
      }
      wait_until([&] { return pg->ready; }, std::chrono::seconds(300));
      out("drill: PostgreSQL recovered from backup " + used +
          " and the WAL archive, promoted and ready in " +
          std::to_string(seconds_since(t_restore)).substr(0, 4) + " s");
    }
  } catch (const std::exception& e) {
    finish_load();
    out(std::string("drill lose-db FAILED: the restore failed: ") + e.what());
    return 1;
  }
  const bool back = wait_until(
      [&] { return std::all_of(apps.begin(), apps.end(), [](Component* c) { return c->ready; }); },
      std::chrono::seconds(60));
  out(std::string("drill: apps ") + (back ? "ready" : "NOT ready") + " " +
      std::to_string(seconds_since(t_destroy)).substr(0, 4) + " s after the loss");
  if (!postgres) backups_->resume_shipping();
  backups_->backup_now();  // a fresh snapshot for the new WAL chain

  // A little more load on the restored database, then count.
  const auto settle = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < settle) {
    {
      std::lock_guard lk(mu);
      if (first_ok_after && Clock::now() - *first_ok_after > std::chrono::seconds(2)) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  finish_load();

  std::map<std::string, std::int64_t> stored;
  try {
    auto db = ts::db::Pool::open(db_urls_.at("shop"), {.max_size = 1});
    for (const auto& row : db->query(
             "SELECT idempotency_key, COUNT(*) FROM shop_orders WHERE idempotency_key LIKE $1 "
             "GROUP BY idempotency_key",
             {"checkout:" + tag + "-%"}))
      stored[row.get<std::string>(0)] = row.get<std::int64_t>(1);
  } catch (const std::exception& e) {
    out(std::string("drill lose-db FAILED: cannot read the restored database: ") + e.what());
    return 1;
  }
  // Unavailable: from the loss until a checkout sent after it was
  // acknowledged and is in the restored database.
  double unavailable = -1;
  int lost = 0, duplicated = 0, last_second = 0;
  double oldest_lost = 0;
  for (const auto& a : acks) {
    const auto it = stored.find("checkout:" + a.key);
    if (a.at <= t_destroy && t_destroy - a.at <= std::chrono::seconds(1)) ++last_second;
    if (it == stored.end()) {
      ++lost;
      oldest_lost = std::max(oldest_lost, std::chrono::duration<double>(t_destroy - a.at).count());
    } else {
      if (it->second > 1) ++duplicated;
      if (a.sent > t_destroy) {
        const double t = std::chrono::duration<double>(a.at - t_destroy).count();
        if (unavailable < 0 || t < unavailable) unavailable = t;
      }
    }
  }
  char line[256];
  std::snprintf(line, sizeof line,
                "drill: %d orders were acknowledged in the last second before the loss; the lost "
                "ones were acknowledged at most %.2f s before it; %d checkouts gave up",
                last_second, oldest_lost, gave_up.load());
  out(line);
  std::snprintf(
      line, sizeof line,
      "drill lose-db: %zu orders acknowledged, %d lost, %d duplicated, unavailable %.1f s",
      acks.size(), lost, duplicated, unavailable);
  out(line);
  return back && duplicated == 0 && gave_up == 0 ? 0 : 1;
}

}  // namespace tierstack
