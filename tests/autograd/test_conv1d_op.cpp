// conv1d: values and gradients against PyTorch with stride, padding and dilation, the forward against a
// loop over the definition, gradcheck, the reference and fast kernels agreeing, and the errors.
#include "tests/testing.h"

#include "autograd/kernel_mode.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(conv1d_op)

namespace {
Tensor flat(const std::vector<double>& values, const Shape& shape) { return sg::tensor(values, shape); }

// y[n, o, i] = b[o] + sum_{c, k} w[o, c, k] * x[n, c, i*S - P + k*D], x zero outside [0, L).
Tensor conv1d_loop(const Tensor& x, const Tensor& w, const Tensor& b, int64_t S, int64_t P, int64_t D) {
  const int64_t N = x.size(0), C = x.size(1), L = x.size(2), O = w.size(0), K = w.size(2);
  const int64_t Lo = (L + 2 * P - D * (K - 1) - 1) / S + 1;
  std::vector<double> y(N * O * Lo);
  const double *px = x.data<double>(), *pw = w.data<double>(), *pb = b.data<double>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t i = 0; i < Lo; ++i) {
        double acc = pb[o];
        for (int64_t c = 0; c < C; ++c)
          for (int64_t k = 0; k < K; ++k) {
            const int64_t at = i * S - P + k * D;
            if (at >= 0 && at < L) acc += pw[(o * C + c) * K + k] * px[(n * C + c) * L + at];
          }
        y[(n * O + o) * Lo + i] = acc;
      }
  return sg::tensor(y, {N, O, Lo});
}
}  // namespace

// x (2, 3, 7), w (4, 3, 3), b as below; y = F.conv1d(x, w, b, stride=2, padding=2, dilation=2);
// dy = (torch.arange(32.).reshape(2, 4, 4) - 10) / 8; y.backward(dy). Printed by torch 1.13 in float64.
BOOST_AUTO_TEST_CASE(conv1d_matches_pytorch_with_stride_padding_and_dilation) {
  Tensor x = flat({-0.8, -0.43, -0.06, 0.31, 0.68, 1.05, -0.48, -0.11, 0.26, 0.63, 1.0, -0.53, -0.16, 0.21,
                   0.58, 0.95, -0.58, -0.21, 0.16, 0.53, 0.9, -0.63, -0.26, 0.11, 0.48, 0.85, -0.68, -0.31,
                   0.06, 0.43, 0.8, -0.73, -0.36, 0.01, 0.38, 0.75, -0.78, -0.41, -0.04, 0.33, 0.7, 1.07},
                  {2, 3, 7}).requires_grad_();
  Tensor w = flat({-0.6, -0.07, 0.46, -0.31, 0.22, -0.55, -0.02, 0.51, -0.26, 0.27, -0.5, 0.03,
                   0.56, -0.21, 0.32, -0.45, 0.08, 0.61, -0.16, 0.37, -0.4, 0.13, 0.66, -0.11,
                   0.42, -0.35, 0.18, -0.59, -0.06, 0.47, -0.3, 0.23, -0.54, -0.01, 0.52, -0.25},
                  {4, 3, 3}).requires_grad_();
  Tensor b = sg::tensor({0.1, -0.2, 0.3, -0.4}, kFloat64).requires_grad_();
  const Tensor y = sg::conv1d(x, w, b, {.stride = 2, .padding = 2, .dilation = 2});
  BOOST_TEST(all_close(y, flat({0.20429999999999995, 1.0122, -0.7006000000000001, 0.3919, 0.11550000000000005,
                                -0.9389000000000001, 0.7835000000000001, -0.1173000000000001, -0.42129999999999984,
                                1.069, 0.3246, -0.16450000000000004, -0.29910000000000003, 0.5119, -1.1913,
                                -0.09870000000000001, 0.25699999999999995, 0.9068000000000004, -0.806,
                                0.3460000000000001, 0.17160000000000014, -0.8181999999999998, 0.9042000000000001,
                                -0.1598, -0.36179999999999995, 1.1947999999999999, 0.4504, 0.01739999999999997,
                                -0.23620000000000008, 0.42179999999999984, -1.2814, -0.13440000000000002},
                               {2, 4, 4}), 1e-12, 1e-12));
  y.backward((arange(32.0, kFloat64).reshape({2, 4, 4}) - 10.0) / 8.0);
  BOOST_TEST(all_close(x.grad(), flat({0.6599999999999999, 0.0, 0.11249999999999988, 0.0, 0.014999999999999902, 0.0,
                                       0.01749999999999996, -0.35500000000000004, 0.0, 0.10750000000000004, 0.0,
                                       0.11999999999999995, 0.0, 0.2325, -0.23249999999999996, 0.0,
                                       -0.38500000000000006, 0.0, -0.2625, 0.0, -0.365, -2.02, 0.0,
                                       -1.4475000000000002, 0.0, -1.545, 0.0, 0.6174999999999998, 1.6050000000000002,
                                       0.0, 0.3074999999999999, 0.0, 0.3200000000000003, 0.0, 0.27249999999999996,
                                       1.1675, 0.0, 1.575, 0.0, 1.6974999999999998, 0.0, 1.7150000000000003},
                                      {2, 3, 7}), 1e-12, 1e-12));
  BOOST_TEST(all_close(w.grad(), flat({0.8799999999999998, 0.9324999999999999, 0.30625, 0.4050000000000001,
                                       0.5875000000000001, 0.26375000000000015, 0.405, 0.7175000000000002,
                                       0.6962499999999999, 0.955, 0.6124999999999999, 0.7012499999999999,
                                       0.6500000000000002, 1.1275, 0.8287500000000002, 0.8200000000000001,
                                       2.1174999999999997, 1.4312500000000001, 1.03, 0.29250000000000004,
                                       1.0962499999999997, 0.8950000000000001, 1.6675, 1.3937500000000003, 1.235,
                                       3.5175, 2.1662500000000002, 1.1049999999999998, -0.02749999999999994,
                                       1.49125, 1.1400000000000001, 2.2075000000000005, 1.95875, 1.6500000000000001,
                                       4.9175, 2.90125},
                                      {4, 3, 3}), 1e-12, 1e-12));
  BOOST_TEST(all_close(b.grad(), flat({-0.5, 3.5, 7.5, 11.5}, {4}), 1e-12));
}

