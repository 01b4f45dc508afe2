// nn::GroupNorm: PyTorch's initialisation (weight ones, bias zeros), a forward against a plain loop,
// gradcheck through the module, its options, printed form and errors.
#include "tests/testing.h"

#include <cmath>

#include "scratchgrad/nn.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(group_norm_module)

BOOST_AUTO_TEST_CASE(group_norm_starts_with_weight_ones_and_bias_zeros) {
  nn::GroupNorm norm(2, 6);
  BOOST_TEST(norm.named_parameters().size() == 2u);
  BOOST_TEST(norm.named_parameters()[0].first == "weight");
  BOOST_TEST(norm.named_parameters()[1].first == "bias");
  BOOST_TEST(all_close(norm.weight, ones({6}), 0));
  BOOST_TEST(all_close(norm.bias, zeros({6}), 0));
  BOOST_TEST(nn::GroupNorm(3, 6, {.affine = false}).parameters().empty());
}

// x (2, 4, 3) in 2 groups of 2 channels: each group of 6 values normalised by its mean and biased
// variance plus eps, then channel c scaled by w[c] and shifted by b[c], all by hand.
BOOST_AUTO_TEST_CASE(group_norm_forward_matches_a_loop) {
  manual_seed(8);
  nn::GroupNorm norm(2, 4, {.eps = 0.01});
  norm.to(kFloat64);
  const std::vector<double> w = {1.0, -2.0, 0.5, 3.0}, b = {0.0, 1.0, -1.0, 2.0};
  norm.weight.detach().copy_(tensor(w, {4}));
  norm.bias.detach().copy_(tensor(b, {4}));
  const Tensor x = randn({2, 4, 3}, kFloat64);
  const double* px = x.data<double>();
  std::vector<double> expected(24);
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t g = 0; g < 2; ++g) {
      const double* v = px + n * 12 + g * 6;
      double mean = 0, var = 0;
      for (int64_t i = 0; i < 6; ++i) mean += v[i] / 6;
      for (int64_t i = 0; i < 6; ++i) var += (v[i] - mean) * (v[i] - mean) / 6;
      for (int64_t i = 0; i < 6; ++i) {
        const int64_t c = g * 2 + i / 3;
        expected[n * 12 + g * 6 + i] = (v[i] - mean) / std::sqrt(var + 0.01) * w[c] + b[c];
      }
    }
  BOOST_TEST(all_close(norm(x), tensor(expected, {2, 4, 3}), 1e-12));
}

BOOST_AUTO_TEST_CASE(group_norm_module_grad_matches_finite_differences) {
  manual_seed(9);
  nn::GroupNorm norm(2, 4);
  norm.to(kFloat64);
  BOOST_TEST(passes_gradcheck(
      [&](const std::vector<Tensor>& in) {
        norm.weight = in[1], norm.bias = in[2];
        return norm.forward(in[0]);
      },
      {uniform64({3, 4, 2, 2}), uniform64({4}), uniform64({4})}));
}

BOOST_AUTO_TEST_CASE(group_norm_prints_only_non_default_options) {
  BOOST_TEST(nn::GroupNorm(2, 6).repr() == "GroupNorm(2, 6)");
  BOOST_TEST(nn::GroupNorm(3, 6, {.eps = 0.001, .affine = false}).repr() == "GroupNorm(3, 6, eps=0.001, affine=false)");
}

BOOST_AUTO_TEST_CASE(group_norm_refuses_groups_that_do_not_divide_the_channels_and_bad_eps) {
  BOOST_TEST(throws_with([] { nn::GroupNorm(4, 6); }, {"GroupNorm", "divisible", "num_groups 4", "num_channels 6"}));
  BOOST_TEST(throws_with([] { nn::GroupNorm(0, 6); }, {"GroupNorm", "num_groups 0"}));
  BOOST_TEST(throws_with([] { nn::GroupNorm(2, 6, {.eps = -1}); }, {"GroupNorm", "eps", "got -1"}));
  nn::GroupNorm norm(2, 6);
  BOOST_TEST(throws_with([&] { norm(zeros({2, 4, 3})); }, {"group_norm:", "weight", "[6]", "[4]"}));
}

BOOST_AUTO_TEST_SUITE_END()
