// group_norm: values and gradients against PyTorch, gradcheck with and without the affine part and over
// 1, 2 and no positions, group sizes that reduce to layer norm and instance norm, and the errors.
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(group_norm_op)

namespace {
Tensor flat(const std::vector<double>& values, const Shape& shape) { return sg::tensor(values, shape); }
}  // namespace

// x, w, b as below, dy = (torch.arange(24.).reshape(2, 4, 3) - 7) / 5; y = F.group_norm(x, 2, w, b,
// eps=1e-5); y.backward(dy): y, x.grad, w.grad, b.grad printed by torch 1.13 in float64.
BOOST_AUTO_TEST_CASE(group_norm_matches_pytorch_with_weight_and_bias) {
  Tensor x = flat({-1.0, -0.3, 0.4, 1.1, -0.5, 0.2, 0.9, -0.7, 0.0, 0.7, -0.9, -0.2,
                   0.5, 1.2, -0.4, 0.3, 1.0, -0.6, 0.1, 0.8, -0.8, -0.1, 0.6, 1.3},
                  {2, 4, 3}).requires_grad_();
  Tensor w = sg::tensor({1.5, -0.5, 2.0, 0.25}, kFloat64).requires_grad_();
  Tensor b = sg::tensor({0.1, 0.2, -0.3, 0.4}, kFloat64).requires_grad_();
  const Tensor y = sg::group_norm(x, 2, w, b, 1e-5);
  BOOST_TEST(all_close(y, flat({-2.0793561195000976, -0.5279500683305365, 1.0234559828390244, -0.6249540113361951,
                                0.557069646697756, 0.03993429630790246, 2.5176336909476316, -2.312595493534022,
                                -0.1993702253232988, 0.6767318803609281, 0.07295323230072137, 0.33710639082706184,
                                0.4773616550376294, 2.062280606195672, -1.5603912821655685, 0.22515744366917523,
                                -0.30314887338350566, 0.9044084227369078, -0.9402628147683899, 1.1282785867910246,
                                -3.59981604534478, 0.24609066952682937, 0.5046583447217562, 0.763226019916683},
                               {2, 4, 3}), 1e-12));
  y.backward((arange(24.0, kFloat64).reshape({2, 4, 3}) - 7.0) / 5.0);
  BOOST_TEST(all_close(x.grad(), flat({-0.7814416108268625, -1.2018332324273182, -1.6222248540277742,
                                       0.3214308404396725, 2.147736153729857, 1.1363327031124257,
                                       -0.47624544737096947, -0.2851668516545216, 0.49916806930607965,
                                       0.22689035616131908, -0.11033736517491399, 0.14569123873300638,
                                       1.5247335268579114, 1.7247887308425143, 2.7554027901689313,
                                       -1.87477119032812, -2.2784946344037236, -1.851659223137513,
                                       1.966225921973276, 3.9618457973859345, 1.342324948927061,
                                       -3.9019500811182297, -2.4234655560954232, -0.9449810310726172},
                                      {2, 4, 3}), 1e-12));
  BOOST_TEST(all_close(w.grad(), flat({2.1924888359322634, -2.106296971562654, -3.551816042671306, 3.638007907040918},
                                      {4}), 1e-12));
  BOOST_TEST(all_close(b.grad(), flat({0.0, 3.6, 7.2, 10.8}, {4}), 1e-12, 1e-12));
}

// One group is layer_norm over (C, *) of each sample; C groups normalise each channel of each sample alone.
BOOST_AUTO_TEST_CASE(one_group_is_layer_norm_and_one_channel_a_group_is_instance_norm) {
  manual_seed(11);
  const Tensor x = randn({2, 6, 2, 3}, kFloat64);
  BOOST_TEST(all_close(sg::group_norm(x, 1), sg::layer_norm(x, {6, 2, 3}), 1e-12));
  BOOST_TEST(all_close(sg::group_norm(x, 6), sg::layer_norm(x, {2, 3}), 1e-12));
  BOOST_TEST(all_close(sg::group_norm(x, 3, Tensor(), Tensor(), 0.5),
                       sg::layer_norm(x.reshape({2, 3, 12}), {12}, Tensor(), Tensor(), 0.5).reshape({2, 6, 2, 3}),
                       1e-12));
}

BOOST_AUTO_TEST_CASE(group_norm_grad_matches_finite_differences) {
  manual_seed(4);
  BOOST_TEST(passes_gradcheck([](In in) { return sg::group_norm(in[0], 2, in[1], in[2]); },
                              {uniform64({2, 4, 3, 2}), uniform64({4}), uniform64({4})}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::group_norm(in[0], 3, in[1], Tensor(), 0.1); },
                              {uniform64({2, 6, 5}), uniform64({6})}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::group_norm(in[0], 2, Tensor(), in[1]); },
                              {uniform64({3, 4}), uniform64({4})}));
}

BOOST_AUTO_TEST_CASE(bad_arguments_throw_with_op_name_and_sizes) {
  BOOST_TEST(throws_with([] { sg::group_norm(zeros({2, 6, 4}), 4); },
                         {"group_norm", "num_groups 4", "[2, 6, 4]", "6 channels"}));
  BOOST_TEST(throws_with([] { sg::group_norm(zeros({2, 6, 4}), 0); }, {"group_norm", "num_groups 0"}));
  BOOST_TEST(throws_with([] { sg::group_norm(zeros({6}), 2); }, {"group_norm", "(N, C, *)", "[6]"}));
  BOOST_TEST(throws_with([] { sg::group_norm(zeros({2, 6}), 2, ones({3})); }, {"group_norm", "weight", "[6]", "[3]"}));
  BOOST_TEST(throws_with([] { sg::group_norm(zeros({2, 6}), 2, Tensor(), ones({6}, kFloat64)); },
                         {"group_norm", "bias", "float64"}));
  BOOST_TEST(throws_with([] { sg::group_norm(zeros({2, 6}), 2, Tensor(), Tensor(), -1.0); }, {"group_norm", "eps"}));
  BOOST_TEST(throws_with([] { sg::group_norm(zeros({2, 6}, kInt64), 2); }, {"group_norm", "float", "int64"}));
}

BOOST_AUTO_TEST_SUITE_END()
