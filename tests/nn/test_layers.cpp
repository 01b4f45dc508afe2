// Layers without convolution: each forward against values computed here by plain loops, and gradcheck
// (float64) through it with respect to the input and the parameters.
#include "tests/testing.h"

#include <cmath>

#include "scratchgrad/nn.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(layers)

BOOST_AUTO_TEST_CASE(linear_forward_matches_a_loop) {
  manual_seed(1);
  nn::Linear fc(3, 2);
  const Tensor x = randn({4, 3});
  Tensor expected = empty({4, 2});
  for (int64_t n = 0; n < 4; ++n)
    for (int64_t o = 0; o < 2; ++o) {
      double acc = fc.bias.at({o});
      for (int64_t i = 0; i < 3; ++i) acc += x.at({n, i}) * fc.weight.at({o, i});
      expected.set_({n, o}, acc);
    }
  BOOST_TEST(all_close(fc.forward(x), expected, 1e-6));
  // Extra leading dims are kept.
  BOOST_TEST(fc.forward(reshape(x, {2, 2, 3})).shape() == Shape({2, 2, 2}));
  BOOST_TEST(all_close(reshape(fc.forward(reshape(x, {2, 2, 3})), {4, 2}), expected, 1e-6));
}

BOOST_AUTO_TEST_CASE(linear_grad_matches_finite_differences) {
  manual_seed(2);
  nn::Linear fc(3, 2);
  fc.to(kFloat64);
  BOOST_TEST(passes_gradcheck(
      [&](const std::vector<Tensor>& in) {
        fc.weight = in[1], fc.bias = in[2];
        return fc.forward(in[0]);
      },
      {uniform64({4, 3}), uniform64({2, 3}), uniform64({2})}));
}

BOOST_AUTO_TEST_CASE(linear_without_bias_registers_only_the_weight) {
  nn::Linear fc(3, 2, {.bias = false});
  BOOST_TEST(fc.parameters().size() == 1u);
  BOOST_TEST(!fc.bias.defined());
  const Tensor x = ones({1, 3});
  BOOST_TEST(all_close(fc.forward(x), sum(fc.weight, 1).reshape({1, 2})));
}

BOOST_AUTO_TEST_CASE(linear_refuses_a_wrong_input_width) {
  nn::Linear fc(3, 2);
  BOOST_TEST(throws_with([&] { fc.forward(ones({4, 5})); }, {"Linear", "in_features 3", "[4, 5]"}));
}

BOOST_AUTO_TEST_CASE(flatten_keeps_the_batch_dim) {
  const Tensor x = arange(24).reshape({2, 3, 2, 2});
  BOOST_TEST(nn::Flatten().forward(x).shape() == Shape({2, 12}));
  BOOST_TEST(nn::Flatten({.start_dim = 0}).forward(x).shape() == Shape({24}));
  BOOST_TEST(all_close(nn::Flatten().forward(x), arange(24).reshape({2, 12}), 0, 0));
}

