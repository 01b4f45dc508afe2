// matmul in every rank combination and linear, against a naive triple loop written here, and their
// gradients against finite differences.
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(matmul_op)

namespace {

// The reference: each operand read through at() with NumPy's matmul rules, spelled out case by case.
// 1-D left is a row (its dim dropped from the result), 1-D right a column; a 2-D side, or a batch of one,
// is shared by the whole batch.
Tensor naive_matmul(const Tensor& a, const Tensor& b) {
  const bool batched = a.dim() == 3 || b.dim() == 3;
  const int64_t batch = std::max(a.dim() == 3 ? a.size(0) : 1, b.dim() == 3 ? b.size(0) : 1);
  const int64_t M = a.dim() == 1 ? 1 : a.size(-2), K = a.size(-1), N = b.dim() == 1 ? 1 : b.size(-1);
  auto A = [&](int64_t n, int64_t i, int64_t k) {
    return a.dim() == 1 ? a.at({k}) : a.dim() == 2 ? a.at({i, k}) : a.at({a.size(0) == 1 ? 0 : n, i, k});
  };
  auto B = [&](int64_t n, int64_t k, int64_t j) {
    return b.dim() == 1 ? b.at({k}) : b.dim() == 2 ? b.at({k, j}) : b.at({b.size(0) == 1 ? 0 : n, k, j});
  };
  std::vector<double> out;
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double acc = 0;
        for (int64_t k = 0; k < K; ++k) acc += A(n, i, k) * B(n, k, j);
        out.push_back(acc);
      }
  std::vector<int64_t> shape;
  if (batched) shape.push_back(batch);
  if (a.dim() > 1) shape.push_back(M);
  if (b.dim() > 1) shape.push_back(N);
  return sg::tensor(out, Shape(shape));
}

struct Case {
  Shape a, b;
};
const std::vector<Case> kCases = {
    {{4}, {4}},             // dot
    {{3}, {3, 5}},          // row vector times matrix
    {{2, 3}, {3}},          // matrix times column vector
    {{2, 3}, {3, 4}},       // non-square matrices
    {{1, 1}, {1, 1}},       // the smallest
    {{2, 3, 4}, {2, 4, 5}}, // batched
    {{2, 3, 4}, {4, 5}},    // batched times a shared matrix
    {{3, 4}, {2, 4, 5}},    // a shared matrix times a batch
    {{1, 3, 4}, {2, 4, 2}}, // a batch of one is shared too
    {{2, 3, 4}, {4}},       // batched times a vector
    {{4}, {2, 4, 3}},       // a vector times a batch
};

}  // namespace

BOOST_AUTO_TEST_CASE(matmul_matches_a_naive_loop_for_every_rank_combination) {
  manual_seed(1);
  for (const Case& c : kCases) {
    BOOST_TEST_CONTEXT(c.a << " x " << c.b) {
      const Tensor a = sg::randn(c.a, kFloat64), b = sg::randn(c.b, kFloat64);
      BOOST_TEST(all_close(sg::matmul(a, b), naive_matmul(a, b), 1e-12, 1e-12));
      BOOST_TEST(all_close(a.matmul(b), naive_matmul(a, b), 1e-12, 1e-12));
      // float32 agrees to float precision
      BOOST_TEST(all_close(sg::matmul(a.to(kFloat32), b.to(kFloat32)), naive_matmul(a, b), 1e-5, 1e-5));
    }
  }
}

BOOST_AUTO_TEST_CASE(matmul_hand_example) {
  const Tensor a = sg::tensor({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}, kFloat64);
  const Tensor b = sg::tensor({{1.0, 0.0, -1.0}, {2.0, 1.0, 0.5}}, kFloat64);
  BOOST_TEST(all_close(sg::matmul(a, b), sg::tensor({{5.0, 2.0, 0.0}, {11.0, 4.0, -1.0}, {17.0, 6.0, -2.0}}, kFloat64), 0));
  const Tensor v = sg::tensor({1.0, 2.0, 3.0}, kFloat64);
  BOOST_TEST(sg::matmul(v, v).dim() == 0);
  BOOST_TEST(sg::matmul(v, v).item() == 14.0);
}

BOOST_AUTO_TEST_CASE(matmul_grads_match_finite_differences) {
  manual_seed(2);
  for (const Case& c : kCases) {
    BOOST_TEST_CONTEXT(c.a << " x " << c.b) {
      const Tensor a = uniform64(c.a), b = uniform64(c.b);
      BOOST_TEST(passes_gradcheck([](In in) { return sg::matmul(in[0], in[1]); }, {a, b}));
      // only one side requiring grad takes the other branch of the backward
      BOOST_TEST(passes_gradcheck([](In in) { return sg::matmul(in[0], in[1]); }, {a, b.detach()}));
      BOOST_TEST(passes_gradcheck([](In in) { return sg::matmul(in[0], in[1]); }, {a.detach(), b}));
    }
  }
}

