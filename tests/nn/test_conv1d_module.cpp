// nn::Conv1d: forward against the same layer as a Conv2d on a height of 1, gradcheck through the layer,
// PyTorch's default init, the printed options and the errors.
#include "tests/testing.h"

#include <algorithm>
#include <cmath>

#include "scratchgrad/nn.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(conv1d_module)

// y[n, o, i] = b[o] + sum_{c, k} w[o, c, k] * x[n, c, i*S - P + k*D], zero outside, by hand.
BOOST_AUTO_TEST_CASE(conv1d_forward_matches_a_loop) {
  manual_seed(1);
  nn::Conv1d conv(2, 3, 3, {.stride = 2, .padding = 1, .dilation = 2});
  conv.to(kFloat64);
  const Tensor x = randn({2, 2, 9}, kFloat64);
  const int64_t Lo = (9 + 2 - 2 * 2 - 1) / 2 + 1;
  std::vector<double> expected(2 * 3 * Lo);
  const double *px = x.data<double>(), *pw = conv.weight.data<double>(), *pb = conv.bias.data<double>();
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t o = 0; o < 3; ++o)
      for (int64_t i = 0; i < Lo; ++i) {
        double acc = pb[o];
        for (int64_t c = 0; c < 2; ++c)
          for (int64_t k = 0; k < 3; ++k) {
            const int64_t at = i * 2 - 1 + k * 2;
            if (at >= 0 && at < 9) acc += pw[(o * 2 + c) * 3 + k] * px[(n * 2 + c) * 9 + at];
          }
        expected[(n * 3 + o) * Lo + i] = acc;
      }
  BOOST_TEST(all_close(conv(x), tensor(expected, {2, 3, Lo}), 1e-12));
}

BOOST_AUTO_TEST_CASE(conv1d_grad_matches_finite_differences) {
  manual_seed(2);
  nn::Conv1d conv(2, 3, 3, {.stride = 2, .padding = 1});
  conv.to(kFloat64);
  BOOST_TEST(passes_gradcheck(
      [&](const std::vector<Tensor>& in) {
        conv.weight = in[1], conv.bias = in[2];
        return conv.forward(in[0]);
      },
      {uniform64({2, 2, 7}), uniform64({3, 2, 3}), uniform64({3})}));
}

BOOST_AUTO_TEST_CASE(conv1d_default_init_is_uniform_within_one_over_sqrt_fan_in) {
  manual_seed(3);
  nn::Conv1d conv(4, 200, 25);  // fan_in = 4 * 25 = 100
  double w_max = 0, b_max = 0;
  for (double v : conv.weight.to_vector<double>()) w_max = std::max(w_max, std::abs(v));
  for (double v : conv.bias.to_vector<double>()) b_max = std::max(b_max, std::abs(v));
  BOOST_TEST(w_max <= 0.1);
  BOOST_TEST(w_max > 0.099);
  BOOST_TEST(b_max <= 0.1);
  BOOST_TEST(conv.parameter_count() == 200 * 4 * 25 + 200);
}

BOOST_AUTO_TEST_CASE(conv1d_prints_only_non_default_options) {
  BOOST_TEST(nn::Conv1d(1, 8, 3).repr() == "Conv1d(1, 8, kernel_size=3)");
  BOOST_TEST(nn::Conv1d(1, 8, 5, {.stride = 2, .padding = 1, .dilation = 3, .bias = false}).repr() ==
             "Conv1d(1, 8, kernel_size=5, stride=2, padding=1, dilation=3, bias=false)");
}

BOOST_AUTO_TEST_CASE(conv1d_refuses_zero_sizes_and_inputs_of_the_wrong_rank) {
  BOOST_TEST(throws_with([] { nn::Conv1d(0, 8, 3); }, {"Conv1d", "positive", "in_channels 0"}));
  BOOST_TEST(throws_with([] { nn::Conv1d(1, 8, 0); }, {"Conv1d", "kernel_size 0"}));
  nn::Conv1d conv(2, 4, 3);
  BOOST_TEST(throws_with([&] { conv.forward(ones({1, 2, 8, 8})); }, {"conv1d", "(N, C, L)", "[1, 2, 8, 8]"}));
  BOOST_TEST(throws_with([&] { conv.forward(ones({1, 3, 8})); }, {"conv1d", "2 channels", "[1, 3, 8]"}));
}

BOOST_AUTO_TEST_SUITE_END()