BOOST_AUTO_TEST_CASE(activations_match_their_formulas) {
  const Tensor x = tensor({-2.0, -0.5, 0.5, 3.0}, kFloat64);
  auto each = [&](double (*f)(double)) {
    std::vector<double> out;
    for (double v : x.to_vector<double>()) out.push_back(f(v));
    return sg::tensor(out, {4});
  };
  BOOST_TEST(all_close(nn::ReLU().forward(x), each([](double v) { return v > 0 ? v : 0.0; })));
  BOOST_TEST(all_close(nn::LeakyReLU().forward(x), each([](double v) { return v > 0 ? v : 0.01 * v; })));
  BOOST_TEST(all_close(nn::LeakyReLU({.negative_slope = 0.2}).forward(x),
                       each([](double v) { return v > 0 ? v : 0.2 * v; })));
  BOOST_TEST(all_close(nn::Sigmoid().forward(x), each([](double v) { return 1 / (1 + std::exp(-v)); })));
  BOOST_TEST(all_close(nn::Tanh().forward(x), each([](double v) { return std::tanh(v); })));
  double total = 0;
  for (double v : x.to_vector<double>()) total += std::exp(v);
  const Tensor softmax = nn::Softmax(0).forward(x);
  for (int64_t i = 0; i < 4; ++i) {
    BOOST_TEST(softmax.at({i}) == std::exp(x.at({i})) / total, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(nn::LogSoftmax(0).forward(x).at({i}) == x.at({i}) - std::log(total), boost::test_tools::tolerance(1e-12));
  }
  BOOST_TEST(nn::Softmax(1).repr() == "Softmax(dim=1)");
}

// From PyTorch 1.13, on x = [-2, -0.5, 0.5, 3] in float64: nn.GELU(), nn.GELU(approximate='tanh'), nn.SiLU(),
// nn.Softplus(beta=2, threshold=1) (3 is past the threshold: 3 itself) and nn.ELU(alpha=0.5).
BOOST_AUTO_TEST_CASE(smooth_activations_match_pytorch) {
  const Tensor x = tensor({-2.0, -0.5, 0.5, 3.0}, kFloat64);
  const auto t = [](const NestedList& v) { return tensor(v, kFloat64); };
  BOOST_TEST(all_close(nn::GELU().forward(x),
                       t({-0.04550026389635842, -0.15426876936299344, 0.34573123063700656, 2.99595030590511}), 0, 1e-14));
  BOOST_TEST(all_close(nn::GELU({.approximate = "tanh"}).forward(x),
                       t({-0.04540230591222494, -0.15428599017485606, 0.34571400982514394, 2.996362607918227}), 0, 1e-14));
  BOOST_TEST(all_close(nn::SiLU().forward(x),
                       t({-0.2384058440442351, -0.1887703343990727, 0.3112296656009273, 2.8577223804672998}), 0, 1e-14));
  BOOST_TEST(all_close(nn::Softplus({.beta = 2, .threshold = 1}).forward(x),
                       t({0.009074963958904869, 0.15663084375911143, 0.6566308437591114, 3.0}), 0, 1e-14));
  BOOST_TEST(all_close(nn::ELU({.alpha = 0.5}).forward(x), t({-0.43233235838169365, -0.1967346701436833, 0.5, 3.0}), 0,
                       1e-14));
  BOOST_TEST(nn::GELU().repr() == "GELU()");
  BOOST_TEST(nn::GELU({.approximate = "tanh"}).repr() == "GELU(approximate=tanh)");
  BOOST_TEST(nn::SiLU().repr() == "SiLU()");
  BOOST_TEST(nn::Softplus().repr() == "Softplus()");
  BOOST_TEST(nn::Softplus({.beta = 2}).repr() == "Softplus(beta=2)");
  BOOST_TEST(nn::Softplus({.threshold = 10}).repr() == "Softplus(threshold=10)");
  BOOST_TEST(nn::Softplus({.beta = 2, .threshold = 10}).repr() == "Softplus(beta=2, threshold=10)");
  BOOST_TEST(nn::ELU().repr() == "ELU()");
  BOOST_TEST(nn::ELU({.alpha = 0.5}).repr() == "ELU(alpha=0.5)");
}

BOOST_AUTO_TEST_CASE(smooth_activations_refuse_int64_input_naming_the_op) {
  const Tensor labels = tensor(std::vector<int64_t>{1, 2}, {2});
  BOOST_TEST(throws_with([&] { nn::GELU().forward(labels); }, {"gelu: expected a float32 or float64 tensor, got int64"}));
  BOOST_TEST(throws_with([&] { nn::SiLU().forward(labels); }, {"silu: expected a float32 or float64 tensor, got int64"}));
  BOOST_TEST(throws_with([&] { nn::Softplus().forward(labels); }, {"softplus: expected a float32 or float64", "int64"}));
  BOOST_TEST(throws_with([&] { nn::ELU().forward(labels); }, {"elu: expected a float32 or float64 tensor, got int64"}));
}

BOOST_AUTO_TEST_CASE(activation_grads_match_finite_differences) {
  // Values kept away from 0, the kink of relu, leaky_relu and elu, and from 0.5, where softplus with beta 2
  // and threshold 1 turns into x.
  const Tensor x = tensor({{-1.3, -0.4, 0.2}, {0.9, 1.7, -2.2}}, kFloat64).requires_grad_();
  std::vector<std::shared_ptr<nn::Module>> layers{
      std::make_shared<nn::ReLU>(),    std::make_shared<nn::LeakyReLU>(), std::make_shared<nn::Sigmoid>(),
      std::make_shared<nn::Tanh>(),    std::make_shared<nn::Softmax>(1),  std::make_shared<nn::LogSoftmax>(1),
      std::make_shared<nn::Flatten>(), std::make_shared<nn::GELU>(),
      std::make_shared<nn::GELU>(nn::GELUOptions{.approximate = "tanh"}), std::make_shared<nn::SiLU>(),
      std::make_shared<nn::Softplus>(nn::SoftplusOptions{.beta = 2, .threshold = 1}),
      std::make_shared<nn::ELU>(nn::ELUOptions{.alpha = 0.5})};
  for (const auto& layer : layers)
    BOOST_TEST(passes_gradcheck([&](const std::vector<Tensor>& in) { return layer->forward(in[0]); }, {x}),
               layer->repr());
}

// ---- Dropout ---------------------------------------------------------------
BOOST_AUTO_TEST_CASE(dropout_zeroes_what_the_generator_says_and_scales_the_rest) {
  const Tensor x = add(arange(200, kFloat64), 1.0).reshape({10, 20});
  manual_seed(7);
  const Tensor u = rand({10, 20}, kFloat64);  // the same draws dropout will make after reseeding
  manual_seed(7);
  nn::Dropout drop({.p = 0.3});
  const Tensor y = drop.forward(x);
  int64_t kept = 0;
  for (int64_t i = 0; i < 10; ++i)
    for (int64_t j = 0; j < 20; ++j) {
      const bool keep = u.at({i, j}) >= 0.3;
      kept += keep;
      BOOST_TEST(y.at({i, j}) == (keep ? x.at({i, j}) / 0.7 : 0.0), boost::test_tools::tolerance(1e-12));
    }
  BOOST_TEST(kept > 110);  // about 140 of 200 expected
  BOOST_TEST(kept < 170);
}

BOOST_AUTO_TEST_CASE(dropout_does_nothing_in_eval_and_everything_at_p_1) {
  const Tensor x = ones({3, 4});
  nn::Dropout drop;
  drop.eval();
  BOOST_TEST(drop.forward(x).is_same(x));
  nn::Dropout all({.p = 1.0});
  BOOST_TEST(all_close(all.forward(x), zeros({3, 4}), 0, 0));
  BOOST_TEST(throws_with([] { nn::Dropout({.p = 1.5}); }, {"Dropout", "1.5"}));
}

BOOST_AUTO_TEST_CASE(dropout_grad_is_the_scaled_mask) {
  const Tensor x = ones({4, 5}, kFloat64).requires_grad_();
  manual_seed(3);
  const Tensor y = nn::Dropout({.p = 0.5}).forward(x);
  y.sum().backward();
  BOOST_TEST(all_close(x.grad(), y.detach(), 0, 0));  // x = 1, so y is the mask times 2, and so is dy/dx
}

// ---- BatchNorm -------------------------------------------------------------
namespace {
// Per-channel batch statistics of x (N, C, ...) by plain loops: mean, biased and unbiased variance.
struct ChannelStats {
  std::vector<double> mean, biased_var, unbiased_var;
};
ChannelStats channel_stats(const Tensor& x) {
  const int64_t N = x.size(0), C = x.size(1), inner = x.numel() / (N * C);
  const std::vector<double> v = x.to_vector<double>();
  ChannelStats s;
  for (int64_t c = 0; c < C; ++c) {
    double sum = 0, sq = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < inner; ++k) sum += v[(n * C + c) * inner + k];
    const double mean = sum / double(N * inner);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < inner; ++k) sq += std::pow(v[(n * C + c) * inner + k] - mean, 2);
    s.mean.push_back(mean);
    s.biased_var.push_back(sq / double(N * inner));
    s.unbiased_var.push_back(sq / double(N * inner - 1));
  }
  return s;
}
// (x - mean) / sqrt(var + eps) * w + b per channel, by loops.
Tensor normalise(const Tensor& x, const std::vector<double>& mean, const std::vector<double>& var,
                 const std::vector<double>& w, const std::vector<double>& b, double eps = 1e-5) {
  const int64_t N = x.size(0), C = x.size(1), inner = x.numel() / (N * C);
  std::vector<double> v = x.to_vector<double>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t k = 0; k < inner; ++k) {
        double& e = v[(n * C + c) * inner + k];
        e = (e - mean[c]) / std::sqrt(var[c] + eps) * w[c] + b[c];
      }
  return sg::tensor(v, x.shape());
}
}  // namespace

