// The engine: accumulation, zero_grad, detach, NoGradGuard (thread-local), retain_graph, the errors of
// backward, diamonds, and long chains (iterative traversal: no stack overflow, forward or teardown).
#include <pthread.h>

#include <exception>
#include <thread>

#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(engine)

namespace {
// Runs f on a thread with a 512 KiB stack and waits, so any recursion as deep as a long graph fails
// here for sure, not only on machines whose default stack is small. Exceptions come back to the caller.
void run_with_small_stack(const std::function<void()>& f) {
  struct Job {
    const std::function<void()>* f;
    std::exception_ptr error;
  } job{&f, nullptr};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 512 * 1024);
  pthread_t thread;
  const int rc = pthread_create(
      &thread, &attr,
      [](void* p) -> void* {
        auto* job = static_cast<Job*>(p);
        try {
          (*job->f)();
        } catch (...) {
          job->error = std::current_exception();
        }
        return nullptr;
      },
      &job);
  pthread_attr_destroy(&attr);
  BOOST_REQUIRE(rc == 0);
  pthread_join(thread, nullptr);
  if (job.error) std::rethrow_exception(job.error);
}
}  // namespace

BOOST_AUTO_TEST_CASE(gradients_accumulate_across_backward_calls) {
  Tensor x = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  (x * x).sum().backward();
  BOOST_TEST(all_close(x.grad(), sg::tensor({2.0, 4.0}, kFloat64), 0));
  (x * 3.0).sum().backward();
  BOOST_TEST(all_close(x.grad(), sg::tensor({5.0, 7.0}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(zero_grad_starts_the_next_backward_from_zero) {
  Tensor x = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  (x * x).sum().backward();
  x.zero_grad();
  BOOST_TEST(!x.grad().defined());
  (x * 3.0).sum().backward();
  BOOST_TEST(all_close(x.grad(), sg::tensor({3.0, 3.0}, kFloat64), 0));
  x.set_grad(sg::tensor({1.0, 1.0}, kFloat64));
  (x * 3.0).sum().backward();
  BOOST_TEST(all_close(x.grad(), sg::tensor({4.0, 4.0}, kFloat64), 0));
  BOOST_TEST(throws_with([&] { x.set_grad(sg::ones({3}, kFloat64)); }, {"set_grad", "[2]", "[3]"}));
}

BOOST_AUTO_TEST_CASE(only_leaves_that_require_grad_receive_a_gradient) {
  Tensor x = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  const Tensor c = sg::tensor({5.0, 6.0}, kFloat64);
  const Tensor y = x * c;
  y.sum().backward();
  BOOST_TEST(!c.grad().defined());
  BOOST_TEST(!y.grad().defined());  // intermediate results keep no gradient
  BOOST_TEST(x.grad().defined());
  BOOST_TEST(!x.grad().requires_grad());
}

BOOST_AUTO_TEST_CASE(detach_stops_gradients) {
  Tensor x = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  // y = x * detach(x): only the first factor carries a gradient, so dy/dx = x, not 2x
  (x * x.detach()).sum().backward();
  BOOST_TEST(all_close(x.grad(), sg::tensor({1.0, 2.0}, kFloat64), 0));
  BOOST_TEST(!(x.detach() * 2.0).requires_grad());
}

BOOST_AUTO_TEST_CASE(no_grad_guard_stops_recording_and_restores_the_mode) {
  Tensor x = sg::ones({2}, kFloat64).requires_grad_();
  BOOST_TEST(GradMode::is_enabled());
  {
    NoGradGuard no_grad;
    BOOST_TEST(!GradMode::is_enabled());
    const Tensor y = x * 2.0;
    BOOST_TEST(!y.requires_grad());
    BOOST_TEST(!y.grad_fn());
    {
      NoGradGuard nested;
      BOOST_TEST(!GradMode::is_enabled());
    }
    BOOST_TEST(!GradMode::is_enabled());  // the inner guard restores "off", not "on"
  }
  BOOST_TEST(GradMode::is_enabled());
  BOOST_TEST((x * 2.0).requires_grad());
}

BOOST_AUTO_TEST_CASE(grad_mode_is_thread_local) {
  NoGradGuard no_grad;
  bool other_thread_enabled = false, other_thread_recorded = false;
  std::thread worker([&] {
    other_thread_enabled = GradMode::is_enabled();
    Tensor x = sg::ones({2}, kFloat64).requires_grad_();
    other_thread_recorded = (x * 2.0).requires_grad();
    NoGradGuard off_there;  // switching off there must not leak back here either
  });
  worker.join();
  BOOST_TEST(other_thread_enabled);
  BOOST_TEST(other_thread_recorded);
  BOOST_TEST(!GradMode::is_enabled());
}

BOOST_AUTO_TEST_CASE(threads_can_run_backward_on_their_own_graphs) {
  std::vector<double> results(4);
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t)
    workers.emplace_back([t, &results] {
      Tensor x = sg::full({3}, double(t + 1), kFloat64).requires_grad_();
      Tensor y = x;
      for (int i = 0; i < 200; ++i) y = y * 1.0 + x * 0.0;
      (y * y).sum().backward();
      results[t] = x.grad().at({0});  // d sum(x^2) / dx = 2x
    });
  for (auto& w : workers) w.join();
  for (int t = 0; t < 4; ++t) BOOST_TEST(results[t] == 2.0 * (t + 1));
}

BOOST_AUTO_TEST_CASE(retain_graph_allows_a_second_backward) {
  Tensor x = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  const Tensor y = (sg::exp(x) * x).sum();
  y.backward(/*retain_graph=*/true);
  const Tensor first = x.grad().clone();
  y.backward();
  BOOST_TEST(all_close(x.grad(), first * 2.0, 1e-15));
  // d/dx (e^x x) = e^x (x + 1)
  BOOST_TEST(all_close(first, sg::tensor({std::exp(1.0) * 2.0, std::exp(2.0) * 3.0}, kFloat64), 1e-14));
}

BOOST_AUTO_TEST_CASE(a_second_backward_through_a_freed_graph_throws_and_changes_nothing) {
  Tensor x = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  const Tensor y = (x * x).sum();
  y.backward();
  const Tensor before = x.grad().clone();
  BOOST_TEST(throws_with([&] { y.backward(); }, {"backward", "freed", "retain_graph"}));
  BOOST_TEST(all_close(x.grad(), before, 0));
  // a graph of ops that save nothing (add, sum) is freed as well
  const Tensor z = (x + x).sum();
  z.backward();
  BOOST_TEST(throws_with([&] { z.backward(); }, {"backward", "retain_graph"}));
}

BOOST_AUTO_TEST_CASE(a_failed_backward_leaves_no_gradient_behind_in_the_graph) {
  Tensor x = sg::tensor({0.5}, kFloat64).requires_grad_();
  Tensor w = sg::tensor({2.0}, kFloat64);
  const Tensor e = sg::exp(x);
  // p's branch runs first and sends its gradient into exp's node; q's mul then finds w changed
  const Tensor loss = (e * w).sum() + (e * 3.0).sum();
  w += 1.0;
  BOOST_TEST(throws_with([&] { loss.backward(/*retain_graph=*/true); }, {"modified in place"}));
  BOOST_TEST(!x.grad().defined());
  // a later backward through exp's node must see only its own gradient: d e / dx = e
  e.sum().backward();
  BOOST_TEST(x.grad().item() == std::exp(0.5), boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(backward_needs_a_tensor_that_requires_grad) {
  const Tensor c = sg::ones({1}, kFloat64);
  BOOST_TEST(throws_with([&] { c.backward(); }, {"backward", "does not require grad"}));
  Tensor x = sg::ones({1}, kFloat64).requires_grad_();
  Tensor y;
  {
    NoGradGuard no_grad;
    y = x * 2.0;
  }
  BOOST_TEST(throws_with([&] { y.backward(); }, {"backward", "does not require grad", "NoGradGuard"}));
}

BOOST_AUTO_TEST_CASE(backward_of_a_non_scalar_needs_a_gradient) {
  Tensor x = sg::ones({2, 3}, kFloat64).requires_grad_();
  const Tensor y = x * 2.0;
  BOOST_TEST(throws_with([&] { y.backward(); }, {"backward", "one-element", "[2, 3]", "gradient"}));
  BOOST_TEST(throws_with([&] { y.backward(sg::ones({3, 2}, kFloat64)); }, {"backward", "[2, 3]", "[3, 2]"}));
  BOOST_TEST(throws_with([&] { y.backward(sg::ones({2, 3}, kFloat32)); }, {"backward", "float64", "float32"}));
  // one element of any rank is fine without a gradient
  (x.sum().reshape({1, 1}) * 1.0).backward();
  BOOST_TEST(all_close(x.grad(), sg::ones({2, 3}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(backward_with_a_gradient_seeds_the_chain_rule) {
  Tensor x = sg::tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  const Tensor y = x * x;
  const Tensor g = sg::tensor({1.0, 0.5, -1.0}, kFloat64);
  y.backward(g);
  BOOST_TEST(all_close(x.grad(), sg::tensor({2.0, 2.0, -6.0}, kFloat64), 0));  // g * 2x
  BOOST_TEST(all_close(g, sg::tensor({1.0, 0.5, -1.0}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(the_callers_gradient_is_never_aliased_into_grad) {
  // The seed reaches the leaf unchanged (clone's backward passes it through); a second backward then
  // accumulates into .grad in place, which must not write into the caller's tensor.
  Tensor x = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  const Tensor g = sg::tensor({1.0, 1.0}, kFloat64);
  x.clone().backward(g);
  x.clone().backward(g);
  BOOST_TEST(all_close(x.grad(), sg::tensor({2.0, 2.0}, kFloat64), 0));
  BOOST_TEST(all_close(g, sg::tensor({1.0, 1.0}, kFloat64), 0));
  // straight from a leaf
  Tensor z = sg::zeros({2}, kFloat64).requires_grad_();
  z.backward(g);
  z.backward(g);
  BOOST_TEST(all_close(z.grad(), sg::tensor({2.0, 2.0}, kFloat64), 0));
  BOOST_TEST(all_close(g, sg::tensor({1.0, 1.0}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(two_leaves_never_share_one_gradient_buffer) {
  // add hands the same dy to both inputs; their .grad must still be separate tensors.
  Tensor a = sg::zeros({2}, kFloat64).requires_grad_();
  Tensor b = sg::zeros({2}, kFloat64).requires_grad_();
  (a + b).sum().backward();
  BOOST_TEST(a.grad().data<double>() != b.grad().data<double>());
  (a * 2.0).sum().backward();
  BOOST_TEST(all_close(a.grad(), sg::tensor({3.0, 3.0}, kFloat64), 0));
  BOOST_TEST(all_close(b.grad(), sg::tensor({1.0, 1.0}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(diamond_graphs_sum_the_gradients_of_every_path) {
  // x feeds a and b, both feed y:  y = a * b with a = 2x, b = x^2  =>  y = 2x^3, dy/dx = 6x^2
  Tensor x = sg::tensor({1.0, -2.0}, kFloat64).requires_grad_();
  const Tensor a = x * 2.0, b = x * x;
  (a * b).sum().backward();
  BOOST_TEST(all_close(x.grad(), sg::tensor({6.0, 24.0}, kFloat64), 1e-15));
  // the same intermediate used twice: h = x + 1, y = h * h + h  =>  dy/dx = 2h + 1
  Tensor z = sg::tensor({0.5}, kFloat64).requires_grad_();
  const Tensor h = z + 1.0;
  (h * h + h).sum().backward();
  BOOST_TEST(z.grad().item() == 4.0);
  // a leaf used twice by one op
  Tensor w = sg::tensor({3.0}, kFloat64).requires_grad_();
  (w + w).sum().backward();
  BOOST_TEST(w.grad().item() == 2.0);
}

BOOST_AUTO_TEST_CASE(a_chain_of_100000_ops_backpropagates_without_overflowing_the_stack) {
  Tensor x = sg::tensor({1.0}, kFloat64).requires_grad_();
  double value = 0;
  run_with_small_stack([&] {
    Tensor y = x;
    for (int i = 0; i < 100000; ++i) y = y + 1e-5;
    value = y.item();
    y.backward();
  });  // the chain is torn down at the end of the lambda, on the small stack too
  BOOST_TEST(value == 2.0, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(x.grad().item() == 1.0);
}

BOOST_AUTO_TEST_CASE(a_chain_of_100000_ops_that_save_tensors_can_be_dropped_without_backward) {
  // exp and mul save their inputs, so each node also owns the previous one through a saved tensor
  Tensor x = sg::tensor({0.0}, kFloat64).requires_grad_();
  run_with_small_stack([&] {
    Tensor y = x;
    for (int i = 0; i < 50000; ++i) y = sg::exp(y * 1e-9);
  });
  BOOST_TEST(!x.grad().defined());
}

BOOST_AUTO_TEST_CASE(a_long_chain_with_retained_graph_backpropagates_twice) {
  Tensor x = sg::tensor({2.0}, kFloat64).requires_grad_();
  run_with_small_stack([&] {
    Tensor y = x;
    for (int i = 0; i < 100000; ++i) y = y * 1.0;
    y.backward(true);
    y.backward();
  });
  BOOST_TEST(x.grad().item() == 2.0);
}

BOOST_AUTO_TEST_CASE(int64_tensors_cannot_require_grad) {
  Tensor labels = sg::tensor(std::vector<int64_t>{1, 2}, {2});
  BOOST_TEST(throws_with([&] { labels.requires_grad_(); }, {"requires_grad_", "int64"}));
  BOOST_TEST(!labels.requires_grad());
  labels.requires_grad_(false);  // asking for no gradient is fine
}

BOOST_AUTO_TEST_CASE(backward_from_a_leaf_sets_its_own_gradient) {
  Tensor x = sg::tensor({2.0}, kFloat64).requires_grad_();
  x.backward();
  BOOST_TEST(x.grad().item() == 1.0);
}

BOOST_AUTO_TEST_SUITE_END()
