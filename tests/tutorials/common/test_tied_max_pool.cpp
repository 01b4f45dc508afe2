// The notebooks' max pool: max_pool2d's forward, and a backward that gives a window's gradient to every
// position equal to its maximum. Checked against gradients worked out by hand.
#include "tests/testing.h"
#include "tutorials/common/tied_max_pool.h"

using namespace sg;

BOOST_AUTO_TEST_SUITE(tied_max_pool)

BOOST_AUTO_TEST_CASE(every_tied_maximum_takes_the_windows_gradient) {
  // Two 2x2 windows: [1 1; 1 1] (four ties) and [0 3; 3 2] (two ties at 3).
  const Tensor x = tensor(std::vector<double>{1, 1, 0, 3, 1, 1, 3, 2}, {1, 1, 2, 4}).requires_grad_();
  const Tensor y = tutorial::tied_max_pool2d(x, {.kernel_size = 2});
  BOOST_TEST(y.to_vector<double>() == (std::vector<double>{1, 3}), boost::test_tools::per_element());
  (y * tensor(std::vector<double>{10, 100}, {1, 1, 1, 2})).sum().backward();
  BOOST_TEST(x.grad().to_vector<double>() == (std::vector<double>{10, 10, 0, 100, 10, 10, 100, 0}),
             boost::test_tools::per_element());
  // max_pool2d gives each window's gradient to its first maximum only.
  const Tensor x2 = x.detach().requires_grad_();
  (max_pool2d(x2, {.kernel_size = 2}) * tensor(std::vector<double>{10, 100}, {1, 1, 1, 2})).sum().backward();
  BOOST_TEST(x2.grad().to_vector<double>() == (std::vector<double>{10, 0, 0, 100, 0, 0, 0, 0}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(padding_never_takes_a_gradient_and_the_stride_is_kept) {
  // A 3x3 map pooled 2x2, stride 2, padding 1: windows cover {x00}, {x01 x02}, {x10 x20}, {x11 x12 x21 x22}.
  const Tensor x = tensor(std::vector<double>{5, 2, 2, 4, 7, 1, 4, 0, 7}, {1, 1, 3, 3}).requires_grad_();
  const Tensor y = tutorial::tied_max_pool2d(x, {.kernel_size = 2, .stride = 2, .padding = 1});
  BOOST_TEST(y.to_vector<double>() == (std::vector<double>{5, 2, 4, 7}), boost::test_tools::per_element());
  y.sum().backward();
  BOOST_TEST(x.grad().to_vector<double>() == (std::vector<double>{1, 1, 1, 1, 1, 0, 1, 0, 1}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_layer_says_what_it_is) {
  BOOST_TEST(tutorial::TiedMaxPool2d({.kernel_size = 2}).repr() ==
             "TiedMaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))");
}

BOOST_AUTO_TEST_SUITE_END()