BOOST_AUTO_TEST_CASE(batchnorm2d_uses_batch_stats_in_train_and_running_stats_in_eval) {
  manual_seed(4);
  nn::BatchNorm2d bn(3);
  bn.to(kFloat64);
  {
    NoGradGuard no_grad;
    bn.weight.copy_(tensor({0.5, 1.0, 2.0}, kFloat64));
    bn.bias.copy_(tensor({0.1, -0.2, 0.3}, kFloat64));
  }
  const Tensor x = add(mul(randn({2, 3, 4, 5}, kFloat64), 2.0), 1.0);
  const ChannelStats s = channel_stats(x);
  const std::vector<double> w{0.5, 1.0, 2.0}, b{0.1, -0.2, 0.3};
  BOOST_TEST(all_close(bn.forward(x), normalise(x, s.mean, s.biased_var, w, b), 1e-10));
  // running = 0.9 * initial + 0.1 * batch, with the unbiased variance; initial mean 0, variance 1.
  std::vector<double> running_mean, running_var;
  for (int c = 0; c < 3; ++c) {
    running_mean.push_back(0.1 * s.mean[c]);
    running_var.push_back(0.9 + 0.1 * s.unbiased_var[c]);
  }
  BOOST_TEST(all_close(bn.running_mean, sg::tensor(running_mean, {3}), 1e-12));
  BOOST_TEST(all_close(bn.running_var, sg::tensor(running_var, {3}), 1e-12));
  BOOST_TEST(bn.num_batches_tracked.item() == 1.0);
  bn.eval();
  BOOST_TEST(all_close(bn.forward(x), normalise(x, running_mean, running_var, w, b), 1e-10));
  BOOST_TEST(bn.num_batches_tracked.item() == 1.0);
}

