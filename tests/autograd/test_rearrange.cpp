// expand, repeat, flip, tril and triu: values from PyTorch (the torch call beside each), gradients by
// gradcheck, and the error messages.
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(rearrange)

namespace {
Tensor iota(const Shape& shape) { return sg::arange(double(shape.numel()), kFloat64).reshape(shape); }
}  // namespace

// ---- expand ------------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(expand_matches_torch_with_minus_one_keeping_a_size) {
  // torch: torch.tensor([[1.5], [-2.0]]).expand(2, 2, 3)
  const Tensor x = sg::tensor({{1.5}, {-2.0}}, kFloat64);
  const Tensor row = sg::tensor({{1.5, 1.5, 1.5}, {-2.0, -2.0, -2.0}}, kFloat64);
  BOOST_TEST(all_close(x.expand({2, 2, 3}), sg::stack({row, row}), 0));
  BOOST_TEST(all_close(x.expand({-1, 3}), row, 0));
  BOOST_TEST(x.expand({2, -1, -1}).shape() == Shape({2, 2, 1}));
  BOOST_TEST(x.expand({2, 0}).shape() == Shape({2, 0}));  // a size of 1 may expand to 0
  // Only size-1 dims added: the same elements, so a view of x, as in PyTorch.
  BOOST_TEST(x.expand({1, 2, 1}).data<double>() == x.data<double>());
}

BOOST_AUTO_TEST_CASE(expand_grad_sums_over_the_copies) {
  // torch: e = torch.tensor([[1.5], [-2.0]], requires_grad=True)
  //        (e.expand(3, -1, 4) * torch.arange(24.).reshape(3, 2, 4)).sum().backward(); e.grad
  Tensor e = sg::tensor({{1.5}, {-2.0}}, kFloat64).requires_grad_();
  (e.expand({3, -1, 4}) * iota({3, 2, 4})).sum().backward();
  BOOST_TEST(all_close(e.grad(), sg::tensor({{114.0}, {162.0}}, kFloat64), 0));
  manual_seed(31);
  BOOST_TEST(passes_gradcheck([](In in) { return in[0].expand({2, 3, -1, 4}); }, {uniform64({3, 1, 1})}));
}

BOOST_AUTO_TEST_CASE(expand_names_the_op_and_the_shapes) {
  const Tensor v = iota({3});
  // torch: "The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 1"
  BOOST_TEST(throws_with([&] { (void)v.expand({2, 4}); }, {"expand:", "size 4", "existing size 3", "[2, 4]", "[3]"}));
  // torch: "the number of sizes provided (1) must be greater or equal to the number of dimensions ... (2)"
  BOOST_TEST(throws_with([&] { (void)iota({3, 4}).expand({4}); }, {"expand:", "at least 2 sizes", "[3, 4]", "[4]"}));
  // torch: "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0"
  BOOST_TEST(throws_with([&] { (void)v.expand({-1, 3}); }, {"expand:", "-1", "leading dim 0", "[3]"}));
}

// ---- repeat ------------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(repeat_matches_torch) {
  // torch: torch.tensor([[1., 2.], [3., 4.]]).repeat(2, 1, 3)
  const Tensor r = sg::tensor({{1.0, 2.0}, {3.0, 4.0}}, kFloat64);
  const Tensor once = sg::tensor({{1.0, 2.0, 1.0, 2.0, 1.0, 2.0}, {3.0, 4.0, 3.0, 4.0, 3.0, 4.0}}, kFloat64);
  BOOST_TEST(all_close(r.repeat({2, 1, 3}), sg::stack({once, once}), 0));
  // torch: torch.tensor([[1., 2.], [3., 4.]]).repeat(2, 1)
  BOOST_TEST(all_close(r.repeat({2, 1}), sg::tensor({{1.0, 2.0}, {3.0, 4.0}, {1.0, 2.0}, {3.0, 4.0}}, kFloat64), 0));
  // torch: x.repeat(0, 2).shape == (0, 8) for x of shape (3, 4)
  BOOST_TEST(iota({3, 4}).repeat({0, 2}).shape() == Shape({0, 8}));
  BOOST_TEST(all_close(sg::scalar_tensor(2.0).repeat({3}), sg::tensor({2.0f, 2.0f, 2.0f}), 0));
}

