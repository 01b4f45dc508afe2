// var, std and norm over several dims: values and gradients against PyTorch's on one tensor, against
// loops written here on random ones, finite differences, the values at 0, and the error messages.
#include <cmath>
#include <limits>

#include "tests/autograd/reduce_fixture.h"
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(statistics)

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

// var of the flat values with the given correction, by the textbook two-pass formula.
double naive_var(const std::vector<double>& v, double correction) {
  double mean = 0, squares = 0;
  for (double e : v) mean += e / double(v.size());
  for (double e : v) squares += (e - mean) * (e - mean);
  return squares / std::max(0.0, double(v.size()) - correction);
}
}  // namespace

BOOST_AUTO_TEST_CASE(var_and_std_match_torch) {
  const Tensor x = reduce_fixture();
  // torch.var(x, dim=[1, 2]); torch.var(x, dim=[0], correction=0, keepdim=True); torch.var(x)
  BOOST_TEST(all_close(sg::var(x, {1, 2}), sg::tensor({8.433238636364, 6.652935606061}, kFloat64), 1e-11));
  BOOST_TEST(all_close(
      sg::var(x, {0}, 0, true),
      sg::tensor({{{0.0625, 2.25, 3.515625, 4.0}, {9.765625, 1.265625, 12.25, 1.0}, {9.0, 10.5625, 0.765625, 6.25}}},
                 kFloat64),
      1e-12));
  BOOST_TEST(sg::var(x).item() == 7.434329710145, boost::test_tools::tolerance(1e-11));
  BOOST_TEST(sg::var(x).dim() == 0);
  // torch.std(x, dim=[0, 2]); torch.std(x, None, correction=0)
  BOOST_TEST(
      all_close(sg::std(x, {0, 2}), sg::tensor({2.050424607594, 3.181278943175, 3.067506840137}, kFloat64), 1e-11));
  BOOST_TEST(sg::std(x, {}, 0).item() == 2.669188260918, boost::test_tools::tolerance(1e-11));
  // gradients of (y * w).sum() for torch.var(x, dim=[1, 2]) and torch.std(x, dim=[0, 2])
  BOOST_TEST(all_close(
      weighted_grad(x, sg::var(x, {1, 2})),
      sg::tensor({-0.214772727273, 0.357954545455,  -0.501136363636, -0.051136363636, -0.623863636364, -0.092045454545,
                  1.0125,          -0.296590909091, 0.194318181818,  -0.378409090909, -0.010227272727, 0.603409090909,
                  -0.126231060606, 0.014678030303,  0.226041666667,  -0.478503787879, 0.472632575758,  -0.267140151515,
                  0.014678030303,  0.155587121212,  -0.548958333333, 0.719223484848,  -0.126231060606, -0.055776515152},
                 kFloat64)
          .reshape({2, 3, 4}),
      1e-11));
  BOOST_TEST(all_close(
      weighted_grad(x, sg::std(x, {0, 2})),
      sg::tensor({-0.013716671121, 0.205750066809,  -0.123450040086, 0.048988111145,  -0.128331697994, -0.015225794677,
                  0.219686466058,  -0.058728065184, 0.040676938053,  -0.065272295946, 0.002837925911,  0.116354962338,
                  -0.045069062253, 0.017635720012,  0.111692893411,  -0.201831017918, 0.089179654538,  -0.093529881589,
                  -0.023926248779, 0.010875567627,  -0.140950320231, 0.131490567196,  -0.050136691089, -0.035001086232},
                 kFloat64)
          .reshape({2, 3, 4}),
      1e-11));
}

BOOST_AUTO_TEST_CASE(var_matches_a_loop_over_every_dim_set_and_correction) {
  manual_seed(21);
  const Tensor x = sg::randn({2, 3, 4}, kFloat64);
  const auto v = x.to_vector<double>();
  for (double correction : {0.0, 1.0, 2.5}) {
    // over dim 1: each (i, k) column
    std::vector<double> expected;
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t k = 0; k < 4; ++k) {
        std::vector<double> column;
        for (int64_t j = 0; j < 3; ++j) column.push_back(v[size_t((i * 3 + j) * 4 + k)]);
        expected.push_back(naive_var(column, correction));
      }
    BOOST_TEST(all_close(sg::var(x, 1, correction), sg::tensor(expected, {2, 4}), 1e-13, 1e-12));
    BOOST_TEST(all_close(sg::var(x, {-1, 0, 1}, correction), sg::scalar_tensor(naive_var(v, correction), kFloat64),
                         1e-13, 1e-12));
    BOOST_TEST(all_close(sg::std(x, {1}, correction, true), sg::sqrt(sg::tensor(expected, {2, 1, 4})), 1e-13, 1e-12));
  }
  // n - correction <= 0 divides by 0, as torch.var(tensor([1., 2, 3]), None, correction=3) gives inf,
  // and torch.var(tensor([1., 1, 1]), None, correction=5) nan.
  BOOST_TEST(std::isinf(sg::var(sg::tensor({1.0, 2.0, 3.0}), {}, 3).item()));
  BOOST_TEST(std::isnan(sg::var(sg::tensor({1.0, 1.0, 1.0}), {}, 5).item()));
  BOOST_TEST(all_close(sg::var(x.to(kFloat32), {0, 2}), sg::var(x, {0, 2}), 1e-5, 1e-5));
}

BOOST_AUTO_TEST_CASE(var_and_std_grads_match_finite_differences) {
  manual_seed(22);
  const Tensor x = uniform64({2, 3, 4});
  for (double correction : {0.0, 1.0}) {
    BOOST_TEST(passes_gradcheck([=](In in) { return sg::var(in[0], {0, 2}, correction); }, {x}));
    BOOST_TEST(passes_gradcheck([=](In in) { return sg::var(in[0], 1, correction, true); }, {x}));
    BOOST_TEST(passes_gradcheck([=](In in) { return sg::std(in[0], {}, correction); }, {x}));
    BOOST_TEST(passes_gradcheck([=](In in) { return sg::std(in[0], {-1, 1}, correction, true); }, {x}));
  }
}

