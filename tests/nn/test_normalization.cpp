// nn::LayerNorm: PyTorch's initialisation (weight ones, bias zeros), a forward against a plain loop, the
// same in training and evaluation, gradcheck through the module, its options, printed form and errors.
#include "tests/testing.h"

#include <cmath>

#include "scratchgrad/nn.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(normalization)

BOOST_AUTO_TEST_CASE(layer_norm_starts_with_weight_ones_and_bias_zeros) {
  nn::LayerNorm norm({2, 3});
  BOOST_TEST(norm.named_parameters().size() == 2u);
  BOOST_TEST(norm.named_parameters()[0].first == "weight");
  BOOST_TEST(norm.named_parameters()[1].first == "bias");
  BOOST_TEST(all_close(norm.weight, ones({2, 3}), 0));
  BOOST_TEST(all_close(norm.bias, zeros({2, 3}), 0));
  BOOST_TEST(nn::LayerNorm({4}, {.elementwise_affine = false}).parameters().empty());
  nn::LayerNorm no_bias({4}, {.bias = false});
  BOOST_TEST(no_bias.parameters().size() == 1u);
  BOOST_TEST(!no_bias.bias.defined());
}

// Each row of 4: (x - mean) / sqrt(biased var + eps) * w + b, by hand, in training and in evaluation alike.
BOOST_AUTO_TEST_CASE(layer_norm_forward_matches_a_loop_in_training_and_evaluation) {
  manual_seed(8);
  nn::LayerNorm norm({4}, {.eps = 0.01});
  norm.to(kFloat64);
  norm.weight.detach().copy_(tensor({1.0, -2.0, 0.5, 3.0}, kFloat64));
  norm.bias.detach().copy_(tensor({0.0, 1.0, -1.0, 2.0}, kFloat64));
  const Tensor x = randn({3, 4}, kFloat64);
  Tensor expected = empty({3, 4}, kFloat64);
  for (int64_t m = 0; m < 3; ++m) {
    double mean = 0, var = 0;
    for (int64_t j = 0; j < 4; ++j) mean += x.at({m, j}) / 4;
    for (int64_t j = 0; j < 4; ++j) var += (x.at({m, j}) - mean) * (x.at({m, j}) - mean) / 4;
    for (int64_t j = 0; j < 4; ++j)
      expected.set_({m, j}, (x.at({m, j}) - mean) / std::sqrt(var + 0.01) * norm.weight.at({j}) + norm.bias.at({j}));
  }
  BOOST_TEST(all_close(norm(x), expected, 1e-12));
  norm.eval();
  BOOST_TEST(all_close(norm(x), expected, 1e-12));
}

BOOST_AUTO_TEST_CASE(layer_norm_module_grad_matches_finite_differences) {
  manual_seed(9);
  nn::LayerNorm norm({2, 3});
  norm.to(kFloat64);
  BOOST_TEST(passes_gradcheck(
      [&](const std::vector<Tensor>& in) {
        norm.weight = in[1], norm.bias = in[2];
        return norm.forward(in[0]);
      },
      {uniform64({4, 2, 3}), uniform64({2, 3}), uniform64({2, 3})}));
}

BOOST_AUTO_TEST_CASE(layer_norm_prints_only_non_default_options) {
  BOOST_TEST(nn::LayerNorm({2, 3}).repr() == "LayerNorm([2, 3])");
  BOOST_TEST(nn::LayerNorm({4}, {.eps = 0.001, .elementwise_affine = false}).repr() ==
             "LayerNorm([4], eps=0.001, elementwise_affine=false)");
  BOOST_TEST(nn::LayerNorm({4}, {.bias = false}).repr() == "LayerNorm([4], bias=false)");
}

BOOST_AUTO_TEST_CASE(layer_norm_refuses_empty_shapes_bad_eps_and_inputs_that_do_not_end_in_its_shape) {
  BOOST_TEST(throws_with([] { nn::LayerNorm(Shape{}); }, {"LayerNorm", "at least one dim", "got []"}));
  BOOST_TEST(throws_with([] { nn::LayerNorm({3, 0}); }, {"LayerNorm", "positive", "got [3, 0]"}));
  BOOST_TEST(throws_with([] { nn::LayerNorm({3}, {.eps = -1}); }, {"LayerNorm", "eps", "got -1"}));
  BOOST_TEST(throws_with([] { nn::LayerNorm({3}, {.eps = NAN}); }, {"LayerNorm", "eps", "got nan"}));
  nn::LayerNorm norm({3});
  BOOST_TEST(throws_with([&] { norm(zeros({2, 4})); }, {"layer_norm:", "normalized_shape [3]", "input [2, 4]"}));
}

BOOST_AUTO_TEST_SUITE_END()
