// A small pool of worker threads for run_chunks (thread_pool.h says what it promises).
//
// Waiting. A training step runs hundreds of jobs a few microseconds apart, so a worker that has just
// finished one first spins briefly for the next, then keeps checking while yielding its core (so a thread
// that shares the core, ours or another program's, runs instead), and only then sleeps in the kernel until
// woken. The caller waits for claimed chunks the same way. Spinning without yielding is what collapses a
// busy machine: a waiting thread would burn the very core that the thread it waits for needs.
//
// A worker kept off its core. When another program holds the worker's core, the caller ends up doing
// every chunk itself, and pays for waking the worker and, worse, for waiting on a chunk the worker
// claimed just before it was descheduled. So after a few jobs in a row that lasted long enough for a
// worker to wake (kLongJob) and in which no worker took a chunk, the next jobs run on the caller alone: one at first, twice as many after each job that again finds
// the workers away, up to kMaxSkip; a job in which a worker takes a chunk ends that. The chunks are the
// same either way, so the results are too.
//
// Retiring a job safely. The job lives in the pool and is reused, so a worker that wakes late must never
// touch a job that is over. A worker counts itself in (`active`) before it looks at the job and out when
// it leaves; the caller closes the job (`open`) and then waits until no worker is in. Both sides use
// sequentially consistent operations, so either the worker sees the job closed, or the caller sees it in.
#include "autograd/thread_pool.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <fstream>
#include <string>
#include <utility>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace sg::detail {

namespace {

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

// How long a waiting thread spins, then yields, before it sleeps.
constexpr auto kSpinFor = std::chrono::microseconds(2);
constexpr auto kYieldFor = std::chrono::microseconds(100);
// Jobs in a row without help from a worker before the caller runs jobs alone, and the most it then runs.
constexpr int kMisses = 3;
constexpr auto kLongJob = std::chrono::microseconds(50);
constexpr int kMaxSkip = 64;

// Waits until ready() holds: spins, then yields its core, then calls sleep() until it holds.
template <class Ready, class Sleep>
void wait_until(Ready ready, Sleep sleep) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  for (int i = 1;; ++i) {
    if (ready()) return;
    cpu_relax();
    if (i % 64 == 0 && Clock::now() - start > kSpinFor) break;
  }
  for (int i = 1;; ++i) {
    if (ready()) return;
    std::this_thread::yield();
    if (i % 8 == 0 && Clock::now() - start > kYieldFor) break;
  }
  while (!ready()) sleep();
}

thread_local bool inside_chunks = false;

// One share of the chunks: [next, end), claimed from the front by its owner and by any thread that
// has finished its own share. Each on its own cache line, so claims on different shares do not collide.
struct alignas(64) Share {
  std::atomic<int64_t> next{0};
  int64_t end = 0;
};

class ThreadPool {
 public:
  explicit ThreadPool(int workers) : shares_(size_t(workers) + 1) {
    for (int w = 1; w <= workers; ++w) threads_.emplace_back([this, w] { work_loop(w); });
    for (std::thread& t : threads_) t.detach();  // parked at exit; the process ends them
  }
  int workers() const { return int(threads_.size()); }

  void run(int64_t chunks, int threads, void (*call)(void*, int64_t), void* context) {
    if (skip_left_ > 0) {
      --skip_left_;
      inside_chunks = true;
      struct Leave {
        ~Leave() { inside_chunks = false; }
      } leave;  // also when a chunk throws
      for (int64_t c = 0; c < chunks; ++c) call(context, c);
      return;
    }
    const int parts = std::min(threads, int(shares_.size()));
    for (int t = 0; t < parts; ++t) {
      shares_[t].next.store(chunks * t / parts, std::memory_order_relaxed);
      shares_[t].end = chunks * (t + 1) / parts;
    }
    call_ = call;
    context_ = context;
    parts_ = parts;
    done_.store(0, std::memory_order_relaxed);
    error_ = nullptr;
    open_.store(true);
    generation_.fetch_add(1);
    if (sleepers_.load() > 0) generation_.notify_all();

    inside_chunks = true;
    const auto started = std::chrono::steady_clock::now();
    const int64_t mine = work_on(0);
    wait_until([&] { return done_.load(std::memory_order_acquire) == chunks; },
               [] { std::this_thread::yield(); });
    open_.store(false);
    wait_until([&] { return active_.load() == 0; }, [] { std::this_thread::yield(); });
    inside_chunks = false;
    if (mine < chunks) {
      misses_ = 0;
      skip_next_ = 1;
    } else if (std::chrono::steady_clock::now() - started > kLongJob && ++misses_ >= kMisses) {
      misses_ = 0;
      skip_left_ = skip_next_;
      skip_next_ = std::min(2 * skip_next_, kMaxSkip);
    }
    if (error_) std::rethrow_exception(error_);
  }

