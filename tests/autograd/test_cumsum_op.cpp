// cumsum along each dim: values and gradients against PyTorch's and a loop, finite differences, int64,
// errors.
#include "tests/autograd/reduce_fixture.h"
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(cumsum_op)

BOOST_AUTO_TEST_CASE(cumsum_matches_torch) {
  const Tensor x = reduce_fixture();
  // torch.cumsum(x, 2), torch.cumsum(x, 0), and the gradient of (torch.cumsum(x, 2) * w).sum()
  BOOST_TEST(all_close(sg::cumsum(x, 2),
                       sg::tensor({1.5, -0.5, 2.75, 3.25, 4.0,   4.75, -1.25, 0.75, -1.0, 1.5, 1.75, -1.75,
                                   2.0, 3.0,  2.5,  7.0,  -2.25, 0.75, 1.75,  1.75, 5.0,  1.0, 3.0,  4.5},
                                  kFloat64)
                           .reshape({2, 3, 4}),
                       0));
  BOOST_TEST(all_close(sg::cumsum(x, -3),
                       sg::tensor({1.5, -2.0, 3.25, 0.5, 4.0,  0.75, -6.0, 2.0, -1.0, 2.5,  0.25, -3.5,
                                   3.5, -1.0, 2.75, 5.0, 1.75, 3.75, -5.0, 2.0, 4.0,  -1.5, 2.25, -2.0},
                                  kFloat64)
                           .reshape({2, 3, 4}),
                       0));
  BOOST_TEST(
      all_close(weighted_grad(x, sg::cumsum(x, 2)),
                sg::tensor({-2.85, -1.95, -1.175, -0.525, -0.85, -0.45, -0.175, -0.025, 1.15, 1.05, 0.825, 0.475,
                            3.15,  2.55,  1.825,  0.975,  5.15,  4.05,  2.825,  1.475,  7.15, 5.55, 3.825, 1.975},
                           kFloat64)
                    .reshape({2, 3, 4}),
                1e-14));
}

BOOST_AUTO_TEST_CASE(cumsum_matches_a_loop_along_every_dim) {
  manual_seed(41);
  const Tensor x = sg::randn({3, 4, 5}, kFloat64);
  for (int64_t dim = 0; dim < 3; ++dim) {
    Tensor expected = sg::zeros({3, 4, 5}, kFloat64);
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 4; ++j)
        for (int64_t k = 0; k < 5; ++k) {
          double total = 0;
          const int64_t end = dim == 0 ? i : dim == 1 ? j : k;
          for (int64_t r = 0; r <= end; ++r) total += x.at({dim == 0 ? r : i, dim == 1 ? r : j, dim == 2 ? r : k});
          expected.set_({i, j, k}, total);
        }
    BOOST_TEST(all_close(sg::cumsum(x, dim), expected, 1e-14, 1e-13));
    BOOST_TEST(all_close(sg::cumsum(x.to(kFloat32), dim), expected, 1e-5, 1e-5));
  }
  // int64 stays int64, as torch.cumsum(tensor([1, 2]), 0)
  const Tensor i = sg::tensor({1.0, 2.0, -5.0}, kInt64);
  BOOST_TEST(sg::cumsum(i, 0).dtype() == kInt64);
  BOOST_TEST(sg::cumsum(i, 0).to_vector<int64_t>() == std::vector<int64_t>({1, 3, -2}),
             boost::test_tools::per_element());
  BOOST_TEST(sg::cumsum(sg::scalar_tensor(2.5), 0).item() == 2.5);
}

BOOST_AUTO_TEST_CASE(cumsum_grads_match_finite_differences) {
  manual_seed(42);
  const Tensor x = uniform64({2, 3, 4});
  for (int64_t dim = -3; dim < 3; ++dim)
    BOOST_TEST(passes_gradcheck([=](In in) { return sg::cumsum(in[0], dim); }, {x}));
}

BOOST_AUTO_TEST_CASE(cumsum_names_the_dim_in_errors) {
  BOOST_TEST(throws_with([] { (void)sg::cumsum(sg::zeros({2, 3}), 2); }, {"cumsum:", "rank 2", "got 2"}));
}

BOOST_AUTO_TEST_SUITE_END()
