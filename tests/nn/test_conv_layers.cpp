// Conv2d, MaxPool2d and AvgPool2d: forward against plain loops over the windows, gradcheck (float64)
// through each, the default init, and the printed options.
#include "tests/testing.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "scratchgrad/nn.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(conv_layers)

namespace {
// y[n, o, i, j] = b[o] + sum_{c, u, v} w[o, c, u, v] * x[n, c, i*S + u*D - P, j*S + v*D - P], zero outside.
Tensor conv_loop(const Tensor& x, const Tensor& w, const Tensor& b, int64_t S, int64_t P, int64_t D) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), O = w.size(0), K = w.size(2);
  const int64_t Ho = (H + 2 * P - D * (K - 1) - 1) / S + 1, Wo = (W + 2 * P - D * (K - 1) - 1) / S + 1;
  Tensor y = zeros({N, O, Ho, Wo}, kFloat64);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t i = 0; i < Ho; ++i)
        for (int64_t j = 0; j < Wo; ++j) {
          double acc = b.defined() ? b.at({o}) : 0.0;
          for (int64_t c = 0; c < C; ++c)
            for (int64_t u = 0; u < K; ++u)
              for (int64_t v = 0; v < K; ++v) {
                const int64_t r = i * S + u * D - P, s = j * S + v * D - P;
                if (r >= 0 && r < H && s >= 0 && s < W) acc += w.at({o, c, u, v}) * x.at({n, c, r, s});
              }
          y.set_({n, o, i, j}, acc);
        }
  return y;
}

// Max or mean over K x K windows with stride S and padding P (max ignores padding, mean counts it as 0).
Tensor pool_loop(const Tensor& x, int64_t K, int64_t S, int64_t P, bool is_max) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t Ho = (H + 2 * P - K) / S + 1, Wo = (W + 2 * P - K) / S + 1;
  Tensor y = zeros({N, C, Ho, Wo}, kFloat64);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < Ho; ++i)
        for (int64_t j = 0; j < Wo; ++j) {
          double acc = is_max ? -std::numeric_limits<double>::infinity() : 0.0;
          for (int64_t u = 0; u < K; ++u)
            for (int64_t v = 0; v < K; ++v) {
              const int64_t r = i * S + u - P, s = j * S + v - P;
              const bool inside = r >= 0 && r < H && s >= 0 && s < W;
              if (is_max && inside) acc = std::max(acc, x.at({n, c, r, s}));
              if (!is_max && inside) acc += x.at({n, c, r, s});
            }
          y.set_({n, c, i, j}, is_max ? acc : acc / double(K * K));
        }
  return y;
}
}  // namespace

BOOST_AUTO_TEST_CASE(conv2d_forward_matches_a_loop) {
  manual_seed(1);
  nn::Conv2d conv(3, 4, 3);
  conv.to(kFloat64);
  const Tensor x = randn({2, 3, 6, 5}, kFloat64);
  BOOST_TEST(all_close(conv.forward(x), conv_loop(x, conv.weight, conv.bias, 1, 0, 1), 1e-10));
  nn::Conv2d strided(3, 2, 3, {.stride = {2, 2}, .padding = {1, 1}, .bias = false});
  strided.to(kFloat64);
  BOOST_TEST(all_close(strided.forward(x), conv_loop(x, strided.weight, Tensor(), 2, 1, 1), 1e-10));
  nn::Conv2d dilated(3, 2, 2, {.dilation = {2, 2}});
  dilated.to(kFloat64);
  BOOST_TEST(all_close(dilated.forward(x), conv_loop(x, dilated.weight, dilated.bias, 1, 0, 2), 1e-10));
}

BOOST_AUTO_TEST_CASE(conv2d_grad_matches_finite_differences) {
  manual_seed(2);
  nn::Conv2d conv(2, 3, 3, {.stride = {2, 2}, .padding = {1, 1}});
  conv.to(kFloat64);
  BOOST_TEST(passes_gradcheck(
      [&](const std::vector<Tensor>& in) {
        conv.weight = in[1], conv.bias = in[2];
        return conv.forward(in[0]);
      },
      {uniform64({2, 2, 5, 5}), uniform64({3, 2, 3, 3}), uniform64({3})}));
}

