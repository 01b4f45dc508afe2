// The same bits on any thread count: matmul, linear, softmax cross-entropy and a whole training step of
// a small CNN, run once with 1 thread and once with 2, must agree bit for bit (the kernels split work in
// fixed chunks and add partial results in a fixed order). And those chunks themselves. Then backward run
// by several threads at once: into one shared leaf, and through one shared graph.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "autograd/kernels/gemm.h"
#include "autograd/parallel.h"
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(threads)

namespace {

// A notebook-sized CNN: conv 8 filters 3x3 -> relu -> max pool 2 -> dense 8*13*13 -> 10 -> log-softmax,
// cross-entropy, one SGD step. Returns the loss, every gradient and every updated parameter.
std::vector<Tensor> cnn_training_step(int threads) {
  ThreadCount count(threads);
  manual_seed(42);
  Tensor images = rand({32, 1, 28, 28});
  Tensor labels = empty({32}, kInt64);
  for (int64_t n = 0; n < 32; ++n) labels.data<int64_t>()[n] = (n * 7) % 10;
  Tensor conv_w = mul(randn({8, 1, 3, 3}), 1.0 / 3).detach().requires_grad_();
  Tensor conv_b = zeros({8}).requires_grad_();
  Tensor dense_w = mul(randn({10, 8 * 13 * 13}), 0.03).detach().requires_grad_();
  Tensor dense_b = zeros({10}).requires_grad_();

  Tensor h = max_pool2d(relu(conv2d(images, conv_w, conv_b)), {.kernel_size = {2, 2}});
  Tensor logits = linear(reshape(h, {32, 8 * 13 * 13}), dense_w, dense_b);
  Tensor loss = neg(mean(sum(mul(log_softmax(logits, 1), one_hot(labels, 10)), 1)));
  loss.backward();

  std::vector<Tensor> result = {loss.detach(), conv_w.grad(), conv_b.grad(), dense_w.grad(), dense_b.grad()};
  {
    NoGradGuard no_grad;
    for (Tensor* p : {&conv_w, &conv_b, &dense_w, &dense_b}) {
      p->add_(p->grad(), -0.1);
      result.push_back(p->detach());
    }
  }
  return result;
}

}  // namespace

BOOST_AUTO_TEST_CASE(thread_count_sets_the_count_and_restores_the_previous_one_on_exit) {
  const int original = get_num_threads();
  set_num_threads(3);
  {
    ThreadCount outer(1);
    BOOST_TEST(get_num_threads() == 1);
    {
      ThreadCount inner(2);
      BOOST_TEST(get_num_threads() == 2);
    }
    BOOST_TEST(get_num_threads() == 1);
  }
  BOOST_TEST(get_num_threads() == 3);
  set_num_threads(original);
}

BOOST_AUTO_TEST_CASE(matmul_forward_and_backward_identical_with_one_and_two_threads) {
  manual_seed(8);
  const Tensor a = randn({130, 300}), b = randn({300, 270}), dc = randn({130, 270});
  auto run = [&](int threads) {
    ThreadCount count(threads);
    Tensor x = a.detach().requires_grad_(), y = b.detach().requires_grad_();
    Tensor c = matmul(x, y);
    c.backward(dc);
    return std::vector<Tensor>{c, x.grad(), y.grad()};
  };
  const auto one = run(1), two = run(2);
  for (size_t i = 0; i < one.size(); ++i) BOOST_TEST(bitwise_equal(one[i], two[i]), "tensor " << i);
}

// A linear layer of W2's middle size (200 x 64 -> 32) computes dx and dW side by side on two threads:
// the same bits as one after the other, the products' values written out as matmuls, db as a plain loop.
BOOST_AUTO_TEST_CASE(linear_gradients_side_by_side_identical_with_one_and_two_threads) {
  manual_seed(9);
  const Tensor x0 = randn({200, 64}), w0 = randn({32, 64}), b0 = randn({32}), dy = randn({200, 32});
  auto run = [&](int threads) {
    ThreadCount count(threads);
    Tensor x = x0.detach().requires_grad_(), w = w0.detach().requires_grad_(), b = b0.detach().requires_grad_();
    linear(x, w, b).backward(dy);
    return std::vector<Tensor>{x.grad(), w.grad(), b.grad()};
  };
  const auto one = run(1), two = run(2);
  for (size_t i = 0; i < one.size(); ++i) BOOST_TEST(bitwise_equal(one[i], two[i]), "gradient " << i);
  BOOST_TEST(sg::testing::all_close(two[0], matmul(dy, w0), 1e-4));                // dx = dy W
  BOOST_TEST(sg::testing::all_close(two[1], matmul(transpose(dy, 0, 1), x0), 1e-4));  // dW = dy^T x
  std::vector<double> db(32, 0.0);  // db = sum over rows, by a plain loop
  const auto dy_values = dy.to_vector<double>();
  for (int64_t n = 0; n < 200; ++n)
    for (int64_t j = 0; j < 32; ++j) db[j] += dy_values[n * 32 + j];
  BOOST_TEST(sg::testing::all_close(two[2], sg::tensor(db, {32}), 1e-4));
}

