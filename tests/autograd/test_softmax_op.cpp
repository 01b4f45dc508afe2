// softmax, log_softmax and logsumexp along each dim: values from a naive loop, gradients from finite
// differences, and the stability claim: inputs of +-1000 give finite, correct values and gradients.
#include <cmath>

#include "autograd/kernels/softmax.h"
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(softmax_op)

namespace {

enum class Kind { Softmax, LogSoftmax, LogSumExp };

// Naive, in long double and without the max shift: fine for the small inputs it is used on.
Tensor naive(const Tensor& x, int64_t dim, Kind kind, bool keepdim = false) {
  const Shape s = x.shape();
  const auto v = x.to_vector<double>();
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= s[d];
  for (int64_t d = dim + 1; d < s.size(); ++d) inner *= s[d];
  const int64_t R = s[dim];
  std::vector<double> out(kind == Kind::LogSumExp ? size_t(outer * inner) : v.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      long double total = 0;
      for (int64_t r = 0; r < R; ++r) total += std::exp((long double)v[(o * R + r) * inner + i]);
      if (kind == Kind::LogSumExp) {
        out[o * inner + i] = double(std::log(total));
        continue;
      }
      for (int64_t r = 0; r < R; ++r) {
        const int64_t k = (o * R + r) * inner + i;
        out[k] = kind == Kind::Softmax ? double(std::exp((long double)v[k]) / total)
                                       : double((long double)v[k] - std::log(total));
      }
    }
  if (kind != Kind::LogSumExp) return sg::tensor(out, s);
  Shape shape = s;
  if (keepdim) shape[dim] = 1;
  else shape.erase(dim);
  return sg::tensor(out, shape);
}

}  // namespace

BOOST_AUTO_TEST_CASE(values_along_each_dim_match_a_naive_loop) {
  manual_seed(1);
  const Tensor x = mul(sg::randn({2, 3, 4}, kFloat64), 2.0);
  for (int64_t dim = 0; dim < 3; ++dim) {
    BOOST_TEST_CONTEXT("dim " << dim) {
      BOOST_TEST(all_close(sg::softmax(x, dim), naive(x, dim, Kind::Softmax), 1e-14, 1e-12));
      BOOST_TEST(all_close(sg::log_softmax(x, dim), naive(x, dim, Kind::LogSoftmax), 1e-14, 1e-12));
      BOOST_TEST(all_close(sg::logsumexp(x, dim), naive(x, dim, Kind::LogSumExp), 1e-14, 1e-12));
      BOOST_TEST(all_close(sg::logsumexp(x, dim, true), naive(x, dim, Kind::LogSumExp, true), 1e-14, 1e-12));
      BOOST_TEST(all_close(sg::softmax(x, dim - 3), sg::softmax(x, dim), 0));
      BOOST_TEST(all_close(sg::softmax(x.to(kFloat32), dim), naive(x, dim, Kind::Softmax), 1e-6, 1e-5));
    }
  }
  BOOST_TEST(all_close(x.softmax(-1), naive(x, 2, Kind::Softmax), 1e-14, 1e-12));
  BOOST_TEST(all_close(x.log_softmax(1), naive(x, 1, Kind::LogSoftmax), 1e-14, 1e-12));
}

