// Gradient clipping against torch.nn.utils.clip_grad_norm_ / clip_grad_value_: the total norm returned,
// the gradients scaled or clamped in place, parameters without gradients skipped, non-finite norms.
#include "tests/testing.h"

#include <cmath>
#include <limits>

#include "scratchgrad/nn.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(clip_grad)

namespace {
// a (2, 2) with grad [[3, -4], [1, 2]], b (3) with grad [0.5, -6, 2], c (1) with no grad.
std::vector<Tensor> parameters() {
  Tensor a = zeros({2, 2}, kFloat64).requires_grad_(), b = zeros({3}, kFloat64).requires_grad_();
  const Tensor c = zeros({1}, kFloat64).requires_grad_();
  a.set_grad(tensor({{3.0, -4.0}, {1.0, 2.0}}, kFloat64));
  b.set_grad(tensor({0.5, -6.0, 2.0}, kFloat64));
  return {a, b, c};
}
Tensor f64(const std::vector<double>& values, const Shape& shape) { return sg::tensor(values, shape); }
}  // namespace

// torch.nn.utils.clip_grad_norm_([a, b, c], 2.0) returns 8.381527307120106 and scales the gradients to these.
BOOST_AUTO_TEST_CASE(clip_grad_norm_scales_all_gradients_by_their_joint_2_norm_as_pytorch) {
  const std::vector<Tensor> params = parameters();
  BOOST_TEST(nn::clip_grad_norm_(params, 2.0) == 8.381527307120106, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(all_close(params[0].grad(), f64({0.7158598981170299, -0.9544798641560398, 0.23861996603900995,
                                              0.4772399320780199}, {2, 2}), 1e-15));
  BOOST_TEST(all_close(params[1].grad(), f64({0.11930998301950498, -1.4317197962340598, 0.4772399320780199}, {3}),
                       1e-15));
  BOOST_TEST(!params[2].grad().defined());
}

// torch.nn.utils.clip_grad_norm_([a, b, c], 3.0, norm_type=inf) returns 6 and scales by 3 / (6 + 1e-6).
BOOST_AUTO_TEST_CASE(clip_grad_norm_with_the_infinity_norm_uses_the_largest_element) {
  const std::vector<Tensor> params = parameters();
  const double inf = std::numeric_limits<double>::infinity();
  BOOST_TEST(nn::clip_grad_norm_(params, 3.0, {.norm_type = inf}) == 6.0);
  BOOST_TEST(all_close(params[0].grad(), f64({1.4999997500000415, -1.9999996666667221, 0.49999991666668053,
                                              0.9999998333333611}, {2, 2}), 1e-15));
  BOOST_TEST(all_close(params[1].grad(), f64({0.24999995833334027, -2.999999500000083, 0.9999998333333611}, {3}),
                       1e-15));
}

BOOST_AUTO_TEST_CASE(clip_grad_norm_leaves_gradients_under_the_limit_and_returns_0_without_any) {
  const std::vector<Tensor> params = parameters();
  BOOST_TEST(nn::clip_grad_norm_(params, 100.0) == 8.381527307120106, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(all_close(params[0].grad(), f64({3.0, -4.0, 1.0, 2.0}, {2, 2}), 0));
  // the 1-norm: |3| + |-4| + |1| + |2| + |0.5| + |-6| + |2|
  BOOST_TEST(nn::clip_grad_norm_(parameters(), 100.0, {.norm_type = 1}) == 18.5, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(nn::clip_grad_norm_({params[2]}, 1.0) == 0.0);
}

// PyTorch: a NaN gradient makes the norm NaN and, scaled by it, every gradient NaN; with
// error_if_nonfinite=True it raises instead.
BOOST_AUTO_TEST_CASE(clip_grad_norm_spreads_a_non_finite_norm_or_refuses_it_when_asked) {
  std::vector<Tensor> params = parameters();
  params[0].grad().set_({0, 0}, NAN);
  BOOST_TEST(throws_with([&] { nn::clip_grad_norm_(params, 1.0, {.error_if_nonfinite = true}); },
                         {"clip_grad_norm_", "order 2", "is nan", "error_if_nonfinite"}));
  BOOST_TEST(params[1].grad().at({1}) == -6.0);  // unchanged by the refusal
  BOOST_TEST(std::isnan(nn::clip_grad_norm_(params, 1.0)));
  for (const Tensor& p : {params[0], params[1]})
    for (double v : p.grad().to_vector<double>()) BOOST_TEST(std::isnan(v));
}

// torch.nn.utils.clip_grad_value_([a, b, c], 2.5).
BOOST_AUTO_TEST_CASE(clip_grad_value_clamps_every_element) {
  const std::vector<Tensor> params = parameters();
  nn::clip_grad_value_(params, 2.5);
  BOOST_TEST(all_close(params[0].grad(), f64({2.5, -2.5, 1.0, 2.0}, {2, 2}), 0));
  BOOST_TEST(all_close(params[1].grad(), f64({0.5, -2.5, 2.0}, {3}), 0));
}

BOOST_AUTO_TEST_CASE(clipping_refuses_negative_or_non_finite_limits_and_norm_types) {
  const std::vector<Tensor> params = parameters();
  BOOST_TEST(throws_with([&] { nn::clip_grad_norm_(params, -1.0); }, {"clip_grad_norm_", "max_norm", "got -1"}));
  BOOST_TEST(throws_with([&] { nn::clip_grad_norm_(params, NAN); }, {"clip_grad_norm_", "max_norm", "got nan"}));
  BOOST_TEST(throws_with([&] { nn::clip_grad_norm_(params, 1.0, {.norm_type = 0}); },
                         {"clip_grad_norm_", "norm_type", "> 0", "got 0"}));
  BOOST_TEST(throws_with([&] { nn::clip_grad_value_(params, -0.5); }, {"clip_grad_value_", "clip_value", "got -0.5"}));
  BOOST_TEST(all_close(params[0].grad(), f64({3.0, -4.0, 1.0, 2.0}, {2, 2}), 0));  // nothing changed
}

BOOST_AUTO_TEST_SUITE_END()
