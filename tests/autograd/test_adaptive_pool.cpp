// adaptive_avg_pool2d and adaptive_max_pool2d: values and gradients against PyTorch with overlapping
// windows and with an output larger than the input, the same as avg_pool2d / max_pool2d where the output
// divides the input, gradcheck, and the errors.
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(adaptive_pool)

namespace {
Tensor flat(const std::vector<double>& values, const Shape& shape) { return sg::tensor(values, shape); }

// x = torch.cat([x0, -x0 * 0.5 + 1], 1), x0 the (1, 1, 4, 5) plane below: (1, 2, 4, 5) in float64.
Tensor x_fixture() {
  const Tensor x0 = sg::tensor({{{{0.5, -1.0, 2.0, 3.0, 0.25}, {-0.75, 1.0, 1.5, -2.0, 4.0},
                                  {0.0, 2.5, -1.5, 0.75, 1.25}, {3.5, -0.5, 1.75, -2.5, 0.5}}}},
                               kFloat64);
  return cat({x0, x0 * -0.5 + 1.0}, 1);
}
// dy = (torch.arange(12.).reshape(1, 2, 3, 2) - 4) / 3
Tensor dy_fixture() { return (arange(12.0, kFloat64).reshape({1, 2, 3, 2}) - 4.0) / 3.0; }
}  // namespace

// y = F.adaptive_avg_pool2d(x, (3, 2)); y.backward(dy): rows [0, 2), [1, 3), [2, 4) and columns [0, 3),
// [2, 5) overlap. Printed by torch 1.13 in float64.
BOOST_AUTO_TEST_CASE(adaptive_avg_pool_matches_pytorch_with_overlapping_windows) {
  Tensor x = x_fixture().requires_grad_();
  const Tensor y = sg::adaptive_avg_pool2d(x, {3, 2});
  BOOST_TEST(all_close(y, flat({0.5416666666666666, 1.4583333333333333, 0.4583333333333333, 0.6666666666666666,
                                0.9583333333333334, 0.041666666666666664, 0.7291666666666666, 0.2708333333333333,
                                0.7708333333333334, 0.6666666666666666, 0.5208333333333334, 0.9791666666666666},
                               {1, 2, 3, 2}), 1e-12));
  y.backward(dy_fixture());
  BOOST_TEST(all_close(x.grad(), flat({-0.2222222222222222, -0.2222222222222222, -0.38888888888888884,
                                       -0.16666666666666666, -0.16666666666666666, -0.3333333333333333,
                                       -0.3333333333333333, -0.5555555555555555, -0.2222222222222222,
                                       -0.2222222222222222, -0.1111111111111111, -0.1111111111111111,
                                       -0.1111111111111111, 0.0, 0.0, 0.0, 0.0, 0.05555555555555555,
                                       0.05555555555555555, 0.05555555555555555, 0.1111111111111111,
                                       0.1111111111111111, 0.2777777777777778, 0.16666666666666666,
                                       0.16666666666666666, 0.3333333333333333, 0.3333333333333333,
                                       0.7777777777777778, 0.4444444444444444, 0.4444444444444444,
                                       0.5555555555555556, 0.5555555555555556, 1.222222222222222,
                                       0.6666666666666667, 0.6666666666666667, 0.3333333333333333,
                                       0.3333333333333333, 0.7222222222222222, 0.3888888888888889,
                                       0.3888888888888889},
                                      {1, 2, 4, 5}), 1e-12, 1e-12));
}

// dy2 = torch.arange(30.).reshape(1, 2, 5, 3) / 7; y = F.adaptive_avg_pool2d(x, (5, 3)); y.backward(dy2):
// 5 windows over 4 rows, so some rows serve two windows.
BOOST_AUTO_TEST_CASE(adaptive_avg_pool_matches_pytorch_with_more_windows_than_rows) {
  Tensor x = x_fixture().requires_grad_();
  const Tensor y = sg::adaptive_avg_pool2d(x, {5, 3});
  BOOST_TEST(all_close(y, flat({-0.25, 1.3333333333333333, 1.625, -0.0625, 0.75, 1.3125, 0.6875, 0.375, 1.0, 1.375,
                                0.08333333333333333, 0.0, 1.5, -0.4166666666666667, -1.0, 1.125, 0.3333333333333333,
                                0.1875, 1.03125, 0.625, 0.34375, 0.65625, 0.8125, 0.5, 0.3125, 0.9583333333333334,
                                1.0, 0.25, 1.2083333333333333, 1.5},
                               {1, 2, 5, 3}), 1e-12, 1e-12));
  y.backward(arange(30.0, kFloat64).reshape({1, 2, 5, 3}) / 7.0);
  BOOST_TEST(all_close(x.grad(), flat({0.10714285714285714, 0.25, 0.14285714285714285, 0.4642857142857143,
                                       0.3214285714285714, 0.3214285714285714, 0.5833333333333333, 0.26190476190476186,
                                       0.7261904761904762, 0.4642857142857143, 0.5357142857142857, 0.9404761904761905,
                                       0.40476190476190477, 1.0833333333333333, 0.6785714285714286, 1.1785714285714286,
                                       2.0357142857142856, 0.8571428571428572, 2.25, 1.3928571428571428,
                                       1.7142857142857144, 2.928571428571429, 1.2142857142857142, 3.142857142857143,
                                       1.9285714285714284, 1.3928571428571428, 2.369047619047619, 0.9761904761904763,
                                       2.511904761904762, 1.5357142857142856, 1.6071428571428572, 2.7261904761904763,
                                       1.119047619047619, 2.8690476190476195, 1.75, 2.7857142857142856,
                                       4.714285714285714, 1.9285714285714284, 4.928571428571429, 3.0},
                                      {1, 2, 4, 5}), 1e-12));
}

