// Fibers over ucontext: one mmap'd stack per fiber (guard page below it,
// stacks reused per thread), swapcontext between the thread's own stack and
// the fiber's. A fiber only ever runs on the thread that started it.
#include "platform/db/fiber.hpp"

#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cxxabi.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <deque>
#include <exception>
#include <new>
#include <vector>

// Sanitizers must be told about stack switches: ASan keeps per-stack shadow
// and fake stacks, TSan a per-fiber happens-before clock.
#if defined(__SANITIZE_ADDRESS__)
#define TS_FIBER_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define TS_FIBER_TSAN 1
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TS_FIBER_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define TS_FIBER_TSAN 1
#endif
#endif
#if defined(TS_FIBER_ASAN) || defined(TS_FIBER_TSAN)
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(TS_FIBER_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

namespace ts::db::fiber {
namespace {

namespace asio = boost::asio;

// Handlers render pages and JSON; 256 KiB is far more than they use, and only
// the pages a fiber touches become resident.
constexpr std::size_t kStackSize = std::size_t{256} << 10;
constexpr std::size_t kSpareStacks = 16;

std::atomic<unsigned> g_limit{4};

// The C++ runtime's per-thread exception state (the ABI's __cxa_eh_globals):
// exceptions being handled and the uncaught count. Each fiber keeps its own,
// so a fiber that suspends inside a catch block does not mix its exception
// with another fiber's.
struct EhGlobals {
  void* caught = nullptr;
  unsigned int uncaught = 0;
};
EhGlobals& eh_globals() {
  return *reinterpret_cast<EhGlobals*>(abi::__cxa_get_globals());
}

struct Fiber {
  ucontext_t ctx{};
  ucontext_t* back = nullptr;  // where a suspend or the end returns to
  char* stack = nullptr;       // the mapping, guard page first
  asio::io_context* ioc = nullptr;
  EhGlobals eh;
  std::function<void()> body;
  std::function<void()> done;
  bool finished = false;
  void* asan_fake = nullptr;   // ASan's fake stack of this fiber while it is switched out
  void* tsan_fiber = nullptr;  // TSan's fiber handle
};

struct Pending {
  asio::io_context* ioc;
  std::function<void()> body;
  std::function<void()> done;
};

struct ThreadState {
  Fiber* current = nullptr;
  unsigned running = 0;
  std::vector<char*> spare;
  std::deque<Pending> queue;
  const void* stack_bottom = nullptr;  // the thread's own stack, for ASan
  std::size_t stack_size = 0;
  void* tsan_thread = nullptr;  // TSan's handle of the thread's own context
  ~ThreadState() {
    for (char* s : spare) ::munmap(s, kStackSize + static_cast<std::size_t>(::getpagesize()));
  }
};

thread_local ThreadState t;

char* new_stack() {
  if (!t.spare.empty()) {
    char* s = t.spare.back();
    t.spare.pop_back();
    return s;
  }
  const auto page = static_cast<std::size_t>(::getpagesize());
  void* p = ::mmap(nullptr, kStackSize + page, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  ::mprotect(p, page, PROT_NONE);  // an overflow faults instead of corrupting memory
  return static_cast<char*>(p);
}

void free_stack(char* s) {
  if (t.spare.size() < kSpareStacks)
    t.spare.push_back(s);
  else
    ::munmap(s, kStackSize + static_cast<std::size_t>(::getpagesize()));
}

thread_local Fiber* t_starting = nullptr;

// The four points where a stack switch happens, for the sanitizers; no-ops
// in ordinary builds.
void thread_enters(Fiber* f, void** fake) {
#if defined(TS_FIBER_ASAN)
  __sanitizer_start_switch_fiber(fake, f->stack + ::getpagesize(), kStackSize);
#else
  (void)fake;
#endif
#if defined(TS_FIBER_TSAN)
  t.tsan_thread = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(f->tsan_fiber, 0);
#else
  (void)f;
#endif
}
void thread_returned(void* fake) {
#if defined(TS_FIBER_ASAN)
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#else
  (void)fake;
#endif
}
void fiber_arrived(Fiber* f) {
#if defined(TS_FIBER_ASAN)
  __sanitizer_finish_switch_fiber(f->asan_fake, &t.stack_bottom, &t.stack_size);
#else
  (void)f;
#endif
}
void fiber_leaves(Fiber* f, bool ending) {
#if defined(TS_FIBER_ASAN)
  __sanitizer_start_switch_fiber(ending ? nullptr : &f->asan_fake, t.stack_bottom, t.stack_size);
#else
  (void)f;
  (void)ending;
#endif
#if defined(TS_FIBER_TSAN)
  __tsan_switch_to_fiber(t.tsan_thread, 0);
#endif
}

void entry() {
  Fiber* f = t_starting;
  fiber_arrived(f);
  try {
    f->body();
  } catch (...) {
    std::terminate();  // documented: the body catches its own exceptions
  }
  f->finished = true;
  fiber_leaves(f, true);
  ::setcontext(f->back);
}

void launch(Pending p);

// Switches into f until it suspends or ends; cleans up an ended fiber.
void resume(Fiber* f) {
  ucontext_t here;
  // cppcheck-suppress autoVariables ; `here` outlives every use: the fiber switches back to it
  // before resume() returns
  f->back = &here;
  Fiber* outer = t.current;
  t.current = f;
  EhGlobals& g = eh_globals();
  const EhGlobals mine = g;
  g = f->eh;
  void* fake = nullptr;
  thread_enters(f, &fake);
  ::swapcontext(&here, &f->ctx);
  thread_returned(fake);
  f->eh = g;
  g = mine;
  t.current = outer;
  if (!f->finished) return;
  auto done = std::move(f->done);
  free_stack(f->stack);
#if defined(TS_FIBER_TSAN)
  __tsan_destroy_fiber(f->tsan_fiber);
#endif
  delete f;
  --t.running;
  if (!t.queue.empty() && t.running < g_limit.load(std::memory_order_relaxed)) {
    Pending next = std::move(t.queue.front());
    t.queue.pop_front();
    asio::io_context& ioc = *next.ioc;  // before `next` is moved into the handler
    asio::post(ioc, [next = std::move(next)]() mutable { launch(std::move(next)); });
  }
  done();
}

void launch(Pending p) {
  auto* f = new Fiber;
  f->ioc = p.ioc;
  f->body = std::move(p.body);
  f->done = std::move(p.done);
  try {
    f->stack = new_stack();
  } catch (...) {
    delete f;
    throw;
  }
  ::getcontext(&f->ctx);
  const auto page = static_cast<std::size_t>(::getpagesize());
  f->ctx.uc_stack.ss_sp = f->stack + page;
  f->ctx.uc_stack.ss_size = kStackSize;
  f->ctx.uc_link = nullptr;
  ::makecontext(&f->ctx, entry, 0);
#if defined(TS_FIBER_TSAN)
  f->tsan_fiber = __tsan_create_fiber(0);
#endif
  ++t.running;
  t_starting = f;
  resume(f);
}

// Gives the thread back to the io_context; something must resume(f) later.
void suspend(Fiber* f) {
  fiber_leaves(f, false);
  ::swapcontext(&f->ctx, f->back);
  fiber_arrived(f);
}

}  // namespace

void start(asio::io_context& ioc, std::function<void()> body, std::function<void()> done) {
  Pending p{&ioc, std::move(body), std::move(done)};
  if (t.running >= g_limit.load(std::memory_order_relaxed) || t.current) {
    t.queue.push_back(std::move(p));  // begins when a running fiber ends
    return;
  }
  launch(std::move(p));
}

bool active() noexcept {
  return t.current != nullptr;
}

bool wait(int fd, bool writable) {
  Fiber* f = t.current;
  if (!f) return false;
  asio::posix::stream_descriptor sd(*f->ioc, fd);
  sd.async_wait(
      writable ? asio::posix::descriptor_base::wait_write : asio::posix::descriptor_base::wait_read,
      [f](const boost::system::error_code&) { resume(f); });
  suspend(f);
  sd.release();  // the socket stays libpq's
  return true;
}

bool yield() {
  Fiber* f = t.current;
  if (!f) return false;
  asio::post(*f->ioc, [f] { resume(f); });
  // The posted resume(f) runs only after this suspend; f ends (and is freed)
  // later, so the analyzer's use-after-free path cannot happen.
  suspend(f);  // NOLINT(clang-analyzer-cplusplus.NewDelete)
  return true;
}

void set_limit(unsigned per_thread) noexcept {
  g_limit.store(per_thread ? per_thread : 1, std::memory_order_relaxed);
}

unsigned limit() noexcept {
  return g_limit.load(std::memory_order_relaxed);
}

}  // namespace ts::db::fiber
