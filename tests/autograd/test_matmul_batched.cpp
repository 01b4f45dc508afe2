// matmul with batch dims broadcast at any rank, its batched kernel against the plain loops, and mm, bmm,
// dot, outer and linear on N-D inputs: values (against loops written here and PyTorch's), gradients
// against finite differences, error messages.
#include "autograd/kernels/batched_gemm.h"
#include "autograd/kernels/reference/batched_gemm.h"
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(matmul_batched)

namespace {

// The reference for torch.matmul's rules: a 1-D left operand is a row, a 1-D right one a column; the
// batch dims broadcast; each matrix product is a triple loop over at().
Tensor naive_matmul(const Tensor& a, const Tensor& b) {
  const Tensor a2 = a.dim() == 1 ? reshape(a, {1, a.size(0)}) : a, b2 = b.dim() == 1 ? reshape(b, {b.size(0), 1}) : b;
  std::vector<int64_t> batch;
  const int64_t rank = std::max(a2.dim(), b2.dim()) - 2;
  for (int64_t e = 0; e < rank; ++e) {
    const int64_t da = e - (rank - (a2.dim() - 2)), db = e - (rank - (b2.dim() - 2));
    batch.push_back(std::max(da >= 0 ? a2.size(da) : 1, db >= 0 ? b2.size(db) : 1));
  }
  const int64_t M = a2.size(-2), K = a2.size(-1), N = b2.size(-1);
  auto full = [&](const Tensor& t, int64_t rows, int64_t cols) {
    std::vector<int64_t> shape = batch;
    shape.push_back(rows), shape.push_back(cols);
    return reshape(broadcast_to(t, Shape(shape)), {-1, rows, cols});
  };
  const Tensor A = full(a2, M, K), B = full(b2, K, N);
  std::vector<double> out;
  for (int64_t n = 0; n < A.size(0); ++n)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double acc = 0;
        for (int64_t k = 0; k < K; ++k) acc += A.at({n, i, k}) * B.at({n, k, j});
        out.push_back(acc);
      }
  std::vector<int64_t> shape = batch;
  if (a.dim() > 1) shape.push_back(M);
  if (b.dim() > 1) shape.push_back(N);
  return sg::tensor(out, Shape(shape));
}

struct Case {
  Shape a, b;
};
const std::vector<Case> kCases = {
    {{2, 3, 4, 5}, {2, 3, 5, 4}},        // attention scores: [B, H, T, D] x [B, H, D, T]
    {{4, 5}, {2, 5, 3}},                 // a matrix shared by a batch
    {{2, 1, 3, 4}, {3, 4, 2}},           // batch dims of size 1 and missing ones broadcast
    {{1, 2, 3}, {4, 1, 3, 2}},           // both broadcast
    {{2, 3, 3, 4}, {4, 2}},              // a batch times one matrix: folded into one product
    {{5}, {2, 3, 5, 4}},                 // a vector times a batch
    {{2, 3, 3, 4}, {4}},                 // a batch times a vector
    {{2, 1, 2, 1, 3}, {1, 3, 1, 3, 2}},  // rank 5
};

}  // namespace

BOOST_AUTO_TEST_CASE(matmul_broadcasts_batch_dims_like_torch_at_any_rank) {
  manual_seed(11);
  for (const Case& c : kCases) {
    BOOST_TEST_CONTEXT(c.a << " x " << c.b) {
      const Tensor a = sg::randn(c.a, kFloat64), b = sg::randn(c.b, kFloat64);
      BOOST_TEST(all_close(sg::matmul(a, b), naive_matmul(a, b), 1e-12, 1e-12));
      BOOST_TEST(all_close(sg::matmul(a.to(kFloat32), b.to(kFloat32)), naive_matmul(a, b), 1e-5, 1e-5));
    }
  }
}

BOOST_AUTO_TEST_CASE(matmul_broadcast_grads_match_finite_differences) {
  manual_seed(12);
  for (const Case& c : kCases) {
    BOOST_TEST_CONTEXT(c.a << " x " << c.b) {
      const Tensor a = uniform64(c.a), b = uniform64(c.b);
      BOOST_TEST(passes_gradcheck([](In in) { return sg::matmul(in[0], in[1]); }, {a, b}));
      BOOST_TEST(passes_gradcheck([](In in) { return sg::matmul(in[0], in[1]); }, {a.detach(), b}));
      BOOST_TEST(passes_gradcheck([](In in) { return sg::matmul(in[0], in[1]); }, {a, b.detach()}));
    }
  }
}