BOOST_AUTO_TEST_CASE(conv2d_default_init_is_uniform_within_one_over_sqrt_fan_in) {
  manual_seed(3);
  nn::Conv2d conv(4, 50, 5);  // fan_in = 4 * 5 * 5 = 100
  double w_max = 0, b_max = 0;
  for (double v : conv.weight.to_vector<double>()) w_max = std::max(w_max, std::abs(v));
  for (double v : conv.bias.to_vector<double>()) b_max = std::max(b_max, std::abs(v));
  BOOST_TEST(w_max <= 0.1);
  BOOST_TEST(w_max > 0.099);
  BOOST_TEST(b_max <= 0.1);
  BOOST_TEST(conv.parameter_count() == 50 * 4 * 25 + 50);
}

BOOST_AUTO_TEST_CASE(conv2d_refuses_a_wrong_channel_count) {
  nn::Conv2d conv(3, 8, 3);
  BOOST_TEST(throws_with([&] { conv.forward(ones({1, 1, 8, 8})); }, {"conv2d", "[1, 1, 8, 8]"}));
}

BOOST_AUTO_TEST_CASE(pooling_forward_matches_a_loop) {
  manual_seed(4);
  const Tensor x = randn({2, 3, 7, 6}, kFloat64);
  BOOST_TEST(all_close(nn::MaxPool2d(2).forward(x), pool_loop(x, 2, 2, 0, true), 0, 0));
  BOOST_TEST(all_close(nn::MaxPool2d(3, {.stride = {1, 1}, .padding = {1, 1}}).forward(x), pool_loop(x, 3, 1, 1, true), 0, 0));
  BOOST_TEST(all_close(nn::AvgPool2d(2).forward(x), pool_loop(x, 2, 2, 0, false), 1e-12));
  BOOST_TEST(all_close(nn::AvgPool2d(3, {.stride = {2, 2}, .padding = {1, 1}}).forward(x), pool_loop(x, 3, 2, 1, false), 1e-12));
}

BOOST_AUTO_TEST_CASE(pooling_grad_matches_finite_differences) {
  // Distinct values spaced well apart, so no window has a tie for its maximum within eps.
  manual_seed(5);
  Tensor x = mul(randn({1, 2, 4, 4}, kFloat64), 1.0);
  std::vector<double> spaced(32);
  for (int i = 0; i < 32; ++i) spaced[size_t(i)] = 0.1 * double((i * 13) % 32);
  x = sg::tensor(spaced, {1, 2, 4, 4}).requires_grad_();
  BOOST_TEST(passes_gradcheck([](const std::vector<Tensor>& in) { return nn::MaxPool2d(2).forward(in[0]); }, {x}));
  BOOST_TEST(passes_gradcheck([](const std::vector<Tensor>& in) {
    return nn::AvgPool2d(3, {.stride = {1, 1}, .padding = {1, 1}}).forward(in[0]);
  }, {x}));
}

BOOST_AUTO_TEST_CASE(conv_and_pool_print_only_non_default_options) {
  BOOST_TEST(nn::Conv2d(1, 8, 3).repr() == "Conv2d(1, 8, kernel_size=[3, 3])");
  BOOST_TEST(nn::Conv2d(1, 8, {2, 3}, {.stride = {2, 2}, .bias = false}).repr() ==
             "Conv2d(1, 8, kernel_size=[2, 3], stride=[2, 2], bias=false)");
  BOOST_TEST(nn::MaxPool2d(2).repr() == "MaxPool2d(kernel_size=[2, 2])");
  BOOST_TEST(nn::AvgPool2d(2, {.padding = {1, 1}}).repr() == "AvgPool2d(kernel_size=[2, 2], padding=[1, 1])");
}

BOOST_AUTO_TEST_CASE(the_design_example_model_runs_on_an_mnist_sized_batch) {
  manual_seed(6);
  nn::Sequential model(nn::Conv2d(1, 8, 3), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(), nn::Linear(8 * 13 * 13, 10));
  const Tensor logits = model.forward(randn({4, 1, 28, 28}));
  BOOST_TEST(logits.shape() == Shape({4, 10}));
  BOOST_TEST(model.parameter_count() == 8 * 9 + 8 + 8 * 13 * 13 * 10 + 10);
}

BOOST_AUTO_TEST_CASE(conv2d_refuses_a_weight_too_large_naming_its_shape) {
  const int64_t big = int64_t(1) << 31;
  BOOST_TEST(throws_with([&] { nn::Conv2d(big, big, 3); }, {"Conv2d:", "[2147483648, 2147483648, 3, 3]", "too large"}));
}

