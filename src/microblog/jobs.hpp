#pragma once
// Background jobs from the durable queue in mb_tasks: a worker thread claims
// tasks (lease-based, so a crashed process's task is picked up again after a
// restart) and runs them. The only job is export_posts.
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "microblog/app.hpp"

namespace microblog {

// A user may start one post export per 5 minutes (counted from the start of
// the previous one): each export mails the account's address.
inline constexpr std::int64_t kExportIntervalUs = std::int64_t{5} * 60 * 1'000'000;

// A new task id (UUID v4 text).
std::string new_task_id();

// Runs one claimed task if any is ready; returns false when the queue was empty.
bool run_one_job(Microblog& app);

class Worker {
 public:
  explicit Worker(Microblog& app);
  ~Worker();  // stops and joins
  void stop();

 private:
  Microblog& app_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace microblog