 private:
  // Runs chunks until none is left: first from share `first`, then from the others in turn. Returns how
  // many it ran.
  int64_t work_on(int first) {
    int64_t ran = 0;
    for (int k = 0; k < parts_; ++k) {
      Share& share = shares_[(first + k) % parts_];
      for (int64_t c; (c = share.next.fetch_add(1, std::memory_order_relaxed)) < share.end;) {
        try {
          call_(context_, c);
        } catch (...) {
          std::lock_guard lock(error_mutex_);
          if (!error_) error_ = std::current_exception();
        }
        done_.fetch_add(1, std::memory_order_release);
        ++ran;
      }
    }
    return ran;
  }

  void work_loop(int w) {
    inside_chunks = true;
    uint64_t seen = 0;
    for (;;) {
      wait_until([&] { return generation_.load(std::memory_order_acquire) != seen; },
                 [&] {
                   sleepers_.fetch_add(1);
                   generation_.wait(seen);
                   sleepers_.fetch_sub(1);
                 });
      seen = generation_.load(std::memory_order_acquire);
      active_.fetch_add(1);
      if (open_.load() && w < parts_) work_on(w);
      active_.fetch_sub(1);
    }
  }

  std::vector<Share> shares_;  // one per thread, the caller's first
  std::vector<std::thread> threads_;
  void (*call_)(void*, int64_t) = nullptr;
  void* context_ = nullptr;
  int parts_ = 0;
  alignas(64) std::atomic<uint64_t> generation_{0};  // bumped for each job
  alignas(64) std::atomic<int64_t> done_{0};          // chunks finished
  alignas(64) std::atomic<int> active_{0};             // workers looking at the job
  std::atomic<bool> open_{false};                      // the job may still be joined
  std::atomic<int> sleepers_{0};                       // workers asleep in generation_.wait
  // The caller's alone: jobs in a row no worker helped with, jobs left to run alone, and the next count.
  int misses_ = 0, skip_left_ = 0, skip_next_ = 1;
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

// One pool at a time serves one caller; it grows when more threads are asked for. Pools are never
// destroyed: a static's destructor may still run ops at exit, and parked threads cost nothing.
std::mutex pool_mutex;
ThreadPool* pool = nullptr;

}  // namespace

void run_chunks(int64_t chunks, int threads, void (*call)(void*, int64_t), void* context) {
  std::unique_lock lock(pool_mutex, std::try_to_lock);
  if (!lock || threads < 2 || inside_chunks) {  // another thread is using the pool: run here, alone
    const bool was_inside = std::exchange(inside_chunks, true);
    struct Restore {
      bool value;
      ~Restore() { inside_chunks = value; }
    } restore{was_inside};
    for (int64_t c = 0; c < chunks; ++c) call(context, c);
    return;
  }
  if (!pool || pool->workers() < threads - 1) pool = new ThreadPool(threads - 1);  // the old one stays parked
  pool->run(chunks, threads, call, context);
}

bool in_parallel_region() { return inside_chunks; }

int available_cores() {
  cpu_set_t set;
  int cores = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 0;
  if (cores <= 0) cores = int(std::max(1u, std::thread::hardware_concurrency()));
  // cgroup v2: "max 100000" or "150000 100000" (quota and period in microseconds).
  std::ifstream cpu_max("/sys/fs/cgroup/cpu.max");
  std::string quota;
  double period = 0;
  if (cpu_max >> quota >> period && quota != "max" && period > 0) {
    const double limit = std::stod(quota) / period;
    if (limit > 0) cores = std::min(cores, std::max(1, int(std::ceil(limit))));
  }
  return cores;
}

}  // namespace sg::detail
