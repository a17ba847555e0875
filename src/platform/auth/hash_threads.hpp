#pragma once
// The threads password hashes run on (HashLimit owns one per slot). They run
// kNiceIncrement nice levels below the thread that started them, so on busy
// cores the scheduler gives every other request's thread the CPU first
// (weight 1024 against 110 at +10): a burst of logins, each 19 MiB and tens
// of milliseconds of argon2id, delays the logins rather than the catalogue,
// the checkouts and the pages. On idle cores a hash runs as fast as before:
// nice only weighs threads that compete. The increment is relative, so a
// process started under `nice` keeps the same distance; raising a nice value
// needs no privilege, and these threads never lower theirs.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ts::auth {

class HashThreads {
 public:
  static constexpr int kNiceIncrement = 10;
  explicit HashThreads(unsigned threads);
  ~HashThreads();
  HashThreads(const HashThreads&) = delete;
  HashThreads& operator=(const HashThreads&) = delete;

  // Runs fn on one of the threads and waits for it; an exception fn throws
  // is thrown here. Callers that hold a HashLimit slot never wait for a
  // thread: there is one per slot.
  void run(const std::function<void()>& fn);

 private:
  struct Job;
  void loop();
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job*> jobs_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace ts::auth