BOOST_AUTO_TEST_CASE(linear_matches_matmul_with_transposed_weight) {
  manual_seed(3);
  const Tensor x = sg::randn({4, 3}, kFloat64), w = sg::randn({2, 3}, kFloat64), bias = sg::randn({2}, kFloat64);
  const Tensor plain = naive_matmul(x, w.t());
  BOOST_TEST(all_close(sg::linear(x, w), plain, 1e-12, 1e-12));
  std::vector<double> expected = plain.to_vector<double>();
  for (size_t i = 0; i < expected.size(); ++i) expected[i] += bias.to_vector<double>()[i % 2];
  BOOST_TEST(all_close(sg::linear(x, w, bias), sg::tensor(expected, {4, 2}), 1e-12, 1e-12));
}

BOOST_AUTO_TEST_CASE(linear_grads_match_finite_differences) {
  manual_seed(4);
  const Tensor x = uniform64({4, 3}), w = uniform64({2, 3}), bias = uniform64({2});
  BOOST_TEST(passes_gradcheck([](In in) { return sg::linear(in[0], in[1], in[2]); }, {x, w, bias}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::linear(in[0], in[1]); }, {x, w}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::linear(in[0], in[1], in[2]); }, {x.detach(), w, bias}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::linear(in[0], in[1], in[2]); }, {x, w.detach(), bias.detach()}));
}

BOOST_AUTO_TEST_CASE(matmul_names_both_shapes_when_they_do_not_fit) {
  BOOST_TEST(throws_with([] { (void)sg::matmul(sg::zeros({2, 3}), sg::zeros({4, 5})); },
                         {"matmul: cannot multiply [2, 3] by [4, 5] (3 != 4)"}));
  BOOST_TEST(throws_with([] { (void)sg::matmul(sg::zeros({3}), sg::zeros({4})); }, {"matmul", "[3]", "[4]", "3 != 4"}));
  BOOST_TEST(throws_with([] { (void)sg::matmul(sg::zeros({2, 2, 3}), sg::zeros({3, 3, 1})); },
                         {"matmul", "[2, 2, 3]", "[3, 3, 1]"}));
  BOOST_TEST(throws_with([] { (void)sg::matmul(sg::zeros({2, 3, 2, 2}), sg::zeros({4, 2, 2})); },
                         {"matmul: batch dims of [2, 3, 2, 2] and [4, 2, 2] cannot be broadcast (3 vs 4)"}));
  BOOST_TEST(throws_with([] { (void)sg::matmul(sg::scalar_tensor(1.0), sg::zeros({2})); }, {"matmul", "[]", "[2]"}));
  BOOST_TEST(throws_with([] { (void)sg::matmul(sg::zeros({2}), sg::zeros({2}, kFloat64)); },
                         {"matmul", "float32", "float64"}));
}

BOOST_AUTO_TEST_CASE(products_too_large_for_a_tensor_are_refused) {
  // Empty operands, but (2^40, 0) by (0, 2^40) is (2^40, 2^40): its size wrapped to 0 and the GEMM wrote
  // 2^80 zeros into nothing.
  const int64_t big = int64_t(1) << 40;
  BOOST_TEST(throws_with([&] { (void)sg::matmul(sg::zeros({big, 0}), sg::zeros({0, big})); },
                         {"matmul:", "[1099511627776, 1099511627776]", "too large"}));
  BOOST_TEST(throws_with([&] { (void)sg::linear(sg::zeros({big, 0}), sg::zeros({big, 0})); },
                         {"linear:", "[1099511627776, 1099511627776]", "too large"}));
  // The output (2^40, 2^10, 0) is fine, but the gradient of a, shared by the batch, is first made
  // (2^40, 2^10, 2^10) and then summed: refused in the forward, naming matmul.
  const Tensor a = sg::zeros({1024, 1024}).requires_grad_();
  BOOST_TEST(throws_with([&] { (void)sg::matmul(a, sg::zeros({big, 1024, 0})); },
                         {"matmul:", "[1099511627776, 1024, 1024]", "too large"}));
  // A single matrix under a batch folds into one product: no whole gradient, nothing to refuse.
  const Tensor b = sg::zeros({1024, 1024}).requires_grad_();
  BOOST_TEST(sg::matmul(sg::zeros({big, 0, 1024}), b).shape() == Shape({big, 0, 1024}));
}

BOOST_AUTO_TEST_CASE(linear_names_the_shapes_when_they_do_not_fit) {
  BOOST_TEST(throws_with([] { (void)sg::linear(sg::zeros({4, 3}), sg::zeros({2, 5})); }, {"linear", "[4, 3]", "[2, 5]"}));
  BOOST_TEST(throws_with([] { (void)sg::linear(sg::zeros({4, 3}), sg::zeros({2, 3}), sg::zeros({3})); },
                         {"linear", "bias", "[3]"}));
  BOOST_TEST(throws_with([] { (void)sg::linear(sg::zeros({2, 3, 4}), sg::zeros({2, 3})); },
                         {"linear: expected input (..., in) and weight (out, in), got input [2, 3, 4] and weight [2, 3]"}));
  BOOST_TEST(throws_with([] { (void)sg::linear(sg::scalar_tensor(1.0), sg::zeros({2, 1})); }, {"linear", "[]"}));
}

BOOST_AUTO_TEST_SUITE_END()