BOOST_AUTO_TEST_CASE(conv_and_pool_layers_refuse_zero_sizes_and_inputs_of_the_wrong_rank) {
  BOOST_TEST(throws_with([] { nn::Conv2d(0, 8, 3); }, {"Conv2d", "positive", "in_channels 0"}));
  BOOST_TEST(throws_with([] { nn::Conv2d(1, -8, 3); }, {"Conv2d", "out_channels -8"}));
  BOOST_TEST(throws_with([] { nn::Conv2d(1, 8, {3, 0}); }, {"Conv2d", "kernel_size", "[3, 0]"}));
  BOOST_TEST(throws_with([] { nn::MaxPool2d(0); }, {"MaxPool2d", "kernel_size", "[0, 0]"}));
  BOOST_TEST(throws_with([] { nn::AvgPool2d({2, -1}); }, {"AvgPool2d", "kernel_size", "[2, -1]"}));
  nn::Conv2d conv(1, 4, 3);
  BOOST_TEST(throws_with([&] { conv.forward(ones({8, 8})); }, {"conv2d", "[8, 8]"}));
  BOOST_TEST(throws_with([&] { conv.forward(ones({1, 1, 2, 2})); }, {"conv2d", "[1, 1, 2, 2]", "[4, 1, 3, 3]"}));
  BOOST_TEST(throws_with([&] { conv.forward(ones({1, 1, 8, 8}, kFloat64)); }, {"conv2d", "float64"}));
  nn::MaxPool2d pool(2);
  BOOST_TEST(throws_with([&] { pool.forward(ones({4, 4})); }, {"max_pool2d", "[4, 4]"}));
  BOOST_TEST(throws_with([&] { pool.forward(ones({1, 1, 1, 1})); }, {"max_pool2d", "[1, 1, 1, 1]"}));
  nn::AvgPool2d avg(2);
  BOOST_TEST(throws_with([&] { avg.forward(ones({2, 4, 4})); }, {"avg_pool2d", "[2, 4, 4]"}));
}

// A pair option given one number means that number for both dims, as in PyTorch; {a, b} gives one each.
// With plain std::array options, brace elision read {.padding = 1} as (1, 0): 28 x 28 came out 28 x 26.
BOOST_AUTO_TEST_CASE(a_pair_option_given_one_number_means_it_for_both_dims) {
  const Tensor x = randn({1, 1, 28, 28});
  BOOST_TEST(nn::Conv2d(1, 4, 3, {.padding = 1}).forward(x).shape() == (Shape{1, 4, 28, 28}));
  BOOST_TEST(nn::Conv2d(1, 4, 3, {.padding = {1, 0}}).forward(x).shape() == (Shape{1, 4, 28, 26}));
  BOOST_TEST(nn::Conv2d(1, 4, 3, {.stride = 2}).forward(x).shape() == (Shape{1, 4, 13, 13}));
  BOOST_TEST(nn::Conv2d(1, 4, 3, {.stride = {2, 1}}).forward(x).shape() == (Shape{1, 4, 13, 26}));
  BOOST_TEST(nn::Conv2d(1, 4, 3, {.dilation = 2}).forward(x).shape() == (Shape{1, 4, 24, 24}));
  BOOST_TEST(nn::Conv2d(1, 4, 3, {.dilation = {2, 1}}).forward(x).shape() == (Shape{1, 4, 24, 26}));
  BOOST_TEST(nn::Conv2d(1, 4, {3, 5}).forward(x).shape() == (Shape{1, 4, 26, 24}));
  BOOST_TEST(nn::MaxPool2d(2, {.stride = 1}).forward(x).shape() == (Shape{1, 1, 27, 27}));
  BOOST_TEST(nn::MaxPool2d(2, {.stride = {1, 2}}).forward(x).shape() == (Shape{1, 1, 27, 14}));
  BOOST_TEST(nn::MaxPool2d(3, {.padding = 1}).forward(x).shape() == (Shape{1, 1, 10, 10}));
  BOOST_TEST(nn::MaxPool2d(3, {.padding = {1, 0}}).forward(x).shape() == (Shape{1, 1, 10, 9}));
  BOOST_TEST(nn::AvgPool2d(2, {.stride = 1}).forward(x).shape() == (Shape{1, 1, 27, 27}));
  BOOST_TEST(nn::AvgPool2d(2, {.stride = {1, 2}}).forward(x).shape() == (Shape{1, 1, 27, 14}));
  BOOST_TEST(nn::AvgPool2d(3, {.padding = 1}).forward(x).shape() == (Shape{1, 1, 10, 10}));
  BOOST_TEST(nn::AvgPool2d({3, 1}, {.padding = {1, 0}}).forward(x).shape() == (Shape{1, 1, 10, 28}));
  // The functional forms take the same options.
  const Tensor w = randn({4, 1, 3, 3});
  BOOST_TEST(conv2d(x, w, Tensor(), {.padding = 1}).shape() == (Shape{1, 4, 28, 28}));
  BOOST_TEST(conv2d(x, w, Tensor(), {.stride = 2, .padding = {0, 1}}).shape() == (Shape{1, 4, 13, 14}));
  BOOST_TEST(max_pool2d(x, {.kernel_size = 2, .stride = 1}).shape() == (Shape{1, 1, 27, 27}));
  BOOST_TEST(avg_pool2d(x, {.kernel_size = {2, 4}}).shape() == (Shape{1, 1, 14, 7}));
  // One number is the same layer as the pair spelled out.
  manual_seed(3);
  nn::Conv2d one(1, 2, 3, {.stride = 2, .padding = 1});
  manual_seed(3);
  nn::Conv2d two(1, 2, {3, 3}, {.stride = {2, 2}, .padding = {1, 1}});
  BOOST_TEST(testing::bitwise_equal(one.forward(x), two.forward(x)));
  BOOST_TEST(one.repr() == two.repr());
  // ConvTranspose2d's pairs, output_padding included: 28 -> (28 - 1) * S - 2P + (K - 1) + OP + 1.
  BOOST_TEST(nn::ConvTranspose2d(1, 2, 3, {.stride = 2, .padding = 1, .output_padding = 1}).forward(x).shape() ==
             (Shape{1, 2, 56, 56}));
  BOOST_TEST(nn::ConvTranspose2d(1, 2, 3, {.stride = {2, 1}, .padding = {1, 0}, .output_padding = {1, 0}})
                 .forward(x)
                 .shape() == (Shape{1, 2, 56, 30}));
  BOOST_TEST(nn::ConvTranspose2d(1, 2, {3, 1}, {.dilation = {1, 2}}).forward(x).shape() == (Shape{1, 2, 30, 28}));
}