BOOST_AUTO_TEST_CASE(batchnorm1d_normalises_each_feature_over_the_batch) {
  manual_seed(5);
  nn::BatchNorm1d bn(4, {.affine = false});
  BOOST_TEST(bn.parameters().empty());
  bn.to(kFloat64);
  const Tensor x = randn({6, 4}, kFloat64);
  const ChannelStats s = channel_stats(x);
  BOOST_TEST(all_close(bn.forward(x), normalise(x, s.mean, s.biased_var, {1, 1, 1, 1}, {0, 0, 0, 0}), 1e-10));
  const Tensor x3 = randn({3, 4, 5}, kFloat64);  // (N, C, L): statistics over N and L
  const ChannelStats s3 = channel_stats(x3);
  BOOST_TEST(all_close(bn.forward(x3), normalise(x3, s3.mean, s3.biased_var, {1, 1, 1, 1}, {0, 0, 0, 0}), 1e-10));
  BOOST_TEST(bn.repr() == "BatchNorm1d(4, affine=false)");
}

BOOST_AUTO_TEST_CASE(batchnorm_grad_matches_finite_differences_in_train_and_eval) {
  manual_seed(6);
  nn::BatchNorm2d bn(2);
  bn.to(kFloat64);
  auto f = [&](const std::vector<Tensor>& in) {
    bn.weight = in[1], bn.bias = in[2];
    return bn.forward(in[0]);
  };
  const std::vector<Tensor> inputs{uniform64({3, 2, 3, 3}), uniform64({2}, 0.5, 1.5), uniform64({2})};
  BOOST_TEST(passes_gradcheck(f, inputs));
  bn.eval();
  BOOST_TEST(passes_gradcheck(f, inputs));
  nn::BatchNorm1d bn1(3);
  bn1.to(kFloat64);
  BOOST_TEST(passes_gradcheck(
      [&](const std::vector<Tensor>& in) {
        bn1.weight = in[1], bn1.bias = in[2];
        return bn1.forward(in[0]);
      },
      {uniform64({4, 3}), uniform64({3}, 0.5, 1.5), uniform64({3})}));
}

BOOST_AUTO_TEST_CASE(batchnorm_refuses_a_wrong_shape_and_a_single_value_per_channel) {
  nn::BatchNorm2d bn(3);
  BOOST_TEST(throws_with([&] { bn.forward(ones({2, 4, 5, 5})); }, {"BatchNorm2d", "3 channels", "[2, 4, 5, 5]"}));
  nn::BatchNorm1d bn1(3);
  BOOST_TEST(throws_with([&] { bn1.forward(ones({1, 3})); }, {"BatchNorm1d", "more than 1 value per channel"}));
  bn1.eval();
  BOOST_TEST(bn1.forward(ones({1, 3})).shape() == Shape({1, 3}));
}

