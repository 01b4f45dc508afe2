// The threads behind parallel_for: every chunk runs exactly once whatever the thread count and however
// late a thread starts; a chunk's exception reaches the caller; a kernel inside a chunk runs inline; two
// callers at once both get every chunk.
#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "autograd/parallel.h"
#include "autograd/thread_pool.h"
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(thread_pool)

namespace {
// Runs `chunks` chunks on `threads` threads; returns how often each chunk ran.
std::vector<int> run_counts(int64_t chunks, int threads) {
  std::vector<std::atomic<int>> runs(static_cast<size_t>(chunks));
  detail::run_chunks(chunks, threads, [](void* r, int64_t c) {
    (*static_cast<std::vector<std::atomic<int>>*>(r))[size_t(c)].fetch_add(1);
  }, &runs);
  std::vector<int> counts;
  for (const std::atomic<int>& r : runs) counts.push_back(r.load());
  return counts;
}
}  // namespace

BOOST_AUTO_TEST_CASE(every_chunk_runs_exactly_once_for_any_count_of_chunks_and_threads) {
  for (int threads : {1, 2, 3, 5})
    for (int64_t chunks : {1, 2, 3, 7, 64, 1000}) {
      const std::vector<int> runs = run_counts(chunks, threads);
      BOOST_TEST(std::count(runs.begin(), runs.end(), 1) == chunks, threads << " threads, " << chunks << " chunks");
    }
  // Many jobs in a row, each started before the workers of the last one may have woken.
  for (int job = 0; job < 2000; ++job) {
    const std::vector<int> runs = run_counts(2 + job % 9, 2);
    BOOST_TEST_REQUIRE(std::count(runs.begin(), runs.end(), 1) == 2 + job % 9);
  }
}

BOOST_AUTO_TEST_CASE(an_exception_in_a_chunk_reaches_the_caller_after_the_other_chunks) {
  std::atomic<int64_t> ran{0};
  auto job = [&](int64_t c) {
    ran.fetch_add(1);
    if (c == 5) throw std::runtime_error("chunk 5 failed");
  };
  BOOST_CHECK_EXCEPTION(
      detail::run_chunks(16, 2, [](void* j, int64_t c) { (*static_cast<decltype(job)*>(j))(c); }, &job),
      std::runtime_error, [](const std::runtime_error& e) { return std::string(e.what()) == "chunk 5 failed"; });
  BOOST_TEST(ran.load() == 16);
  BOOST_TEST(run_counts(10, 2).size() == 10u);  // the pool is usable afterwards
}

BOOST_AUTO_TEST_CASE(a_parallel_for_inside_a_chunk_runs_on_that_thread) {
  ThreadCount count(2);
  // Boost.Test's checks are not thread-safe: the chunks only count, and the checks come after.
  std::atomic<int> nested_elsewhere{0}, items{0}, outside_region{0};
  parallel_for(4, 1, [&](int64_t, int64_t) {
    if (!detail::in_parallel_region()) outside_region.fetch_add(1);
    const std::thread::id here = std::this_thread::get_id();
    parallel_for(1000, 10, [&](int64_t b, int64_t e) {
      if (std::this_thread::get_id() != here) nested_elsewhere.fetch_add(1);
      items.fetch_add(int(e - b));
    });
  });
  BOOST_TEST(outside_region.load() == 0);
  BOOST_TEST(nested_elsewhere.load() == 0);
  BOOST_TEST(items.load() == 4000);
  BOOST_TEST(!detail::in_parallel_region());
}

BOOST_AUTO_TEST_CASE(two_callers_at_once_each_get_every_chunk) {
  ThreadCount count(2);
  std::vector<int64_t> totals(2, 0);
  std::vector<std::thread> callers;
  for (int t = 0; t < 2; ++t)
    callers.emplace_back([&totals, t] {
      for (int job = 0; job < 300; ++job)
        totals[size_t(t)] += parallel_sum<int64_t>(10000, 100, [](int64_t b, int64_t e) {
          int64_t s = 0;
          for (int64_t i = b; i < e; ++i) s += i;
          return s;
        });
    });
  for (std::thread& t : callers) t.join();
  BOOST_TEST(totals[0] == int64_t(300) * (10000 * 9999 / 2));
  BOOST_TEST(totals[1] == int64_t(300) * (10000 * 9999 / 2));
}

BOOST_AUTO_TEST_CASE(available_cores_is_at_least_one_and_at_most_the_machine) {
  BOOST_TEST(detail::available_cores() >= 1);
  BOOST_TEST(detail::available_cores() <= int(std::max(1u, std::thread::hardware_concurrency())));
}

BOOST_AUTO_TEST_SUITE_END()