// a = (arange(12).reshape(2, 1, 3, 2) - 5) / 4, b = (arange(24).reshape(3, 2, 4) * 0.5 - 3) / 3,
// c = torch.matmul(a, b); (c * w).sum().backward() with w = (arange(72).reshape(c.shape) % 5 - 2) / 3.
BOOST_AUTO_TEST_CASE(matmul_broadcast_matches_torch) {
  const Tensor a = ((sg::arange(12, kFloat64).reshape({2, 1, 3, 2}) - 5) / 4).requires_grad_();
  const Tensor b = ((sg::arange(24, kFloat64).reshape({3, 2, 4}) * 0.5 - 3) / 3).requires_grad_();
  const Tensor c = sg::matmul(a, b);
  BOOST_TEST(c.shape() == Shape({2, 3, 3, 4}));
  const std::vector<double> c_first{
      1.583333333333, 1.208333333333, 0.833333333333, 0.458333333333, 0.916666666667, 0.708333333333, 0.5,
      0.291666666667};
  BOOST_TEST(all_close(c.reshape({-1}).narrow(0, 0, 8), sg::tensor(c_first, {8}), 1e-12));
  BOOST_TEST(c.at({1, 2, 2, 3}) == 6.958333333333, boost::test_tools::tolerance(1e-11));
  BOOST_TEST(c.at({1, 0, 1, 2}) == -0.5, boost::test_tools::tolerance(1e-11));
  std::vector<double> w(72);
  for (size_t i = 0; i < w.size(); ++i) w[i] = double(int(i % 5) - 2) / 3;
  (c * sg::tensor(w, {2, 3, 3, 4})).sum().backward();
  BOOST_TEST(all_close(a.grad(),
                       sg::tensor({0.055555555556, -0.388888888889, 0.5, 0.722222222222, 0.111111111111,
                                   -0.111111111111, -1.5, -1.5, 0.055555555556, -0.388888888889, 0.5, 0.722222222222},
                                  kFloat64)
                           .reshape({2, 1, 3, 2}),
                       1e-11));
  BOOST_TEST(all_close(b.grad(),
                       sg::tensor({0.5,
                                   -0.333333333333,
                                   0.083333333333,
                                   0.083333333333,
                                   0.5,
                                   -0.666666666667,
                                   -0.166666666667,
                                   0.333333333333,
                                   0.083333333333,
                                   0.083333333333,
                                   -0.333333333333,
                                   0.5,
                                   -0.166666666667,
                                   0.333333333333,
                                   0.0,
                                   0.5,
                                   -0.333333333333,
                                   0.5,
                                   -0.333333333333,
                                   0.083333333333,
                                   0.0,
                                   0.5,
                                   -0.666666666667,
                                   -0.166666666667},
                                  kFloat64)
                           .reshape({3, 2, 4}),
                       1e-11));
  // torch.matmul(tensor([1., -2.]), b) and torch.matmul(a, tensor([1., -2.])): the 1-D side's dim goes.
  const Tensor v = sg::tensor({1.0, -2.0}, kFloat64);
  BOOST_TEST(all_close(sg::matmul(v, b.detach()).reshape({-1}).narrow(0, 0, 4),
                       sg::tensor({-0.333333333333, -0.5, -0.666666666667, -0.833333333333}, kFloat64), 1e-11));
  BOOST_TEST(sg::matmul(v, b.detach()).shape() == Shape({3, 4}));
  BOOST_TEST(all_close(sg::matmul(a.detach(), v),
                       sg::tensor({{{0.75, 0.25, -0.25}}, {{-0.75, -1.25, -1.75}}}, kFloat64), 1e-12));
}

BOOST_AUTO_TEST_CASE(batched_kernel_matches_the_plain_loops_and_any_thread_count) {
  manual_seed(13);
  // C [3, 2] of 5 x 6 matrices; A broadcast along dim 1 (shape [3, 1]), B along dim 0 ([1, 2]); both transposed.
  const int64_t M = 5, N = 6, K = 7;
  const std::vector<double> A = sg::randn({3, K, M}, kFloat64).to_vector<double>();
  const std::vector<double> B = sg::randn({2, N, K}, kFloat64).to_vector<double>();
  const kernels::BatchBroadcast batch{{3, 2}, {1, 0}, {0, 1}};
  std::vector<double> fast(6 * M * N), plain(6 * M * N);
  kernels::batched_gemm(true, true, M, N, K, A.data(), B.data(), fast.data(), batch);
  kernels::reference::batched_gemm(true, true, M, N, K, A.data(), B.data(), plain.data(), batch);
  BOOST_TEST(all_close(sg::tensor(fast, {6 * M * N}), sg::tensor(plain, {6 * M * N}), 1e-12, 1e-12));

  const Tensor q = sg::randn({2, 4, 33, 16});
  Tensor k = sg::randn({2, 4, 16, 33}).requires_grad_();
  const auto run = [&](int threads) {
    ThreadCount count(threads);
    k.zero_grad();
    Tensor s = sg::matmul(q, k);
    (s * s).sum().backward();
    return std::make_pair(s.detach(), k.grad());
  };
  const auto one = run(1), two = run(2);
  BOOST_TEST(bitwise_equal(one.first, two.first));
  BOOST_TEST(bitwise_equal(one.second, two.second));
}

