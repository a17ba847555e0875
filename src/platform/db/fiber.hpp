#pragma once
// Fibers on a network thread, for handlers whose only blocking work is
// database queries (PostgreSQL).
//
//   ts::db::fiber::start(ioc, [&] { result = handler(); }, [&] { finish(result); });
//
// start() runs the body on a fiber stack on the calling thread (which runs
// `ioc`). When a query waits for the server, the PostgreSQL engine calls
// wait(): the fiber sleeps until the socket is ready (an Asio descriptor wait
// on the same io_context) and the thread goes on serving other connections;
// the fiber resumes on the same thread. `done` runs on that thread once the
// body has returned. At most limit() fibers run per thread; further starts
// queue and begin, in order, as fibers finish.
//
// The body must not throw (wrap it) and must not block the thread for long
// in any other way: hashing, file I/O and sleeps belong on the worker pool.
#include <functional>

namespace boost::asio {
class io_context;
}

namespace ts::db::fiber {

void start(boost::asio::io_context& ioc, std::function<void()> body, std::function<void()> done);

// True while the calling code runs on a fiber.
bool active() noexcept;

// In a fiber: sleeps until fd is readable (writable), returns true. Outside
// one: returns false at once, and the caller waits the ordinary way.
bool wait(int fd, bool writable);

// In a fiber: lets the thread run what else is ready, then continues; true.
// Outside one: false.
bool yield();

// Fibers per thread (default 4); applies to later starts.
void set_limit(unsigned per_thread) noexcept;
unsigned limit() noexcept;

}  // namespace ts::db::fiber