// Short lines run side by side, kLines to a block (kernels/fast/softmax.h): blocks that end mid-tensor, lines
// that cross from one outer index to the next (inner 21), the longest line taken that way (64) and
// lines along dim 0 must give the one-line-at-a-time loop's values, forward and backward. Longer lines,
// or fewer lines than a block, take that loop itself. The values also match the naive long-double loop.
BOOST_AUTO_TEST_CASE(lines_side_by_side_match_one_line_at_a_time) {
  manual_seed(4);
  const std::vector<std::pair<Shape, int64_t>> cases = {{{37, 10}, 1}, {{3, 7, 21}, 1}, {{20, 64}, 1}, {{9, 40}, 0},
                                                        {{2, 65, 3}, 1}, {{15, 10}, 1}};
  for (const auto& [shape, dim] : cases)
    for (Dtype dtype : {kFloat32, kFloat64})
      for (bool log_y : {false, true}) {
        BOOST_TEST_CONTEXT("shape " << shape << " dim " << dim << " " << dtype << (log_y ? " log" : "")) {
          const Tensor x = mul(sg::randn(shape, dtype), 3.0), dy = sg::randn(shape, dtype);
          const DimSplit s = split_at(shape, dim);
          Tensor y = empty_like(x), y_naive = empty_like(x), dx = empty_like(x), dx_naive = empty_like(x);
          dispatch(dtype, "test", [&]<class T> {
            kernels::fast::softmax_forward(y.data<T>(), x.data<T>(), s.outer, s.size, s.inner, log_y);
            kernels::reference::softmax_forward(y_naive.data<T>(), x.data<T>(), s.outer, s.size, s.inner, log_y);
            kernels::fast::softmax_backward(dx.data<T>(), dy.data<T>(), y.data<T>(), s.outer, s.size, s.inner,
                                            log_y);
            kernels::reference::softmax_backward(dx_naive.data<T>(), dy.data<T>(), y.data<T>(), s.outer, s.size,
                                                 s.inner, log_y);
          });
          // Within an ulp or two: whether a multiply and an add fuse into one FMA is the compiler's choice per loop.
          const double tol = dtype == kFloat32 ? 1e-6 : 1e-14;
          BOOST_TEST(all_close(y, y_naive, tol, tol));
          BOOST_TEST(all_close(dx, dx_naive, tol, tol));
          const Tensor expected = naive(x.to(kFloat64), dim, log_y ? Kind::LogSoftmax : Kind::Softmax);
          BOOST_TEST(all_close(y, expected, dtype == kFloat32 ? 1e-5 : 1e-13, dtype == kFloat32 ? 1e-5 : 1e-12));
        }
      }
}

// softmax_cross_entropy: log sum_c e^x_c - x_t per row, against a naive long-double loop; its kernels
// side by side (16 rows or more) against one row at a time, forward and backward; gradients against
// finite differences on both paths; and logits of +-1000 on both paths.
BOOST_AUTO_TEST_CASE(softmax_cross_entropy_matches_a_naive_loop_and_finite_differences) {
  manual_seed(5);
  for (const Shape& shape : {Shape{37, 10}, Shape{20, 64}, Shape{5, 3}, Shape{16, 1}})
    for (Dtype dtype : {kFloat32, kFloat64}) {
      BOOST_TEST_CONTEXT("shape " << shape << " " << dtype) {
        const int64_t N = shape[0], C = shape[1];
        const Tensor x = mul(sg::randn(shape, dtype), 3.0), dloss = sg::randn({N}, dtype);
        Tensor target = empty({N}, kInt64);
        for (int64_t n = 0; n < N; ++n) target.data<int64_t>()[n] = (n * 7 + 3) % C;
        const auto v = x.to_vector<double>();
        std::vector<double> expected(N);
        for (int64_t n = 0; n < N; ++n) {
          long double total = 0;
          for (int64_t c = 0; c < C; ++c) total += std::exp((long double)v[n * C + c]);
          expected[n] = double(std::log(total) - v[n * C + target.data<int64_t>()[n]]);
        }
        const double tol = dtype == kFloat32 ? 1e-5 : 1e-13;
        BOOST_TEST(all_close(softmax_cross_entropy(x, target), sg::tensor(expected, {N}), tol, tol));

        Tensor loss = empty({N}, dtype), lse = empty({N}, dtype), loss_naive = empty({N}, dtype),
               lse_naive = empty({N}, dtype), dx = empty_like(x), dx_naive = empty_like(x);
        dispatch(dtype, "test", [&]<class T> {
          const int64_t* t = target.data<int64_t>();
          kernels::fast::softmax_cross_entropy_forward(loss.data<T>(), lse.data<T>(), x.data<T>(), t, N, C);
          kernels::reference::softmax_cross_entropy_forward(loss_naive.data<T>(), lse_naive.data<T>(), x.data<T>(), t,
                                                            N, C);
          kernels::fast::softmax_cross_entropy_backward(dx.data<T>(), dloss.data<T>(), x.data<T>(), lse.data<T>(), t,
                                                        N, C);
          kernels::reference::softmax_cross_entropy_backward(dx_naive.data<T>(), dloss.data<T>(), x.data<T>(),
                                                             lse.data<T>(), t, N, C);
        });
        const double ulps = dtype == kFloat32 ? 1e-6 : 1e-14;
        BOOST_TEST(all_close(loss, loss_naive, ulps, ulps));
        BOOST_TEST(all_close(dx, dx_naive, ulps, ulps));
        if (dtype == kFloat64 && N * C <= 400)
          BOOST_TEST(passes_gradcheck([&](In in) { return softmax_cross_entropy(in[0], target); },
                                      {x.detach().requires_grad_()}));

        // Shifted by +-1000: the same losses (the loss is shift-invariant), and finite.
        for (double shift : {1000.0, -1000.0})
          BOOST_TEST(all_close(softmax_cross_entropy(add(x, shift), target), sg::tensor(expected, {N}), 1e-3, 1e-3),
                     "shift " << shift);
      }
    }
}

