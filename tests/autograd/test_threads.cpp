// The same bits on any thread count: matmul and a whole training step of a small CNN, run once with
// 1 thread and once with 2, must agree bit for bit (the kernels split work in fixed chunks and add
// partial results in a fixed order).
#include "tests/testing.h"

using namespace sg;
using sg::testing::bitwise_equal;
using sg::testing::ThreadCount;

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

BOOST_AUTO_TEST_SUITE(threads)

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

BOOST_AUTO_TEST_CASE(cnn_training_step_identical_with_one_and_two_threads) {
  const auto one = cnn_training_step(1), two = cnn_training_step(2);
  BOOST_REQUIRE(one.size() == two.size());
  for (size_t i = 0; i < one.size(); ++i) BOOST_TEST(bitwise_equal(one[i], two[i]), "tensor " << i);
  BOOST_TEST(std::isfinite(one[0].item()));
}

BOOST_AUTO_TEST_SUITE_END()