BOOST_AUTO_TEST_CASE(std_has_gradient_zero_where_it_is_zero) {
  // torch.std(tensor([2., 2, 2])).backward() gives [0, 0, 0] (the composition sqrt(var) would give NaN)
  const Tensor x = sg::tensor({{2.0, 2.0, 2.0}, {1.0, 2.0, 3.0}}, kFloat64).requires_grad_();
  sg::std(x, 1).sum().backward();
  BOOST_TEST(all_close(x.grad(), sg::tensor({{0.0, 0.0, 0.0}, {-0.5, 0.0, 0.5}}, kFloat64), 1e-15));
}

BOOST_AUTO_TEST_CASE(norm_matches_torch) {
  const Tensor x = reduce_fixture();
  // torch.linalg.vector_norm(x, 1, dim=[2]), (x, 2, dim=[0, 1]), (x, inf), (x, 2)
  BOOST_TEST(all_close(sg::norm(x, 1, 2), sg::tensor({{7.25, 12.75, 7.25}, {8.0, 6.25, 12.5}}, kFloat64), 1e-14));
  BOOST_TEST(all_close(sg::norm(x, 2, {0, 1}),
                       sg::tensor({7.301540933255, 6.067330549756, 7.202430145444, 6.244997998398}, kFloat64), 1e-11));
  BOOST_TEST(sg::norm(x, kInf).item() == 6.0);
  BOOST_TEST(sg::norm(x).item() == 13.453624047074, boost::test_tools::tolerance(1e-11));
  BOOST_TEST(sg::norm(x, 2, {0, 1, 2}, true).shape() == Shape({1, 1, 1}));
  BOOST_TEST(all_close(weighted_grad(x, sg::norm(x, 2, {0, 1})),
                       sg::tensor({-0.184892478497, 0.255466549463, -0.293303781827, -0.042033640374, -0.493046609326,
                                   -0.095799956049, 0.54148390491,  -0.168134561495, 0.123261652332,  -0.319333186829,
                                   -0.022561829371, 0.294235482617, -0.246523304663, -0.127733274732, 0.045123658743,
                                   -0.378302763365, 0.277338717746, -0.383199824195, -0.090247317485, 0.0,
                                   -0.616308261658, 0.510933098927, -0.18049463497,  -0.126100921122},
                                  kFloat64)
                           .reshape({2, 3, 4}),
                       1e-11));
}

BOOST_AUTO_TEST_CASE(norm_gradients_at_zero_and_at_ties_are_torchs) {
  for (double p : {1.0, 2.0, kInf}) {
    BOOST_TEST_CONTEXT("p " << p) {
      // torch.linalg.vector_norm(zeros(3), p).backward() gives zeros for p = 1, 2 and inf
      const Tensor z = sg::zeros({2, 3}, kFloat64).requires_grad_();
      sg::norm(z, p, 1).sum().backward();
      BOOST_TEST(all_close(z.grad(), sg::zeros({2, 3}, kFloat64), 0, 0));
    }
  }
  // torch.linalg.vector_norm(tensor([3., -3, 1]), inf).backward(): [0.5, -0.5, 0]
  const Tensor x = sg::tensor({3.0, -3.0, 1.0}, kFloat64).requires_grad_();
  sg::norm(x, kInf).backward();
  BOOST_TEST(all_close(x.grad(), sg::tensor({0.5, -0.5, 0.0}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(norm_grads_match_finite_differences) {
  manual_seed(23);
  const Tensor x = uniform64({2, 3, 4});  // no exact zeros or ties: off the kinks of |x| and max
  for (double p : {1.0, 2.0, kInf}) {
    BOOST_TEST_CONTEXT("p " << p) {
      BOOST_TEST(passes_gradcheck([=](In in) { return sg::norm(in[0], p); }, {x}));
      BOOST_TEST(passes_gradcheck([=](In in) { return sg::norm(in[0], p, {0, 2}, true); }, {x}));
      BOOST_TEST(passes_gradcheck([=](In in) { return sg::norm(in[0], p, -1); }, {x}));
    }
  }
}

BOOST_AUTO_TEST_CASE(statistics_name_the_op_and_the_shape_in_errors) {
  const Tensor x = sg::zeros({2, 3});
  BOOST_TEST(throws_with([&] { (void)sg::var(x, {0, 0}); }, {"var: dim 0 appears more than once in the list of dims"}));
  BOOST_TEST(throws_with([&] { (void)sg::std(x, {2}); }, {"std:", "got 2"}));
  BOOST_TEST(throws_with([&] { (void)sg::var(sg::zeros({2, 0}), 1); }, {"var:", "[2, 0]"}));
  BOOST_TEST(throws_with([&] { (void)sg::std(sg::zeros({3}, kInt64)); }, {"std:", "[3]", "int64"}));
  BOOST_TEST(throws_with([&] { (void)sg::norm(x, 3); }, {"norm: p must be 1, 2 or inf, got 3", "[2, 3]"}));
  BOOST_TEST(throws_with(
      [&] {
        (void)sg::norm(x, 2, {0, 1, 0});
      },
      {"norm: expected at most 2 dims for shape [2, 3], got 3"}));
  BOOST_TEST(throws_with([&] { (void)sg::norm(sg::zeros({0, 2}), kInf); }, {"norm:", "[0, 2]"}));
}

BOOST_AUTO_TEST_SUITE_END()
