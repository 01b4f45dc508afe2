// prod of all elements and along a dim: values and gradients against PyTorch's, the gradient where
// elements are zero (one zero, several, in some rows only), finite differences, errors.
#include "tests/autograd/reduce_fixture.h"
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(prod_op)

BOOST_AUTO_TEST_CASE(prod_matches_torch) {
  const Tensor x = reduce_fixture();  // x[1, 1, 3] is 0
  // torch.prod(x, 1), torch.prod(x), and the gradient of (torch.prod(x, 1) * w).sum()
  BOOST_TEST(
      all_close(sg::prod(x, 1), sg::tensor({{-6.0, -3.75, -4.875, -3.5}, {-22.5, -12.0, -1.0, 0.0}}, kFloat64), 0));
  BOOST_TEST(sg::prod(x).item() == 0.0);
  BOOST_TEST(sg::prod(x).dim() == 0);
  BOOST_TEST(sg::prod(x, -2, true).shape() == Shape({2, 1, 4}));
  BOOST_TEST(all_close(
      weighted_grad(x, sg::prod(x, 1)),
      sg::tensor({3.6, -1.453125, 0.975, 3.675, 1.35, 3.875, -0.528125, 0.91875,  -5.4, 1.1625, 12.675, -0.525,
                  4.5, 3.3,       -0.3,  0.0,   -4.0, 1.1,   0.15,      -0.16875, 1.8,  -0.825, 0.075,  0.0},
                 kFloat64)
          .reshape({2, 3, 4}),
      1e-14));
}

BOOST_AUTO_TEST_CASE(prod_gradient_is_the_product_of_the_others_with_zeros) {
  // torch.prod(tensor([2., 0, 3])).backward() gives [0, 6, 0]; with two zeros [0, 0, 0]
  Tensor x = sg::tensor({2.0, 0.0, 3.0}, kFloat64).requires_grad_();
  sg::prod(x).backward();
  BOOST_TEST(all_close(x.grad(), sg::tensor({0.0, 6.0, 0.0}, kFloat64), 0, 0));
  x = sg::tensor({2.0, 0.0, 0.0}, kFloat64).requires_grad_();
  sg::prod(x).backward();
  BOOST_TEST(all_close(x.grad(), sg::tensor({0.0, 0.0, 0.0}, kFloat64), 0, 0));
  // Along a dim: rows without zeros, with one and with two, and a zero at either end.
  x = sg::tensor({{2.0, -3.0, 4.0}, {0.0, 5.0, -2.0}, {0.0, 7.0, 0.0}, {1.5, 2.0, 0.0}}, kFloat64).requires_grad_();
  sg::prod(x, 1).backward(sg::tensor({1.0, 2.0, 3.0, -1.0}, kFloat64));
  BOOST_TEST(all_close(x.grad(),
                       sg::tensor({{-12.0, 8.0, -6.0}, {-20.0, 0.0, 0.0}, {0.0, 0.0, 0.0}, {0.0, 0.0, -3.0}}, kFloat64),
                       0, 0));
}

BOOST_AUTO_TEST_CASE(prod_grads_match_finite_differences) {
  manual_seed(31);
  const Tensor x = uniform64({2, 3, 4});
  BOOST_TEST(passes_gradcheck([](In in) { return sg::prod(in[0]); }, {x}));
  for (int64_t dim = -3; dim < 3; ++dim)
    BOOST_TEST(passes_gradcheck([=](In in) { return sg::prod(in[0], dim, dim % 2 == 0); }, {x}));
  // one exact zero in a row: prod is linear in each element, so finite differences are exact there too
  const Tensor z = sg::tensor({{0.5, 0.0, -1.5}, {2.0, 0.25, 0.0}}, kFloat64).requires_grad_();
  BOOST_TEST(passes_gradcheck([](In in) { return sg::prod(in[0], 1); }, {z}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::prod(in[0], 0); }, {z}));
}

BOOST_AUTO_TEST_CASE(prod_of_int64_and_of_empty_tensors) {
  // torch.prod(tensor([[1, 2], [3, 4]]), 1) is int64 [2, 12]; the product of nothing is 1
  BOOST_TEST(
      sg::prod(sg::tensor({{1.0, 2.0}, {3.0, 4.0}}, kInt64), 1).to_vector<int64_t>() == std::vector<int64_t>({2, 12}),
      boost::test_tools::per_element());
  BOOST_TEST(sg::prod(sg::zeros({0, 3})).item() == 1.0);
  BOOST_TEST(all_close(sg::prod(sg::zeros({0, 3}), 0), sg::ones({3}), 0));
}

BOOST_AUTO_TEST_CASE(prod_names_the_dim_in_errors) {
  BOOST_TEST(throws_with([] { (void)sg::prod(sg::zeros({2, 3}), 2); }, {"prod:", "got 2"}));
  BOOST_TEST(throws_with([] { (void)sg::prod(sg::zeros({2, 3}), -3); }, {"prod:", "rank 2", "got -3"}));
}

BOOST_AUTO_TEST_SUITE_END()