// Softmax cross-entropy over 4,000 rows of 10 classes: enough blocks of rows for two threads to share.
BOOST_AUTO_TEST_CASE(softmax_cross_entropy_identical_with_one_and_two_threads) {
  manual_seed(10);
  const Tensor logits0 = mul(randn({4000, 10}), 3.0);
  Tensor target = empty({4000}, kInt64);
  for (int64_t n = 0; n < 4000; ++n) target.data<int64_t>()[n] = (n * 7) % 10;
  auto run = [&](int threads) {
    ThreadCount count(threads);
    Tensor logits = logits0.detach().requires_grad_();
    Tensor loss = softmax_cross_entropy(logits, target);
    loss.backward(mul(ones_like(loss), 0.5));
    return std::vector<Tensor>{loss, logits.grad()};
  };
  const auto one = run(1), two = run(2);
  for (size_t i = 0; i < one.size(); ++i) BOOST_TEST(bitwise_equal(one[i], two[i]), "tensor " << i);
}

// The blocked GEMM gives each thread a band of rows or of columns of C, and a band's edge may fall
// inside a register tile's reach: every split must still sum each element the same way. The shapes
// take both kinds of band, A read in place and packed, and partial slivers at the bands' edges.
BOOST_AUTO_TEST_CASE(blocked_gemm_identical_with_one_two_and_three_threads) {
  struct Product {
    int64_t M, N, K;
    bool trans_a, trans_b;
  };
  for (const Product& product :
       std::vector<Product>{{200, 64, 784, false, true},     // W2's forward: column bands, A in place
                            {64, 784, 200, true, false},     // W2's weight gradient: row bands of 32 rows, B in place
                            {301, 45, 97, false, false},     // one column sliver and a half: row bands
                            {130, 270, 300, true, true},     // row bands, both packed
                            {37, 1000, 70, false, false}}) {  // A in place but too wide: packed, column bands
    const int64_t M = product.M, N = product.N, K = product.K;  // plain names: clang 14's lambdas cannot
    const bool trans_a = product.trans_a, trans_b = product.trans_b;  // capture structured bindings
    manual_seed(12);
    const Tensor a = randn({M, K}), b = randn({K, N}), c0 = randn({M, N});
    auto run = [&](int threads) {
      ThreadCount count(threads);
      Tensor c = c0.clone();  // beta = 0.5: the old C is read on the first pass only
      kernels::fast::gemm_blocked<float>(trans_a, trans_b, M, N, K, 1.5f, a.data<float>(), trans_a ? M : K,
                                         b.data<float>(), trans_b ? K : N, 0.5f, c.data<float>(), N);
      return c;
    };
    const Tensor one = run(1);
    BOOST_TEST(bitwise_equal(one, run(2)), M << "x" << N << "x" << K << " with 2 threads");
    BOOST_TEST(bitwise_equal(one, run(3)), M << "x" << N << "x" << K << " with 3 threads");
  }
}

// parallel_for's chunks, recorded as they run: they tile [0, n) in order, none longer than the grain,
// as few as the grain allows (rounded up to an even number when there are several and n allows), of
// one size give or take one, and the same with 1, 2 or 3 threads.
BOOST_AUTO_TEST_CASE(parallel_for_cuts_the_same_balanced_chunks_whatever_the_thread_count) {
  struct Case {
    int64_t n, grain, chunks;
  };
  for (const Case& c : std::vector<Case>{{50000, 32768, 2}, {65536, 32768, 2}, {65537, 32768, 4}, {10, 3, 4},
                                         {7, 7, 1}, {5, 100, 1}, {3, 1, 3}, {9, 2, 6}, {5, 2, 4},
                                         {346112, 32768, 12}, {512, 48, 12}}) {
    const int64_t n = c.n, grain = c.grain;  // plain names for the lambdas (see above)
    auto chunks_with = [&](int threads) {
      ThreadCount count(threads);
      std::mutex mutex;
      std::vector<std::pair<int64_t, int64_t>> seen;
      parallel_for(n, grain, [&](int64_t begin, int64_t end) {
        std::lock_guard lock(mutex);
        seen.emplace_back(begin, end);
      });
      std::sort(seen.begin(), seen.end());
      return seen;
    };
    const auto one = chunks_with(1);
    BOOST_TEST(one.size() == size_t(c.chunks), n << " items, grain " << grain);
    int64_t next = 0, shortest = n, longest = 0;
    for (const auto& [begin, end] : one) {
      BOOST_TEST(begin == next);
      shortest = std::min(shortest, end - begin), longest = std::max(longest, end - begin);
      next = end;
    }
    BOOST_TEST(next == n);
    BOOST_TEST(longest <= grain);
    BOOST_TEST(longest - shortest <= 1, n << " items, grain " << grain << ": chunks of " << shortest << " to " << longest);
    BOOST_TEST((chunks_with(2) == one));
    BOOST_TEST((chunks_with(3) == one));
  }
}

