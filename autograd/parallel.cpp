// Thread count and the rule for when threads start.
#include "autograd/parallel.h"

#include <atomic>
#include <cstdlib>
#include <string>

#include "autograd/check.h"
#include "autograd/thread_pool.h"

namespace sg {

namespace {
// OMP_NUM_THREADS, the variable every threaded numeric library reads, when it holds a positive number.
int configured_threads() {
  static const int initial = [] {
    const char* text = std::getenv("OMP_NUM_THREADS");
    int threads = 0;
    try {
      threads = text ? std::stoi(text) : 0;
    } catch (const std::exception&) {
      threads = 0;
    }
    return threads > 0 ? threads : detail::available_cores();
  }();
  return initial;
}
std::atomic<int> num_threads{0};  // 0: not set by the user
}  // namespace

void set_num_threads(int threads) {
  SG_CHECK(threads >= 1, "set_num_threads: expected at least 1 thread, got {}", threads);
  num_threads.store(threads, std::memory_order_relaxed);
}

int get_num_threads() {
  const int threads = num_threads.load(std::memory_order_relaxed);
  return threads > 0 ? threads : configured_threads();
}

namespace detail {
// No nested regions: a kernel called from inside a parallel region runs on the calling thread.
bool parallel_allowed(int64_t chunks) { return chunks > 1 && get_num_threads() > 1 && !in_parallel_region(); }
int threads_for(int64_t chunks) { return int(std::min<int64_t>(get_num_threads(), chunks)); }
}  // namespace detail

}  // namespace sg
