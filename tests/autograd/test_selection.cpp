// Selection ops: where, masked_fill (with broadcasting, gradients to the chosen side only) and one_hot.
#include <cmath>

#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(selection)

BOOST_AUTO_TEST_CASE(where_picks_each_element_from_the_chosen_side) {
  const Tensor c = sg::tensor({{1.0, 0.0, 1.0}, {0.0, 0.0, 1.0}}, kFloat64);
  const Tensor a = sg::tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, kFloat64);
  const Tensor b = sg::tensor({-1.0, -2.0, -3.0}, kFloat64);  // broadcast over rows
  BOOST_TEST(all_close(sg::where(c, a, b), sg::tensor({{1.0, -2.0, 3.0}, {-1.0, -2.0, 6.0}}, kFloat64), 0));
  // an int64 condition and a scalar-tensor side
  const Tensor ci = sg::tensor(std::vector<int64_t>{0, 3, 0}, {3});
  BOOST_TEST(all_close(sg::where(ci, sg::scalar_tensor(7.0, kFloat64), b), sg::tensor({-1.0, 7.0, -3.0}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(where_sends_the_gradient_to_the_chosen_side_only) {
  const Tensor c = sg::tensor({{1.0, 0.0, 1.0}, {0.0, 0.0, 1.0}}, kFloat64);
  Tensor a = sg::zeros({2, 3}, kFloat64).requires_grad_();
  Tensor b = sg::zeros({3}, kFloat64).requires_grad_();
  sg::where(c, a, b).backward(sg::tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, kFloat64));
  BOOST_TEST(all_close(a.grad(), sg::tensor({{1.0, 0.0, 3.0}, {0.0, 0.0, 6.0}}, kFloat64), 0));
  BOOST_TEST(all_close(b.grad(), sg::tensor({4.0, 7.0, 0.0}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(where_grad_matches_finite_differences) {
  manual_seed(1);
  const Tensor c = sg::gt(sg::rand({2, 1, 4}, kFloat64), 0.5);
  const Tensor a = uniform64({3, 4}), b = uniform64({2, 3, 1});
  BOOST_TEST(passes_gradcheck([&](In in) { return sg::where(c, in[0], in[1]); }, {a, b}));
}

BOOST_AUTO_TEST_CASE(where_ignores_non_finite_values_on_the_unchosen_side) {
  const Tensor x = sg::tensor({-1.0, 0.0, 4.0}, kFloat64);
  // sqrt(-1) is NaN, but it is not chosen
  BOOST_TEST(all_close(sg::where(sg::gt(x, 0.0), sg::sqrt(x), sg::zeros({3}, kFloat64)),
                       sg::tensor({0.0, 0.0, 2.0}, kFloat64), 0));
  // an inf on the unchosen side leaves the chosen side's gradient finite (c * a + (1 - c) * b would not)
  Tensor a = sg::tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  Tensor b = sg::full({3}, INFINITY, kFloat64).requires_grad_();
  const Tensor c = sg::tensor({1.0, 0.0, 1.0}, kFloat64);
  const Tensor y = sg::where(c, a, b);
  BOOST_TEST(all_close(y, sg::tensor({1.0, INFINITY, 3.0}, kFloat64), 0));
  sg::where(c, a, b).backward(sg::ones({3}, kFloat64));
  BOOST_TEST(all_close(a.grad(), sg::tensor({1.0, 0.0, 1.0}, kFloat64), 0));
  BOOST_TEST(all_close(b.grad(), sg::tensor({0.0, 1.0, 0.0}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(masked_fill_replaces_masked_elements) {
  const Tensor x = sg::tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, kFloat64);
  const Tensor mask = sg::tensor({0.0, 1.0, 0.0}, kFloat64);  // broadcast over rows
  BOOST_TEST(all_close(sg::masked_fill(x, mask, -9.0), sg::tensor({{1.0, -9.0, 3.0}, {4.0, -9.0, 6.0}}, kFloat64), 0));
  const Tensor filled = sg::masked_fill(x, sg::gt(x, 4.5), -INFINITY);
  BOOST_TEST(all_close(filled, sg::tensor({{1.0, 2.0, 3.0}, {4.0, -INFINITY, -INFINITY}}, kFloat64), 0));
  // the classic use: masked softmax
  BOOST_TEST(all_close(sg::softmax(filled, 1).narrow(0, 1, 1), sg::tensor({{1.0, 0.0, 0.0}}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(masked_fill_grad_is_zero_where_filled) {
  Tensor x = sg::ones({2, 3}, kFloat64).requires_grad_();
  const Tensor mask = sg::tensor({1.0, 0.0, 1.0}, kFloat64);
  sg::masked_fill(x, mask, 5.0).sum().backward();
  BOOST_TEST(all_close(x.grad(), sg::tensor({{0.0, 1.0, 0.0}, {0.0, 1.0, 0.0}}, kFloat64), 0));
  manual_seed(2);
  BOOST_TEST(passes_gradcheck([&](In in) { return sg::masked_fill(in[0], mask, 5.0); }, {uniform64({2, 3})}));
}

BOOST_AUTO_TEST_CASE(one_hot_puts_a_one_at_each_label) {
  const Tensor labels = sg::tensor(std::vector<int64_t>{2, 0, 3}, {3});
  const Tensor y = sg::one_hot(labels, 4);
  BOOST_TEST(y.dtype() == kFloat32);
  BOOST_TEST(all_close(y, sg::tensor({{0.0, 0.0, 1.0, 0.0}, {1.0, 0.0, 0.0, 0.0}, {0.0, 0.0, 0.0, 1.0}}), 0));
  BOOST_TEST(sg::one_hot(labels, 4, kFloat64).dtype() == kFloat64);
  BOOST_TEST(sg::one_hot(labels, 4, kInt64).to_vector<int64_t>()[2] == 1);
  const Tensor grid = sg::tensor(std::vector<int64_t>{1, 0, 0, 1}, {2, 2});
  BOOST_TEST(sg::one_hot(grid, 2).shape() == Shape({2, 2, 2}));
  BOOST_TEST(sg::one_hot(grid, 2).at({1, 1, 1}) == 1.0);
}

BOOST_AUTO_TEST_CASE(one_hot_refuses_bad_labels) {
  const Tensor labels = sg::tensor(std::vector<int64_t>{2, 0, 4}, {3});
  BOOST_TEST(throws_with([&] { (void)sg::one_hot(labels, 4); }, {"one_hot", "label 4", "[0, 4)"}));
  BOOST_TEST(throws_with([&] { (void)sg::one_hot(sg::tensor(std::vector<int64_t>{-1}, {1}), 4); }, {"one_hot", "-1"}));
  BOOST_TEST(throws_with([&] { (void)sg::one_hot(sg::tensor({1.0}), 4); }, {"one_hot", "int64", "float32"}));
  BOOST_TEST(throws_with([&] { (void)sg::one_hot(labels, 0); }, {"one_hot", "num_classes", "0"}));
}

BOOST_AUTO_TEST_CASE(where_refuses_shapes_that_do_not_broadcast) {
  BOOST_TEST(throws_with([] { (void)sg::where(sg::ones({2}), sg::ones({3}), sg::ones({3})); }, {"where", "[2]", "[3]"}));
  BOOST_TEST(throws_with([] { (void)sg::where(sg::ones({3}), sg::ones({3}), sg::ones({2, 2})); }, {"where", "[3]", "[2, 2]"}));
  BOOST_TEST(throws_with([] { (void)sg::where(sg::ones({3}), sg::ones({3}), sg::ones({3}, kFloat64)); },
                         {"where", "float32", "float64"}));
  BOOST_TEST(throws_with([] { (void)sg::masked_fill(sg::ones({2, 3}), sg::ones({2}), 0.0); },
                         {"masked_fill", "[2, 3]", "[2]"}));
  // a mask may broadcast to x, never x to the mask
  BOOST_TEST(throws_with([] { (void)sg::masked_fill(sg::ones({3}), sg::ones({2, 3}), 0.0); },
                         {"masked_fill", "[3]", "[2, 3]"}));
}

// PyTorch compares an int64 tensor with a fractional, huge or NaN scalar in floating point:
// torch.tensor([-2, 1, 2]) > -1.5 is [False, True, True], == 1.5 all False, != nan all True.
BOOST_AUTO_TEST_CASE(int64_against_a_scalar_it_cannot_hold_compares_in_floating_point) {
  const Tensor labels = sg::tensor(std::vector<int64_t>{-2, 1, 2}, {3});
  const auto values = [](const Tensor& t) { return t.to_vector<int64_t>(); };
  BOOST_TEST(values(sg::gt(labels, -1.5)) == (std::vector<int64_t>{0, 1, 1}), boost::test_tools::per_element());
  BOOST_TEST(values(sg::eq(labels, 1.5)) == (std::vector<int64_t>{0, 0, 0}), boost::test_tools::per_element());
  BOOST_TEST(values(sg::lt(labels, 1.5)) == (std::vector<int64_t>{1, 1, 0}), boost::test_tools::per_element());
  BOOST_TEST(values(sg::le(labels, -1.5)) == (std::vector<int64_t>{1, 0, 0}), boost::test_tools::per_element());
  BOOST_TEST(values(sg::ge(labels, 1e30)) == (std::vector<int64_t>{0, 0, 0}), boost::test_tools::per_element());
  BOOST_TEST(values(sg::ne(labels, std::nan(""))) == (std::vector<int64_t>{1, 1, 1}), boost::test_tools::per_element());
  BOOST_TEST(values(sg::eq(labels, 1.0)) == (std::vector<int64_t>{0, 1, 0}), boost::test_tools::per_element());
  BOOST_TEST(sg::gt(labels, -1.5).dtype() == kInt64);
}

BOOST_AUTO_TEST_SUITE_END()