BOOST_AUTO_TEST_CASE(softmax_cross_entropy_refuses_bad_shapes_and_targets) {
  const Tensor logits = sg::zeros({2, 3});
  BOOST_TEST(throws_with([&] { (void)softmax_cross_entropy(sg::zeros({6}), sg::zeros({6}, kInt64)); },
                         {"softmax_cross_entropy", "[6]"}));
  BOOST_TEST(throws_with([&] { (void)softmax_cross_entropy(logits, sg::zeros({2})); },
                         {"softmax_cross_entropy", "int64", "float32"}));
  BOOST_TEST(throws_with([&] { (void)softmax_cross_entropy(logits, sg::zeros({3}, kInt64)); },
                         {"softmax_cross_entropy", "[2, 3]", "[3]"}));
  BOOST_TEST(throws_with([&] { (void)softmax_cross_entropy(logits, sg::tensor(std::vector<int64_t>{0, -1}, {2})); },
                         {"softmax_cross_entropy", "[0, 3)", "got -1 at position 1"}));
}

BOOST_AUTO_TEST_CASE(hand_values) {
  // softmax([0, ln 3]) = [1/4, 3/4]; logsumexp = ln 4
  const Tensor x = sg::tensor({0.0, std::log(3.0)}, kFloat64);
  BOOST_TEST(all_close(sg::softmax(x), sg::tensor({0.25, 0.75}, kFloat64), 1e-15));
  BOOST_TEST(all_close(sg::log_softmax(x), sg::tensor({std::log(0.25), std::log(0.75)}, kFloat64), 1e-15));
  BOOST_TEST(sg::logsumexp(x, 0).item() == std::log(4.0), boost::test_tools::tolerance(1e-15));
  BOOST_TEST(sg::logsumexp(x, 0).dim() == 0);
}

BOOST_AUTO_TEST_CASE(grads_along_each_dim_match_finite_differences) {
  manual_seed(2);
  const Tensor x = uniform64({2, 3, 4}, -2.0, 2.0);
  for (int64_t dim = -3; dim < 3; ++dim) {
    BOOST_TEST_CONTEXT("dim " << dim) {
      BOOST_TEST(passes_gradcheck([=](In in) { return sg::softmax(in[0], dim); }, {x}));
      BOOST_TEST(passes_gradcheck([=](In in) { return sg::log_softmax(in[0], dim); }, {x}));
      BOOST_TEST(passes_gradcheck([=](In in) { return sg::logsumexp(in[0], dim); }, {x}));
      BOOST_TEST(passes_gradcheck([=](In in) { return sg::logsumexp(in[0], dim, true); }, {x}));
    }
  }
}

