// Initialisers: the generator's draws, the bounds and spreads of the PyTorch schemes, the layers'
// defaults, and the notebooks' schemes.
#include "tests/testing.h"

#include <cmath>

#include "scratchgrad/nn.h"

using namespace sg;
using namespace sg::testing;
BOOST_AUTO_TEST_SUITE(init)

namespace nn_init = sg::nn::init;

namespace {
double max_abs(const Tensor& t) {
  double m = 0;
  for (double v : t.to_vector<double>()) m = std::max(m, std::abs(v));
  return m;
}
double stddev(const Tensor& t) {
  const std::vector<double> v = t.to_vector<double>();
  double mean = 0, sq = 0;
  for (double e : v) mean += e / double(v.size());
  for (double e : v) sq += (e - mean) * (e - mean) / double(v.size());
  return std::sqrt(sq);
}
}  // namespace

BOOST_AUTO_TEST_CASE(normal_and_uniform_draw_what_randn_and_rand_draw) {
  manual_seed(11);
  const Tensor n = randn({3, 4}), u = rand({3, 4});
  manual_seed(11);
  Tensor a = empty({3, 4}), b = empty({3, 4});
  nn_init::normal_(a);
  nn_init::uniform_(b, 0, 1);
  BOOST_TEST(bitwise_equal(a, n));
  BOOST_TEST(bitwise_equal(b, u));
}

BOOST_AUTO_TEST_CASE(the_notebook_schemes_are_one_line_each) {
  const int64_t input_len = 121;
  manual_seed(0);
  const Tensor n = randn({10, input_len}, kFloat64);
  manual_seed(0);
  Tensor w = empty({10, input_len}, kFloat64);
  nn_init::normal_(w, 0, 1.0 / 9);  // randn / 9
  BOOST_TEST(all_close(w, n / 9.0, 1e-15));
  manual_seed(0);
  nn_init::normal_(w, 0, 1.0 / double(input_len));  // randn / input_len
  BOOST_TEST(all_close(w, n / double(input_len), 1e-15));
  manual_seed(0);
  nn_init::normal_(w, 0, 0.01);  // randn * 0.01
  BOOST_TEST(all_close(w, n * 0.01, 1e-15));
  nn_init::uniform_(w, 0, 1);  // uniform [0, 1)
  for (double v : w.to_vector<double>()) BOOST_TEST((v >= 0 && v < 1));
}

BOOST_AUTO_TEST_CASE(constants_fill_every_element) {
  Tensor t = empty({2, 3});
  BOOST_TEST(all_close(nn_init::constant_(t, 2.5), full({2, 3}, 2.5), 0, 0));
  BOOST_TEST(all_close(nn_init::zeros_(t), zeros({2, 3}), 0, 0));
  BOOST_TEST(all_close(nn_init::ones_(t), ones({2, 3}), 0, 0));
}