// y = F.adaptive_max_pool2d(x, (3, 2)); y.backward(dy): a value that is the maximum of two overlapping
// windows gets both gradients.
BOOST_AUTO_TEST_CASE(adaptive_max_pool_matches_pytorch_with_overlapping_windows) {
  Tensor x = x_fixture().requires_grad_();
  const Tensor y = sg::adaptive_max_pool2d(x, {3, 2});
  BOOST_TEST(all_close(y, flat({2.0, 4.0, 2.5, 4.0, 3.5, 1.75, 1.5, 2.0, 1.75, 2.0, 1.75, 2.25}, {1, 2, 3, 2}), 0));
  y.backward(dy_fixture());
  BOOST_TEST(all_close(x.grad(), flat({0.0, 0.0, -1.3333333333333333, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.3333333333333333,
                                       0.0, -0.6666666666666666, 0.0, 0.0, 0.0, 0.0, 0.0, 0.3333333333333333, 0.0, 0.0,
                                       0.0, 0.6666666666666666, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.666666666666667, 0.0,
                                       0.0, 0.0, 3.333333333333333, 0.0, 0.0, 0.0, 0.0, 0.0, 2.3333333333333335, 0.0},
                                      {1, 2, 4, 5}), 1e-12));
}

// Where the output size divides the input, the windows are those of a pooling with kernel = stride =
// input / output; an output of 1 is the mean (max) of each whole plane.
BOOST_AUTO_TEST_CASE(dividing_sizes_give_the_fixed_window_pooling) {
  manual_seed(3);
  const Tensor x = randn({2, 3, 6, 8}, kFloat64);
  BOOST_TEST(all_close(sg::adaptive_avg_pool2d(x, {3, 2}), sg::avg_pool2d(x, {.kernel_size = {2, 4}}), 1e-12));
  BOOST_TEST(all_close(sg::adaptive_max_pool2d(x, {2, 4}), sg::max_pool2d(x, {.kernel_size = {3, 2}}), 0));
  BOOST_TEST(all_close(sg::adaptive_avg_pool2d(x, 1), sg::mean(x, {2, 3}, true), 1e-12));
  BOOST_TEST(all_close(sg::adaptive_max_pool2d(x, 1), sg::amax(x, {2, 3}, true), 0));
  BOOST_TEST(all_close(sg::adaptive_avg_pool2d(x, {6, 8}), x, 0));
}

BOOST_AUTO_TEST_CASE(adaptive_max_pool_propagates_nan) {
  Tensor x = sg::tensor({{{{1.0, NAN, 3.0}, {4.0, 5.0, 6.0}}}}, kFloat64).requires_grad_();
  const Tensor y = sg::adaptive_max_pool2d(x, {1, 2});
  BOOST_TEST(std::isnan(y.data<double>()[0]));
  BOOST_TEST(std::isnan(y.data<double>()[1]));
  y.backward(sg::tensor({{{{1.0, 2.0}}}}, kFloat64));
  BOOST_TEST(all_close(x.grad(), flat({0, 3, 0, 0, 0, 0}, {1, 1, 2, 3}), 0));
}

BOOST_AUTO_TEST_CASE(adaptive_pool_grads_match_finite_differences) {
  manual_seed(4);
  for (Pair size : {Pair(3, 2), Pair(1), Pair(5, 7), Pair(4, 5)}) {
    BOOST_TEST(
        passes_gradcheck([&](In in) { return sg::adaptive_avg_pool2d(in[0], size); }, {uniform64({2, 2, 4, 5})}));
    // Distinct values at least 0.01 apart: a finite difference never moves the maximum.
    const Tensor x = (sg::randperm(40).to(kFloat64) * 0.1).reshape({2, 1, 4, 5}).requires_grad_();
    BOOST_TEST(passes_gradcheck([&](In in) { return sg::adaptive_max_pool2d(in[0], size); }, {x}));
  }
}

BOOST_AUTO_TEST_CASE(bad_arguments_throw_with_op_name_and_sizes) {
  BOOST_TEST(throws_with([] { sg::adaptive_avg_pool2d(zeros({28, 28}), 7); }, {"adaptive_avg_pool2d", "[28, 28]"}));
  BOOST_TEST(throws_with([] { sg::adaptive_max_pool2d(zeros({1, 1, 4, 4}), {0, 2}); },
                         {"adaptive_max_pool2d", "output_size (0, 2)"}));
  BOOST_TEST(throws_with([] { sg::adaptive_avg_pool2d(zeros({1, 1, 0, 4}), 2); },
                         {"adaptive_avg_pool2d", "1x1", "[1, 1, 0, 4]"}));
  BOOST_TEST(throws_with([] { sg::adaptive_avg_pool2d(zeros({1, 1, 4, 4}), {int64_t(1) << 59, 1}); },
                         {"adaptive_avg_pool2d", "too large", "[1, 1, 4, 4]"}));
}

BOOST_AUTO_TEST_SUITE_END()