BOOST_AUTO_TEST_CASE(inputs_of_plus_minus_1000_stay_finite_and_correct) {
  // Shifted copies of [0, ln 3]: the answers are those of the small input (softmax is shift-invariant).
  for (double shift : {1000.0, -1000.0}) {
    BOOST_TEST_CONTEXT("shift " << shift) {
      for (Dtype dtype : {kFloat64, kFloat32}) {
        Tensor x = sg::tensor({shift, shift + std::log(3.0)}, dtype).requires_grad_();
        const Tensor y = sg::softmax(x);
        BOOST_TEST(all_close(y, sg::tensor({0.25, 0.75}, kFloat64), 1e-4));
        BOOST_TEST(all_close(sg::log_softmax(x), sg::tensor({std::log(0.25), std::log(0.75)}, kFloat64), 1e-4));
        BOOST_TEST(sg::logsumexp(x, 0).item() == shift + std::log(4.0), boost::test_tools::tolerance(1e-6));
        // gradients: d logsumexp / dx = softmax(x); d sum(w * softmax) / dx = y * (w - sum(w * y))
        sg::logsumexp(x, 0).backward();
        BOOST_TEST(all_close(x.grad(), sg::tensor({0.25, 0.75}, kFloat64), 1e-4));
        x.zero_grad();
        sg::log_softmax(x).backward(sg::tensor({1.0, 0.0}, dtype));  // d log y0 = [1 - y0, -y1]
        BOOST_TEST(all_close(x.grad(), sg::tensor({0.75, -0.75}, kFloat64), 1e-4));
        x.zero_grad();
        sg::softmax(x).backward(sg::tensor({1.0, 0.0}, dtype));  // d y0 = [y0 (1 - y0), -y0 y1]
        BOOST_TEST(all_close(x.grad(), sg::tensor({0.1875, -0.1875}, kFloat64), 1e-4));
      }
    }
  }
  // Mixed extremes in one row: e^1000 alone overflows double, the answer does not.
  const Tensor wide = sg::tensor({-1000.0, 0.0, 1000.0}, kFloat64);
  BOOST_TEST(all_close(sg::softmax(wide), sg::tensor({0.0, 0.0, 1.0}, kFloat64), 0));
  BOOST_TEST(all_close(sg::log_softmax(wide), sg::tensor({-2000.0, -1000.0, 0.0}, kFloat64), 0));
  BOOST_TEST(sg::logsumexp(wide, 0).item() == 1000.0);
}

BOOST_AUTO_TEST_CASE(large_inputs_pass_gradcheck) {
  manual_seed(3);
  const Tensor x = add(uniform64({2, 3}), 1000.0).detach().requires_grad_();
  BOOST_TEST(passes_gradcheck([](In in) { return sg::log_softmax(in[0], 1); }, {x}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::logsumexp(in[0], 0); }, {x}));
}

BOOST_AUTO_TEST_CASE(bad_dims_and_empty_inputs_are_refused) {
  const Tensor x = sg::zeros({2, 3});
  BOOST_TEST(throws_with([&] { (void)sg::softmax(x, 2); }, {"softmax", "2"}));
  BOOST_TEST(throws_with([&] { (void)sg::log_softmax(x, -3); }, {"log_softmax", "-3"}));
  BOOST_TEST(throws_with([&] { (void)sg::logsumexp(x, 5); }, {"logsumexp", "5"}));
  BOOST_TEST(throws_with([&] { (void)sg::softmax(sg::zeros({0, 3}), 1); }, {"softmax", "[0, 3]"}));
  BOOST_TEST(throws_with([&] { (void)sg::logsumexp(sg::zeros({0}), 0); }, {"logsumexp", "[0]"}));
  const Tensor labels = sg::tensor(std::vector<int64_t>{1, 2}, {2});
  BOOST_TEST(throws_with([&] { (void)sg::softmax(labels, 0); }, {"softmax", "int64"}));
}

BOOST_AUTO_TEST_SUITE_END()
