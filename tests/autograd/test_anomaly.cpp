// Anomaly detection: the first op to produce a NaN or infinity is named, forward or backward.
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(anomaly)

BOOST_AUTO_TEST_CASE(off_by_default_nan_flows_through) {
  Tensor x = sg::tensor({-1.0, 4.0}, kFloat64);
  Tensor y = sg::sqrt(x);  // sqrt(-1) is NaN, and without detection nothing complains
  BOOST_TEST(std::isnan(y.at({0})));
  BOOST_TEST(y.at({1}) == 2.0);
}

BOOST_AUTO_TEST_CASE(forward_names_the_op_that_made_the_nan) {
  Tensor x = sg::tensor({{1.0, -1.0}}, kFloat64).requires_grad_();
  DetectAnomalyGuard detect;
  BOOST_TEST(throws_with<std::runtime_error>([&] { sg::log(sg::exp(x) - 1.5).sum(); },
                                             {"'log'", "NaN", "[1, 2]", "element 1"}));
}

BOOST_AUTO_TEST_CASE(backward_names_the_op_whose_gradient_is_infinite) {
  // d/dx sqrt(x) = 1 / (2 sqrt(x)) is infinite at 0, while the forward value 0 is finite.
  Tensor x = sg::tensor({0.0, 1.0}, kFloat64).requires_grad_();
  Tensor y = sg::sqrt(x).sum();
  DetectAnomalyGuard detect;
  BOOST_TEST(throws_with<std::runtime_error>([&] { y.backward(); }, {"'sqrt'", "infinity", "gradient for input 0"}));
}

BOOST_AUTO_TEST_CASE(guard_restores_the_previous_mode) {
  BOOST_TEST(!AnomalyMode::is_enabled());
  {
    DetectAnomalyGuard detect;
    BOOST_TEST(AnomalyMode::is_enabled());
  }
  BOOST_TEST(!AnomalyMode::is_enabled());
}

BOOST_AUTO_TEST_SUITE_END()