BOOST_AUTO_TEST_CASE(gains_are_pytorchs) {
  BOOST_TEST(nn_init::calculate_gain(nn_init::Nonlinearity::Linear) == 1.0);
  BOOST_TEST(nn_init::calculate_gain(nn_init::Nonlinearity::Sigmoid) == 1.0);
  BOOST_TEST(nn_init::calculate_gain(nn_init::Nonlinearity::Tanh) == 5.0 / 3.0);
  BOOST_TEST(nn_init::calculate_gain(nn_init::Nonlinearity::ReLU) == std::sqrt(2.0));
  BOOST_TEST(nn_init::calculate_gain(nn_init::Nonlinearity::LeakyReLU) == std::sqrt(2.0 / (1 + 0.01 * 0.01)));
  BOOST_TEST(nn_init::calculate_gain(nn_init::Nonlinearity::LeakyReLU, std::sqrt(5.0)) == std::sqrt(1.0 / 3.0),
             boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(fans_count_the_receptive_field) {
  const nn_init::Fans f = nn_init::calculate_fans(empty({8, 3, 5, 5}));
  BOOST_TEST(f.fan_in == 3 * 25);
  BOOST_TEST(f.fan_out == 8 * 25);
  BOOST_TEST(throws_with([] { nn_init::calculate_fans(empty({5})); }, {"at least 2 dims", "[5]"}));
}

BOOST_AUTO_TEST_CASE(xavier_and_kaiming_have_the_documented_bound_and_spread) {
  manual_seed(1);
  Tensor w = empty({200, 300}, kFloat64);  // fan_in 300, fan_out 200
  const double xavier_bound = std::sqrt(6.0 / 500);
  nn_init::xavier_uniform_(w);
  BOOST_TEST(max_abs(w) <= xavier_bound);
  BOOST_TEST(max_abs(w) > 0.99 * xavier_bound);
  nn_init::xavier_normal_(w, 2.0);
  BOOST_TEST(stddev(w) == 2.0 * std::sqrt(2.0 / 500), boost::test_tools::tolerance(0.02));
  const double kaiming_bound = std::sqrt(2.0) * std::sqrt(3.0 / 300);
  nn_init::kaiming_uniform_(w);
  BOOST_TEST(max_abs(w) <= kaiming_bound);
  BOOST_TEST(max_abs(w) > 0.99 * kaiming_bound);
  nn_init::kaiming_normal_(w, {.mode = nn_init::FanMode::FanOut, .nonlinearity = nn_init::Nonlinearity::ReLU});
  BOOST_TEST(stddev(w) == std::sqrt(2.0 / 200), boost::test_tools::tolerance(0.02));
}

BOOST_AUTO_TEST_CASE(linear_defaults_are_uniform_within_one_over_sqrt_fan_in) {
  manual_seed(2);
  nn::Linear fc(400, 300);
  BOOST_TEST(max_abs(fc.weight) <= 1 / std::sqrt(400.0));
  BOOST_TEST(max_abs(fc.weight) > 0.99 / std::sqrt(400.0));
  BOOST_TEST(max_abs(fc.bias) <= 1 / std::sqrt(400.0));
  nn::BatchNorm2d bn(3);
  BOOST_TEST(all_close(bn.weight, ones({3}), 0, 0));
  BOOST_TEST(all_close(bn.bias, zeros({3}), 0, 0));
}

// fan_in of a (6, 4, 3, 5) filter bank is 4 * 3 * 5 = 60; the weight's draws come first, then the bias's.
BOOST_AUTO_TEST_CASE(layer_default_bounds_weight_and_bias_by_one_over_sqrt_fan_in_in_that_order) {
  manual_seed(4);
  Tensor w = empty({6, 4, 3, 5}, kFloat64), b = empty({6}, kFloat64);
  nn::init::layer_default_(w, b);
  const double bound = 1 / std::sqrt(60.0);
  BOOST_TEST(max_abs(w) <= bound);
  BOOST_TEST(max_abs(w) > 0.95 * bound);
  BOOST_TEST(max_abs(b) <= bound);
  manual_seed(4);
  const Tensor w_first = rand({6, 4, 3, 5}, kFloat64) * (2 * bound) - bound;
  const Tensor b_next = rand({6}, kFloat64) * (2 * bound) - bound;
  BOOST_TEST(all_close(w, w_first, 1e-15, 0));
  BOOST_TEST(all_close(b, b_next, 1e-15, 0));
  nn::init::layer_default_(w, Tensor());  // no bias: only the weight is drawn
}

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_model) {
  manual_seed(3);
  nn::Sequential a(nn::Linear(5, 4), nn::ReLU(), nn::Linear(4, 2));
  manual_seed(3);
  nn::Sequential b(nn::Linear(5, 4), nn::ReLU(), nn::Linear(4, 2));
  for (size_t i = 0; i < a.parameters().size(); ++i) BOOST_TEST(bitwise_equal(a.parameters()[i], b.parameters()[i]));
}

BOOST_AUTO_TEST_CASE(initialising_a_parameter_is_allowed_with_grad_mode_on) {
  nn::Linear fc(2, 2);
  BOOST_TEST(fc.weight.requires_grad());
  nn_init::zeros_(fc.weight);  // runs under no-grad inside
  BOOST_TEST(all_close(fc.weight, zeros({2, 2}), 0, 0));
  Tensor ints = zeros({2}, kInt64);
  BOOST_TEST(throws_with([&] { nn_init::ones_(ints); }, {"init::constant_", "int64"}));
}

// Each of these filled the tensor with NaN or infinities (a uniform over [-1e308, 1e308] overflows its
// width), and training went on from there. The tensor is left as it was.
BOOST_AUTO_TEST_CASE(non_finite_arguments_are_refused_before_anything_is_written) {
  const double nan = std::nan(""), inf = INFINITY;
  Tensor w = full({2, 3}, 7.0);
  BOOST_TEST(throws_with([&] { nn_init::uniform_(w, -inf, 1); },
                         {"init::uniform_: invalid low: expected a finite value, got -inf"}));
  BOOST_TEST(throws_with([&] { nn_init::uniform_(w, 0, nan); }, {"init::uniform_: invalid high", "got nan"}));
  BOOST_TEST(throws_with([&] { nn_init::uniform_(w, -1e308, 1e308); },
                         {"init::uniform_: high - low must be finite", "low -1e+308 and high 1e+308"}));
  BOOST_TEST(throws_with([&] { nn_init::normal_(w, nan, 1); }, {"init::normal_: invalid mean", "got nan"}));
  BOOST_TEST(throws_with([&] { nn_init::normal_(w, 0, inf); },
                         {"init::normal_: invalid std: expected a finite value >= 0, got inf"}));
  BOOST_TEST(throws_with([&] { nn_init::normal_(w, 0, -1); }, {"init::normal_: invalid std", "got -1"}));
  BOOST_TEST(throws_with([&] { nn_init::constant_(w, nan); }, {"init::constant_: invalid value", "got nan"}));
  BOOST_TEST(throws_with([&] { nn_init::xavier_uniform_(w, nan); }, {"init::xavier_uniform_: invalid gain", "got nan"}));
  BOOST_TEST(throws_with([&] { nn_init::xavier_normal_(w, inf); }, {"init::xavier_normal_: invalid gain", "got inf"}));
  BOOST_TEST(throws_with([&] { nn_init::kaiming_uniform_(w, {.a = nan}); },
                         {"init::calculate_gain: invalid negative_slope", "got nan"}));
  BOOST_TEST(throws_with([&] { (void)nn_init::calculate_gain(nn_init::Nonlinearity::LeakyReLU, inf); },
                         {"init::calculate_gain: invalid negative_slope", "got inf"}));
  BOOST_TEST(all_close(w, full({2, 3}, 7.0), 0, 0));
  // The slope is the LeakyReLU's own: a ReLU's gain ignores it, as in PyTorch.
  BOOST_TEST(nn_init::calculate_gain(nn_init::Nonlinearity::ReLU, nan) == std::sqrt(2.0));
}

BOOST_AUTO_TEST_SUITE_END()
