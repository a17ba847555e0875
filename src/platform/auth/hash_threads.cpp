#include "platform/auth/hash_threads.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <future>

namespace ts::auth {

struct HashThreads::Job {
  const std::function<void()>* fn;
  std::promise<void> done;
};

HashThreads::HashThreads(unsigned threads) {
  threads_.reserve(threads);
  for (unsigned i = 0; i < std::max(threads, 1u); ++i) threads_.emplace_back([this] { loop(); });
}

HashThreads::~HashThreads() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_) t.join();
}

void HashThreads::run(const std::function<void()>& fn) {
  Job job{&fn, {}};
  auto done = job.done.get_future();
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(&job);
  }
  ready_.notify_one();
  done.get();
}

void HashThreads::loop() {
  pthread_setname_np(pthread_self(), "hash");
  // A failure leaves the thread at the process's priority: hashes still run,
  // only without yielding to the other requests.
  const auto tid = static_cast<id_t>(gettid());
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, tid);
  if (errno == 0) setpriority(PRIO_PROCESS, tid, std::min(nice + kNiceIncrement, 19));
  for (;;) {
    Job* job = nullptr;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = jobs_.front();
      jobs_.pop_front();
    }
    try {
      (*job->fn)();
      job->done.set_value();
    } catch (...) {
      job->done.set_exception(std::current_exception());
    }
  }
}

}  // namespace ts::auth