BOOST_AUTO_TEST_CASE(repeat_grad_matches_torch_and_finite_differences) {
  // torch: r as above, requires_grad; (r.repeat(2, 1, 3) * torch.arange(24.).reshape(2, 2, 6)).sum().backward()
  Tensor r = sg::tensor({{1.0, 2.0}, {3.0, 4.0}}, kFloat64).requires_grad_();
  (r.repeat({2, 1, 3}) * iota({2, 2, 6})).sum().backward();
  BOOST_TEST(all_close(r.grad(), sg::tensor({{48.0, 54.0}, {84.0, 90.0}}, kFloat64), 0));
  manual_seed(32);
  BOOST_TEST(passes_gradcheck([](In in) { return in[0].repeat({2, 3, 1, 2}); }, {uniform64({2, 3, 2})}));
}

BOOST_AUTO_TEST_CASE(repeat_names_the_op_and_the_shapes) {
  const Tensor x = iota({3, 4});
  // torch: "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
  BOOST_TEST(throws_with([&] { (void)x.repeat({2}); }, {"repeat:", "at least 2 sizes", "[3, 4]", "[2]"}));
  BOOST_TEST(throws_with([&] { (void)x.repeat({-1, 2}); }, {"repeat:", "non-negative", "[-1, 2]"}));
  BOOST_TEST(throws_with([&] { (void)x.repeat({int64_t(1) << 61, 8}); }, {"repeat:", "too large"}));
}

// ---- flip --------------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(flip_matches_torch_on_several_dims) {
  // torch: torch.arange(24.).reshape(2, 3, 4).flip(0, 2)
  const Tensor f = iota({2, 3, 4});
  BOOST_TEST(all_close(f.flip({0, 2}),
                       sg::tensor({{{15.0, 14.0, 13.0, 12.0}, {19.0, 18.0, 17.0, 16.0}, {23.0, 22.0, 21.0, 20.0}},
                                   {{3.0, 2.0, 1.0, 0.0}, {7.0, 6.0, 5.0, 4.0}, {11.0, 10.0, 9.0, 8.0}}},
                                  kFloat64),
                       0));
  BOOST_TEST(all_close(f.flip({-1, 0}), f.flip({0, 2}), 0));
  BOOST_TEST(all_close(f.flip({}), f, 0));
  BOOST_TEST(all_close(sg::tensor({1, 2, 3}, kInt64).flip({0}), sg::tensor({3, 2, 1}, kInt64), 0));
  BOOST_TEST(sg::zeros({0, 3}).flip({0, 1}).shape() == Shape({0, 3}));
}

BOOST_AUTO_TEST_CASE(flip_grad_matches_finite_differences) {
  manual_seed(33);
  BOOST_TEST(passes_gradcheck([](In in) { return in[0].flip({1, 2}); }, {uniform64({2, 3, 4})}));
  BOOST_TEST(passes_gradcheck([](In in) { return in[0].flip({0}) * in[0]; }, {uniform64({5})}));
}

BOOST_AUTO_TEST_CASE(flip_names_the_op_and_the_dims) {
  const Tensor x = iota({3, 4});
  // torch: x.flip(0, 0) -> "dim 0 appears multiple times in the list of dims"
  BOOST_TEST(throws_with([&] { (void)x.flip({0, -2}); }, {"flip:", "dim 0", "more than once", "[0, -2]", "[3, 4]"}));
  BOOST_TEST(throws_with([&] { (void)x.flip({2}); }, {"flip:", "2"}));
}