BOOST_AUTO_TEST_CASE(mm_bmm_dot_and_outer_match_loops_and_torch) {
  manual_seed(14);
  const Tensor a = uniform64({3, 4}), b = uniform64({4, 2});
  BOOST_TEST(all_close(sg::mm(a, b), naive_matmul(a, b), 1e-12, 1e-12));
  const Tensor p = uniform64({2, 3, 4}), r = uniform64({2, 4, 5});
  BOOST_TEST(all_close(sg::bmm(p, r), naive_matmul(p, r), 1e-12, 1e-12));
  // torch.dot(tensor([1., 2, 3]), tensor([4., 5, 6])) = 32; torch.outer(tensor([1., 2, 3]), tensor([4., 5]))
  const Tensor u = sg::tensor({1.0, 2.0, 3.0}, kFloat64), v = sg::tensor({4.0, 5.0, 6.0}, kFloat64);
  BOOST_TEST(sg::dot(u, v).dim() == 0);
  BOOST_TEST(sg::dot(u, v).item() == 32.0);
  BOOST_TEST(all_close(sg::outer(u, sg::tensor({4.0, 5.0}, kFloat64)),
                       sg::tensor({{4.0, 5.0}, {8.0, 10.0}, {12.0, 15.0}}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(mm_bmm_dot_and_outer_grads_match_finite_differences) {
  manual_seed(15);
  BOOST_TEST(passes_gradcheck([](In in) { return sg::mm(in[0], in[1]); }, {uniform64({3, 4}), uniform64({4, 2})}));
  BOOST_TEST(
      passes_gradcheck([](In in) { return sg::bmm(in[0], in[1]); }, {uniform64({2, 3, 4}), uniform64({2, 4, 2})}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::dot(in[0], in[1]); }, {uniform64({5}), uniform64({5})}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::outer(in[0], in[1]); }, {uniform64({3}), uniform64({4})}));
}

BOOST_AUTO_TEST_CASE(linear_takes_any_leading_dims) {
  manual_seed(16);
  const Tensor x = uniform64({2, 3, 4}), w = uniform64({5, 4}), bias = uniform64({5});
  const Tensor y = sg::linear(x, w, bias);
  BOOST_TEST(y.shape() == Shape({2, 3, 5}));
  BOOST_TEST(all_close(y, naive_matmul(x, w.t()) + bias, 1e-12, 1e-12));
  BOOST_TEST(all_close(sg::linear(x.narrow(0, 0, 1).reshape({3, 4}).narrow(0, 1, 1).reshape({4}), w),
                       naive_matmul(x.narrow(0, 0, 1).reshape({3, 4}).narrow(0, 1, 1).reshape({4}), w.t()), 1e-12));
  BOOST_TEST(sg::linear(sg::zeros({0, 2, 4}, kFloat64), w).shape() == Shape({0, 2, 5}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::linear(in[0], in[1], in[2]); }, {x, w, bias}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::linear(in[0], in[1]); }, {uniform64({4}), w}));
}

BOOST_AUTO_TEST_CASE(mm_bmm_dot_and_outer_name_themselves_and_the_shapes) {
  BOOST_TEST(throws_with(
      [] {
        (void)sg::mm(sg::zeros({2, 3, 4}), sg::zeros({4, 5}));
      },
      {"mm: expected two 2-D tensors, got [2, 3, 4] and [4, 5]"}));
  BOOST_TEST(throws_with(
      [] {
        (void)sg::mm(sg::zeros({2, 3}), sg::zeros({4, 5}));
      },
      {"mm: cannot multiply [2, 3] by [4, 5] (3 != 4)"}));
  BOOST_TEST(throws_with(
      [] {
        (void)sg::bmm(sg::zeros({2, 3, 4}), sg::zeros({1, 4, 5}));
      },
      {"bmm: expected two 3-D tensors with one batch size, got [2, 3, 4] and [1, 4, 5]"}));
  BOOST_TEST(throws_with([] { (void)sg::bmm(sg::zeros({3, 4}), sg::zeros({4, 5})); }, {"bmm", "[3, 4]", "[4, 5]"}));
  BOOST_TEST(throws_with([] { (void)sg::dot(sg::zeros({3}), sg::zeros({4})); },
                         {"dot: expected two 1-D tensors of one size, got [3] and [4]"}));
  BOOST_TEST(throws_with([] { (void)sg::outer(sg::zeros({3, 1}), sg::zeros({4})); }, {"outer", "[3, 1]", "[4]"}));
  BOOST_TEST(
      throws_with([] { (void)sg::outer(sg::zeros({3}), sg::zeros({4}, kFloat64)); }, {"outer", "float32", "float64"}));
}

BOOST_AUTO_TEST_SUITE_END()