BOOST_AUTO_TEST_CASE(cnn_training_step_identical_with_one_and_two_threads) {
  const auto one = cnn_training_step(1), two = cnn_training_step(2);
  BOOST_REQUIRE(one.size() == two.size());
  for (size_t i = 0; i < one.size(); ++i) BOOST_TEST(bitwise_equal(one[i], two[i]), "tensor " << i);
  BOOST_TEST(std::isfinite(one[0].item()));
}

// ---- backward on several threads at once ------------------------------------------------------------
namespace {
// Runs step() `steps` times on each of two threads, both starting each step together so that their calls
// overlap. They spin rather than sleep until both have arrived: a sleeping thread wakes tens of
// microseconds late, when the other one's step may be over.
template <class Step>
void on_two_threads(int steps, Step step) {
  std::atomic<int> arrived{0};
  auto run = [&] {
    for (int i = 0; i < steps; ++i) {
      arrived.fetch_add(1);
      while (arrived.load() < 2 * (i + 1)) std::this_thread::yield();
      step();
    }
  };
  std::thread first(run), second(run);
  first.join();
  second.join();
}

// The elements of grad that differ from expected(i), for a failure message that says how many.
template <class Expected>
int64_t count_wrong(const Tensor& grad, Expected expected) {
  if (!grad.defined()) return -1;
  const std::vector<double> values = grad.to_vector<double>();
  return std::count_if(values.begin(), values.end(),
                       [&, i = int64_t(0)](double v) mutable { return v != expected(i++); });
}
}  // namespace

// Two threads backpropagate into one parameter, each through a graph of its own (workers sharing a
// model): every gradient must land. They used to read and write .grad at once and lose updates.
BOOST_AUTO_TEST_CASE(concurrent_backward_into_one_leaf_loses_no_gradient) {
  ThreadCount kernels_on_one_thread(1);  // the two callers are the only threads
  constexpr int64_t kSize = 8192;
  constexpr int kSteps = 300;
  Tensor w = sg::zeros({kSize}, kFloat64).requires_grad_();
  const Tensor c = sg::arange(double(kSize), kFloat64);
  on_two_threads(kSteps, [&] { sum(mul(w, c)).backward(); });  // d/dw = c
  // Every partial sum is a whole number far below 2^53, so float64 holds the total exactly.
  BOOST_TEST(count_wrong(w.grad(), [](int64_t i) { return 2.0 * kSteps * double(i); }) == 0);
}

// Two threads run backward over one retained graph at once: each pass must get the whole gradient.
// They used to share each node's pending gradient, losing parts of it, and read tensors being freed.
BOOST_AUTO_TEST_CASE(concurrent_backward_over_one_retained_graph_gives_every_pass_its_gradient) {
  ThreadCount kernels_on_one_thread(1);
  constexpr int64_t kSize = 16384;
  constexpr int kSteps = 200;
  Tensor x = sg::arange(double(kSize), kFloat64).requires_grad_();
  const Tensor y = sum(sub(mul(add(mul(x, x), x), 3.0), x));  // 3 (x^2 + x) - x: dy/dx = 6x + 2
  on_two_threads(kSteps, [&] { y.backward(/*retain_graph=*/true); });
  BOOST_TEST(count_wrong(x.grad(), [](int64_t i) { return 2.0 * kSteps * (6.0 * double(i) + 2.0); }) == 0);
}

// Without retain_graph a graph serves one pass: of two concurrent passes, one gets the gradient and the
// other is refused, as a second backward() on one thread is. The later one used to read the saved
// tensors the first was freeing (a heap-use-after-free).
BOOST_AUTO_TEST_CASE(concurrent_backward_over_one_graph_without_retain_refuses_the_later_pass) {
  ThreadCount kernels_on_one_thread(1);
  for (int round = 0; round < 20; ++round) {
    Tensor x = sg::arange(16384.0, kFloat64).requires_grad_();
    const Tensor y = sum(mul(mul(x, x), x));  // x^3: dy/dx = 3x^2
    std::atomic<int> refused{0};
    on_two_threads(1, [&] {
      try {
        y.backward();
      } catch (const std::invalid_argument& e) {
        if (std::string(e.what()).find("retain_graph") != std::string::npos) ++refused;
      }
    });
    BOOST_TEST(refused == 1, "round " << round);
    BOOST_TEST(count_wrong(x.grad(), [](int64_t i) { return 3.0 * double(i) * double(i); }) == 0, "round " << round);
  }
}

BOOST_AUTO_TEST_SUITE_END()
