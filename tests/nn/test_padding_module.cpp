// ConstantPad2d and ZeroPad2d: values placed by hand, the gradient (ones inside, nothing from the
// border), a max pool over a zero border against MaxPool2d's -inf padding, the printed forms (PyTorch's)
// and the errors.
#include "tests/testing.h"

#include "scratchgrad/nn.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(padding_module)

BOOST_AUTO_TEST_CASE(zero_pad_puts_the_input_inside_a_border_of_the_given_widths) {
  // (1, 1, 2, 2) padded left 1, right 2, top 0, bottom 1: (1, 1, 3, 5), worked out by hand.
  const Tensor x = sg::tensor(std::vector<double>{1, 2, 3, 4}, {1, 1, 2, 2});
  const Tensor y = nn::ZeroPad2d({1, 2, 0, 1}).forward(x);
  BOOST_TEST(y.shape() == (Shape{1, 1, 3, 5}));
  const std::vector<double> expected{0, 1, 2, 0, 0,  //
                                     0, 3, 4, 0, 0,  //
                                     0, 0, 0, 0, 0};
  BOOST_TEST(y.to_vector<double>() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(constant_pad_fills_the_border_with_its_value_on_a_three_dim_input) {
  const Tensor x = sg::tensor(std::vector<double>{5, 6}, {2, 1, 1});  // (C, H, W)
  const Tensor y = nn::ConstantPad2d(1, -0.5).forward(x);
  BOOST_TEST(y.shape() == (Shape{2, 3, 3}));
  std::vector<double> expected(18, -0.5);
  expected[4] = 5, expected[13] = 6;  // the centre of each 3x3 map
  BOOST_TEST(y.to_vector<double>() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(gradient_flows_to_the_input_only) {
  manual_seed(3);
  const Tensor x = randn({2, 3, 4, 5}, kFloat64).requires_grad_();
  const Tensor w = randn({2, 3, 6, 8}, kFloat64);
  (nn::ZeroPad2d({1, 2, 2, 0}).forward(x) * w).sum().backward();
  // d/dx sum(pad(x) * w) = w at the positions x landed on: rows 2..5, columns 1..5.
  BOOST_TEST(all_close(x.grad(), w.narrow(2, 2, 4).narrow(3, 1, 5), 0.0));
  BOOST_TEST(passes_gradcheck([](In in) { return nn::ConstantPad2d({0, 1, 1, 0}, 2.5).forward(in[0]); },
                              {randn({1, 2, 3, 3}, kFloat64).requires_grad_()}));
}

BOOST_AUTO_TEST_CASE(a_max_pool_over_a_zero_border_never_goes_below_zero_at_the_edge) {
  // All values negative: MaxPool2d's own padding counts as -inf, so the border windows keep the
  // input's maxima; a ZeroPad2d before the pool makes the border's zeros win there.
  const Tensor x = -sg::tensor(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  const Tensor padded_by_pool = nn::MaxPool2d(2, {.stride = 2, .padding = 1}).forward(x);
  nn::Sequential zero_border(nn::ZeroPad2d(1), nn::MaxPool2d(2));
  const Tensor over_zeros = zero_border.forward(x);
  BOOST_TEST(padded_by_pool.to_vector<double>() == (std::vector<double>{-1, -2, -4, -5}), boost::test_tools::per_element());
  BOOST_TEST(over_zeros.to_vector<double>() == (std::vector<double>{0, 0, 0, -5}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(printed_as_pytorch_prints_them) {
  BOOST_TEST(nn::ZeroPad2d(1).repr() == "ZeroPad2d((1, 1, 1, 1))");
  BOOST_TEST(nn::ConstantPad2d({0, 1, 2, 3}, -0.5).repr() == "ConstantPad2d(padding=(0, 1, 2, 3), value=-0.5)");
  BOOST_TEST(nn::ZeroPad2d(1).parameters().empty());
}

BOOST_AUTO_TEST_CASE(errors_name_the_layer_and_what_is_wrong) {
  BOOST_TEST(throws_with([] { nn::ZeroPad2d({1, -1, 0, 0}); },
                         {"ZeroPad2d: padding must be non-negative, got (1, -1, 0, 0)"}));
  BOOST_TEST(throws_with([] { nn::ConstantPad2d(-2, 1.0); },
                         {"ConstantPad2d: padding must be non-negative, got (-2, -2, -2, -2)"}));
  BOOST_TEST(throws_with([] { nn::ZeroPad2d(1).forward(sg::zeros({4, 4})); },
                         {"ZeroPad2d: expected a (C, H, W) or (N, C, H, W) input, got shape [4, 4]"}));
}

BOOST_AUTO_TEST_SUITE_END()