BOOST_AUTO_TEST_CASE(layers_refuse_zero_and_negative_sizes_and_inputs_of_the_wrong_rank) {
  BOOST_TEST(throws_with([] { nn::Linear(0, 3); }, {"Linear", "positive", "in_features 0", "out_features 3"}));
  BOOST_TEST(throws_with([] { nn::Linear(3, -1); }, {"Linear", "in_features 3", "out_features -1"}));
  BOOST_TEST(throws_with([] { nn::BatchNorm1d(0); }, {"BatchNorm1d", "num_features", "got 0"}));
  BOOST_TEST(throws_with([] { nn::BatchNorm2d(-2); }, {"BatchNorm2d", "got -2"}));
  BOOST_TEST(throws_with([] { nn::Dropout({.p = -0.1}); }, {"Dropout", "[0, 1]", "-0.1"}));
  nn::Linear fc(3, 2);
  BOOST_TEST(throws_with([&] { fc.forward(scalar_tensor(1.0)); }, {"Linear", "in_features 3", "[]"}));
  BOOST_TEST(throws_with([&] { fc.forward(ones({2, 3}, kFloat64)); }, {"float32", "float64"}));
  nn::BatchNorm1d bn(3);
  BOOST_TEST(throws_with([&] { bn.forward(ones({3})); }, {"BatchNorm1d", "3 channels", "[3]"}));
  BOOST_TEST(throws_with([&] { bn.forward(ones({2, 3, 4, 5})); }, {"BatchNorm1d", "[2, 3, 4, 5]"}));
  BOOST_TEST(throws_with([&] { bn.forward(ones({1, 3})); }, {"BatchNorm1d", "more than 1 value per channel", "[1, 3]"}));
}

// Accepted until now, and then every output (a NaN momentum, a NaN slope) or the evaluation output (a
// negative eps over a constant channel: sqrt(0 - 1)) was NaN.
BOOST_AUTO_TEST_CASE(layers_refuse_options_that_make_their_output_nan) {
  const double nan = std::nan("");
  BOOST_TEST(throws_with([&] { nn::BatchNorm1d(3, {.momentum = nan}); },
                         {"BatchNorm1d: invalid momentum: expected a finite value in [0, 1], got nan"}));
  BOOST_TEST(throws_with([] { nn::BatchNorm2d(3, {.momentum = 1.5}); }, {"BatchNorm2d: invalid momentum", "got 1.5"}));
  BOOST_TEST(throws_with([] { nn::BatchNorm2d(3, {.eps = -1e-5}); },
                         {"BatchNorm2d: invalid eps: expected a finite value >= 0, got -1e-05"}));
  BOOST_TEST(throws_with([] { nn::BatchNorm1d(3, {.eps = INFINITY}); }, {"BatchNorm1d: invalid eps", "got inf"}));
  BOOST_TEST(throws_with([&] { nn::LeakyReLU({.negative_slope = nan}); },
                         {"LeakyReLU: invalid negative_slope: expected a finite value, got nan"}));
  BOOST_TEST(throws_with([&] { nn::Dropout({.p = nan}); }, {"Dropout", "[0, 1]", "got nan"}));
  BOOST_TEST(throws_with([] { nn::GELU({.approximate = "erf"}); },
                         {"GELU: invalid approximate: expected \"none\" or \"tanh\", got \"erf\""}));
  BOOST_TEST(throws_with([&] { nn::Softplus({.beta = nan}); }, {"Softplus: invalid beta: expected a finite value, got nan"}));
  BOOST_TEST(throws_with([] { nn::Softplus({.beta = 0}); }, {"Softplus: invalid beta: expected a non-zero value", "got 0"}));
  BOOST_TEST(throws_with([] { nn::Softplus({.threshold = INFINITY}); }, {"Softplus: invalid threshold", "got inf"}));
  BOOST_TEST(throws_with([&] { nn::ELU({.alpha = nan}); }, {"ELU: invalid alpha: expected a finite value, got nan"}));
  // The edges are fine: momentum 0 freezes the running statistics, 1 keeps only the last batch's.
  BOOST_CHECK_NO_THROW(nn::BatchNorm1d(3, {.eps = 0, .momentum = 1}));
  BOOST_CHECK_NO_THROW(nn::BatchNorm1d(3, {.momentum = 0}));
  BOOST_CHECK_NO_THROW(nn::LeakyReLU({.negative_slope = -2}));
  BOOST_CHECK_NO_THROW(nn::Softplus({.beta = -1}));  // -softplus(-x) = log sigmoid(x)
}

BOOST_AUTO_TEST_CASE(layers_refuse_sizes_too_large_naming_the_layer_and_shape) {
  // A (2^31, 2^31) float32 weight is 2^64 bytes: the count wrapped to 0 and the initialiser overran it.
  const int64_t big = int64_t(1) << 31;
  BOOST_TEST(throws_with([&] { nn::Linear(big, big); }, {"Linear:", "[2147483648, 2147483648]", "too large"}));
  BOOST_TEST(throws_with([] { nn::BatchNorm1d(int64_t(1) << 61); }, {"BatchNorm1d:", "[2305843009213693952]", "too large"}));
}

BOOST_AUTO_TEST_SUITE_END()