// ---- tril, triu --------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(tril_and_triu_match_torch_with_a_diagonal_offset) {
  // torch: x = torch.tensor([[1.5, -2.0, 0.25, 4.0], [3.0, 0.5, -1.0, 2.5], [-0.75, 6.0, 1.25, -3.5]])
  const Tensor x = sg::tensor({{1.5, -2.0, 0.25, 4.0}, {3.0, 0.5, -1.0, 2.5}, {-0.75, 6.0, 1.25, -3.5}}, kFloat64);
  // torch: x.tril(1), x.triu(-1)
  BOOST_TEST(all_close(
      x.tril(1), sg::tensor({{1.5, -2.0, 0.0, 0.0}, {3.0, 0.5, -1.0, 0.0}, {-0.75, 6.0, 1.25, -3.5}}, kFloat64), 0));
  BOOST_TEST(all_close(
      x.triu(-1), sg::tensor({{1.5, -2.0, 0.25, 4.0}, {3.0, 0.5, -1.0, 2.5}, {0.0, 6.0, 1.25, -3.5}}, kFloat64), 0));
  // torch: t = torch.arange(1., 25.).reshape(2, 3, 4); t.tril(-1), t.triu(2): each matrix of the batch
  const Tensor t = sg::add(iota({2, 3, 4}), 1.0);
  BOOST_TEST(all_close(t.tril(-1),
                       sg::tensor({{{0.0, 0.0, 0.0, 0.0}, {5.0, 0.0, 0.0, 0.0}, {9.0, 10.0, 0.0, 0.0}},
                                   {{0.0, 0.0, 0.0, 0.0}, {17.0, 0.0, 0.0, 0.0}, {21.0, 22.0, 0.0, 0.0}}},
                                  kFloat64),
                       0));
  BOOST_TEST(all_close(t.triu(2),
                       sg::tensor({{{0.0, 0.0, 3.0, 4.0}, {0.0, 0.0, 0.0, 8.0}, {0.0, 0.0, 0.0, 0.0}},
                                   {{0.0, 0.0, 15.0, 16.0}, {0.0, 0.0, 0.0, 20.0}, {0.0, 0.0, 0.0, 0.0}}},
                                  kFloat64),
                       0));
  BOOST_TEST(all_close(sg::tril(t, -5), sg::zeros({2, 3, 4}, kFloat64), 0));
  BOOST_TEST(all_close(sg::triu(t, -5), t, 0));
}

BOOST_AUTO_TEST_CASE(tril_and_triu_grads_match_torch_and_finite_differences) {
  // torch: (x.tril(1) * torch.arange(12.).reshape(3, 4)).sum().backward(); x.grad
  Tensor x = sg::zeros({3, 4}, kFloat64).requires_grad_();
  (x.tril(1) * iota({3, 4})).sum().backward();
  BOOST_TEST(all_close(x.grad(),
                       sg::tensor({{0.0, 1.0, 0.0, 0.0}, {4.0, 5.0, 6.0, 0.0}, {8.0, 9.0, 10.0, 11.0}}, kFloat64), 0));
  manual_seed(34);
  BOOST_TEST(passes_gradcheck([](In in) { return in[0].tril(-1); }, {uniform64({2, 3, 4})}));
  BOOST_TEST(passes_gradcheck([](In in) { return in[0].triu(1); }, {uniform64({2, 4, 3})}));
}

BOOST_AUTO_TEST_CASE(tril_and_triu_name_the_op_and_the_shape) {
  BOOST_TEST(throws_with([&] { (void)iota({3}).tril(); }, {"tril:", "at least 2 dims", "[3]"}));
  BOOST_TEST(throws_with([&] { (void)sg::scalar_tensor(1.0).triu(); }, {"triu:", "at least 2 dims", "[]"}));
}

BOOST_AUTO_TEST_SUITE_END()
