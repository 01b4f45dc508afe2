// The one way kernels use threads. Work [0, n) is cut into fixed chunks of at most `grain` items; the
// chunks depend only on n and grain, never on the thread count, and a reduction adds its chunk results
// in chunk order. So every kernel gives bitwise identical results with 1 or N threads. Threads start only
// when there is more than one chunk, so a caller picks `grain` large enough that a chunk pays for a thread.
// The threads are scratchgrad's own (thread_pool.h): a thread that is late, because another program holds
// its core, never holds up the others; they run its chunks instead.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "autograd/thread_pool.h"

namespace sg {

/// Threads used by kernels (default: OMP_NUM_THREADS, else the cores this process may use).
void set_num_threads(int threads);
int get_num_threads();

namespace detail {
bool parallel_allowed(int64_t chunks);
int threads_for(int64_t chunks);
}  // namespace detail

/// Calls fn(begin, end) for each chunk of [0, n); chunks run in parallel when there are several.
/// The fewest chunks of at most `grain` items, all of one size give or take one: 50,000 items with a
/// grain of 32,768 are two chunks of 25,000, not 32,768 and 17,232 (where one thread would wait for
/// the other for a third of the time). Several chunks come in an even number where n allows: two
/// threads then get equal halves, and an op that follows on the same rows finds its half of the data
/// in its own core's cache (11 chunks would give one thread 6 and the other 5).
template <class Fn>
void parallel_for(int64_t n, int64_t grain, Fn&& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  int64_t chunks = (n + grain - 1) / grain;
  if (chunks > 1 && chunks % 2 == 1 && chunks < n) ++chunks;
  const int64_t size = n / chunks, longer = n % chunks;  // the first `longer` chunks have one more item
  const auto begin = [=](int64_t c) { return c * size + std::min(c, longer); };
  if (!detail::parallel_allowed(chunks)) {
    for (int64_t c = 0; c < chunks; ++c) fn(begin(c), begin(c + 1));
    return;
  }
  auto run_chunk = [&](int64_t c) { fn(begin(c), begin(c + 1)); };
  detail::run_chunks(chunks, detail::threads_for(chunks),
                     [](void* run, int64_t c) { (*static_cast<decltype(run_chunk)*>(run))(c); }, &run_chunk);
}

/// Sums chunk_sum(begin, end) over the chunks of [0, n), adding the partial results in chunk order.
template <class T, class Fn>
T parallel_sum(int64_t n, int64_t grain, Fn&& chunk_sum) {
  if (n <= 0) return T(0);
  grain = std::max<int64_t>(grain, 1);
  const int64_t chunks = (n + grain - 1) / grain;
  if (chunks == 1) return chunk_sum(int64_t(0), n);
  std::vector<T> partial(chunks);
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) partial[c] = chunk_sum(c * grain, std::min(n, (c + 1) * grain));
  });
  T total = partial[0];
  for (int64_t c = 1; c < chunks; ++c) total += partial[c];
  return total;
}

/// Runs a() and b(), two independent pieces of work, on two threads at once when kernels may use two;
/// otherwise one after the other. For pieces too small to split but large enough to pay for a thread
/// each (a layer's input and weight gradients).
template <class A, class B>
void parallel_invoke(A&& a, B&& b) {
  parallel_for(2, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) t == 0 ? a() : b();
  });
}

/// Elements per chunk for cheap elementwise loops: below this a thread costs more than it saves.
inline constexpr int64_t kElementwiseGrain = 1 << 15;

}  // namespace sg