BOOST_AUTO_TEST_CASE(conv1d_forward_matches_a_loop_over_the_definition) {
  manual_seed(6);
  const Tensor x = randn({2, 3, 11}, kFloat64), w = randn({5, 3, 4}, kFloat64), b = randn({5}, kFloat64);
  for (int64_t S : {1, 3})
    for (int64_t P : {0, 2})
      for (int64_t D : {1, 2})
        BOOST_TEST(all_close(sg::conv1d(x, w, b, {.stride = S, .padding = P, .dilation = D}),
                             conv1d_loop(x, w, b, S, P, D), 1e-12, 1e-12));
}

BOOST_AUTO_TEST_CASE(conv1d_grads_match_finite_differences) {
  manual_seed(7);
  BOOST_TEST(passes_gradcheck([](In in) { return sg::conv1d(in[0], in[1], in[2]); },
                              {uniform64({2, 3, 6}), uniform64({2, 3, 3}), uniform64({2})}));
  BOOST_TEST(passes_gradcheck(
      [](In in) { return sg::conv1d(in[0], in[1], Tensor(), {.stride = 2, .padding = 1, .dilation = 2}); },
      {uniform64({1, 2, 9}), uniform64({3, 2, 3})}));
}

// float32, where the fast kernels (im2col and GEMM) and the reference loops take different paths.
BOOST_AUTO_TEST_CASE(conv1d_fast_and_reference_kernels_agree) {
  manual_seed(8);
  const bool before = reference_kernels();
  const Tensor x = randn({3, 8, 50}), w = randn({16, 8, 5}), b = randn({16});
  set_reference_kernels(false);
  const Tensor fast = sg::conv1d(x, w, b, {.padding = 2});
  set_reference_kernels(true);
  const Tensor reference = sg::conv1d(x, w, b, {.padding = 2});
  set_reference_kernels(before);
  BOOST_TEST(all_close(fast, reference, 1e-4, 1e-4));
}

BOOST_AUTO_TEST_CASE(bad_arguments_throw_with_op_name_and_shapes) {
  BOOST_TEST(throws_with([] { sg::conv1d(zeros({1, 3, 8, 8}), zeros({2, 3, 3})); },
                         {"conv1d", "(N, C, L)", "[1, 3, 8, 8]", "[2, 3, 3]"}));
  BOOST_TEST(throws_with([] { sg::conv1d(zeros({1, 4, 8}), zeros({2, 3, 3})); },
                         {"conv1d", "3 channels", "[2, 3, 3]", "[1, 4, 8]"}));
  BOOST_TEST(throws_with([] { sg::conv1d(zeros({1, 3, 8}), zeros({2, 3, 3}), zeros({3})); },
                         {"conv1d", "bias", "[2]", "[3]"}));
  BOOST_TEST(throws_with([] { sg::conv1d(zeros({1, 3, 8}), zeros({2, 3, 3}, kFloat64)); },
                         {"conv1d", "float32", "float64"}));
  BOOST_TEST(throws_with([] { sg::conv1d(zeros({1, 3, 8}), zeros({2, 3, 3}), Tensor(), {.stride = 0}); },
                         {"conv1d", "stride 0"}));
  BOOST_TEST(throws_with([] { sg::conv1d(zeros({1, 3, 4}), zeros({2, 3, 3}), Tensor(), {.dilation = 3}); },
                         {"conv1d", "spanning 7", "padded input 4", "[1, 3, 4]"}));
  BOOST_TEST(throws_with(
                 [] { sg::conv1d(zeros({1, 3, 4}), zeros({2, 3, 3}), Tensor(), {.dilation = int64_t(1) << 62}); },
                 {"conv1d", "too large"}));
}

BOOST_AUTO_TEST_SUITE_END()