// Groups: weight (out, in / groups, k, k), and the layer is one convolution per group. PyTorch's default
// init with fan_in = in / groups * k * k: here 2 * 3 * 3 = 18.
BOOST_AUTO_TEST_CASE(grouped_and_transposed_layers_have_pytorchs_shapes_init_and_names) {
  manual_seed(9);
  nn::Conv2d grouped(4, 6, 3, {.padding = 1, .groups = 2, .bias = false});
  BOOST_TEST(grouped.weight.shape() == (Shape{6, 2, 3, 3}));
  BOOST_TEST(abs(grouped.weight).max().item() <= 1 / std::sqrt(18.0));
  const Tensor x = randn({2, 4, 5, 5}, kFloat64);
  grouped.to(kFloat64);
  BOOST_TEST(all_close(grouped.forward(x), conv2d(x, grouped.weight, Tensor(), {.padding = 1, .groups = 2}), 0, 0));
  BOOST_TEST(grouped.repr() == "Conv2d(4, 6, kernel_size=[3, 3], padding=[1, 1], groups=2, bias=false)");
  // ConvTranspose2d: weight (in, out / groups, kH, kW), fan_in = weight.size(1) * kH * kW = 3 * 4 * 4 = 48.
  nn::ConvTranspose2d up(4, 6, 4, {.stride = 2, .padding = 1, .groups = 2});
  BOOST_TEST(up.weight.shape() == (Shape{4, 3, 4, 4}));
  BOOST_TEST(up.bias.shape() == (Shape{6}));
  BOOST_TEST(abs(up.weight).max().item() <= 1 / std::sqrt(48.0));
  BOOST_TEST(abs(up.bias).max().item() <= 1 / std::sqrt(48.0));
  const auto names = up.named_parameters();
  BOOST_TEST(names.size() == 2u);
  BOOST_TEST(names[0].first == "weight");
  BOOST_TEST(names[1].first == "bias");
  BOOST_TEST(up.forward(randn({1, 4, 7, 5})).shape() == (Shape{1, 6, 14, 10}));
  BOOST_TEST(up.repr() == "ConvTranspose2d(4, 6, kernel_size=[4, 4], stride=[2, 2], padding=[1, 1], groups=2)");
  BOOST_TEST(throws_with([] { nn::Conv2d(4, 6, 3, {.groups = 4}); }, {"Conv2d", "groups 4", "out_channels 6"}));
  BOOST_TEST(throws_with([] { nn::ConvTranspose2d(4, 6, 3, {.stride = 2, .output_padding = 2}); },
                         {"ConvTranspose2d", "output_padding"}));
  BOOST_TEST(throws_with([] { nn::Conv1d(3, 6, 3, {.groups = 2}); }, {"Conv1d", "groups 2", "in_channels 3"}));
}

BOOST_AUTO_TEST_SUITE_END()
