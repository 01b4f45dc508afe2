// gather, scatter, scatter_add and masked_select: values from PyTorch (the torch call beside each),
// gradients from PyTorch and by gradcheck, and the error messages, which follow PyTorch's shape rules.
#include <cmath>

#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(indexing)

namespace {
// torch: x = torch.tensor([[1.5, -2.0, 0.25, 4.0], [3.0, 0.5, -1.0, 2.5], [-0.75, 6.0, 1.25, -3.5]],
//                         dtype=torch.float64)
Tensor fixture() {
  return sg::tensor({{1.5, -2.0, 0.25, 4.0}, {3.0, 0.5, -1.0, 2.5}, {-0.75, 6.0, 1.25, -3.5}}, kFloat64);
}
Tensor iota(const Shape& shape) { return sg::arange(double(shape.numel()), kFloat64).reshape(shape); }
Tensor positions(const NestedList& values) { return sg::tensor(values, kInt64); }
}  // namespace

// ---- gather ------------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(gather_matches_torch_along_either_dim) {
  const Tensor x = fixture();
  // torch: x.gather(0, torch.tensor([[2, 0, 1, 0], [1, 1, 0, 2]]))
  BOOST_TEST(all_close(x.gather(0, positions({{2, 0, 1, 0}, {1, 1, 0, 2}})),
                       sg::tensor({{-0.75, -2.0, -1.0, 4.0}, {3.0, 0.5, 0.25, -3.5}}, kFloat64), 0));
  // torch: x.gather(1, torch.tensor([[3, 0], [1, 1], [0, 2]])): index smaller than x outside dim
  BOOST_TEST(all_close(x.gather(1, positions({{3, 0}, {1, 1}, {0, 2}})),
                       sg::tensor({{4.0, 1.5}, {0.5, 0.5}, {-0.75, 1.25}}, kFloat64), 0));
  // torch: torch.tensor(2.).gather(0, torch.tensor(0)) == 2
  BOOST_TEST(sg::gather(sg::scalar_tensor(2.0), 0, sg::scalar_tensor(0.0, kInt64)).item() == 2.0);
  BOOST_TEST(all_close(sg::gather(sg::tensor({5, 6, 7}, kInt64), 0, positions({2, 2, 0})), positions({7, 7, 5}), 0));
}

BOOST_AUTO_TEST_CASE(gather_grad_adds_up_repeated_positions) {
  // torch: (x.gather(0, idx) * torch.arange(8.).reshape(2, 4)).sum().backward(); x.grad
  Tensor x = fixture().requires_grad_();
  (x.gather(0, positions({{2, 0, 1, 0}, {1, 1, 0, 2}})) * iota({2, 4})).sum().backward();
  BOOST_TEST(
      all_close(x.grad(), sg::tensor({{0.0, 1.0, 6.0, 3.0}, {4.0, 5.0, 2.0, 0.0}, {0.0, 0.0, 0.0, 7.0}}, kFloat64), 0));
  manual_seed(41);
  const Tensor idx = positions({{{1, 0}, {2, 2}}, {{0, 0}, {1, 2}}});
  BOOST_TEST(passes_gradcheck([&](In in) { return in[0].gather(1, idx); }, {uniform64({2, 3, 3})}));
  BOOST_TEST(passes_gradcheck([&](In in) { return in[0].gather(-1, idx); }, {uniform64({3, 2, 4})}));
}

BOOST_AUTO_TEST_CASE(gather_names_the_op_and_the_shapes) {
  const Tensor x = fixture();
  // torch: "gather(): Expected dtype int64 for index"
  BOOST_TEST(throws_with([&] { (void)x.gather(0, sg::zeros({1, 1})); }, {"gather:", "int64", "float32"}));
  // torch: "Index tensor must have the same number of dimensions as input tensor"
  BOOST_TEST(throws_with([&] { (void)x.gather(0, positions({0, 1})); }, {"gather:", "as many dims", "[2]", "[3, 4]"}));
  // torch: "Size does not match at dimension 0 expected index [4, 2] to be smaller than self [3, 4] apart from
  //         dimension 1"
  BOOST_TEST(throws_with(
      [&] {
        (void)x.gather(1, sg::zeros({4, 2}, kInt64));
      },
      {"gather:", "[4, 2]", "[3, 4]", "every dim but 1"}));
  // torch: "index 5 is out of bounds for dimension 0 with size 3" (and the same for -1)
  BOOST_TEST(throws_with([&] { (void)x.gather(0, positions({{5}})); }, {"gather:", "index 5", "dim 0 of size 3"}));
  BOOST_TEST(throws_with([&] { (void)x.gather(0, positions({{0, -1}})); }, {"gather:", "index -1", "size 3"}));
}

// ---- scatter, scatter_add ----------------------------------------------------------------
BOOST_AUTO_TEST_CASE(scatter_and_scatter_add_match_torch) {
  const Tensor src = sg::tensor({{10.0, 20.0, 30.0, 40.0}, {50.0, 60.0, 70.0, 80.0}}, kFloat64);
  const Tensor base = sg::zeros({3, 4}, kFloat64);
  // torch: torch.zeros(3, 4).scatter(0, torch.tensor([[2, 0, 1, 0], [1, 2, 0, 2]]), src)
  BOOST_TEST(all_close(sg::scatter(base, 0, positions({{2, 0, 1, 0}, {1, 2, 0, 2}}), src),
                       sg::tensor({{0.0, 20.0, 70.0, 40.0}, {50.0, 0.0, 30.0, 0.0}, {10.0, 60.0, 0.0, 80.0}}, kFloat64),
                       0));
  // torch: torch.zeros(3, 4).scatter_add(0, torch.tensor([[2, 0, 1, 0], [2, 0, 0, 2]]), src)
  BOOST_TEST(all_close(sg::scatter_add(base, 0, positions({{2, 0, 1, 0}, {2, 0, 0, 2}}), src),
                       sg::tensor({{0.0, 80.0, 70.0, 40.0}, {0.0, 0.0, 30.0, 0.0}, {60.0, 0.0, 0.0, 80.0}}, kFloat64),
                       0));
  // torch: x.scatter(1, torch.tensor([[0], [3], [1]]), -9.0)
  BOOST_TEST(
      all_close(sg::scatter(fixture(), 1, positions({{0}, {3}, {1}}), -9.0),
                sg::tensor({{-9.0, -2.0, 0.25, 4.0}, {3.0, 0.5, -1.0, -9.0}, {-0.75, -9.0, 1.25, -3.5}}, kFloat64), 0));
  // torch: torch.zeros(3).scatter(0, torch.tensor([1, 1]), torch.tensor([1., 2.])) == [0, 2, 0]: the last
  // write wins
  BOOST_TEST(all_close(sg::scatter(sg::zeros({3}), 0, positions({1, 1}), sg::tensor({1.0f, 2.0f})),
                       sg::tensor({0.0f, 2.0f, 0.0f}), 0));
  const Tensor x = fixture();
  (void)sg::scatter(x, 0, positions({{0}}), sg::tensor({{7.0}}, kFloat64));
  BOOST_TEST(x.at({0, 0}) == 1.5);  // out of place: x unchanged
}

BOOST_AUTO_TEST_CASE(scatter_grads_match_torch) {
  // torch: b = torch.arange(12.).reshape(3, 4).requires_grad_(); s = src.clone().requires_grad_()
  //        (b.scatter(0, idx, s) * torch.arange(1., 13.).reshape(3, 4)).sum().backward(); b.grad, s.grad
  Tensor b = iota({3, 4}).requires_grad_();
  Tensor s = sg::tensor({{10.0, 20.0, 30.0, 40.0}, {50.0, 60.0, 70.0, 80.0}}, kFloat64).requires_grad_();
  (sg::scatter(b, 0, positions({{2, 0, 1, 0}, {1, 2, 0, 2}}), s) * sg::add(iota({3, 4}), 1.0)).sum().backward();
  BOOST_TEST(all_close(b.grad(),
                       sg::tensor({{1.0, 0.0, 0.0, 0.0}, {0.0, 6.0, 0.0, 8.0}, {0.0, 0.0, 11.0, 0.0}}, kFloat64), 0));
  BOOST_TEST(all_close(s.grad(), sg::tensor({{9.0, 2.0, 7.0, 4.0}, {5.0, 10.0, 3.0, 12.0}}, kFloat64), 0));
  // torch: s = torch.tensor([1., 2.], requires_grad=True); b = torch.zeros(3, requires_grad=True)
  //        (b.scatter(0, torch.tensor([1, 1]), s) * torch.tensor([1., 5., 7.])).sum().backward()
  //        s.grad == [5, 5] (both duplicates get it), b.grad == [1, 0, 7]
  Tensor s2 = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor b2 = sg::zeros({3}, kFloat64).requires_grad_();
  (sg::scatter(b2, 0, positions({1, 1}), s2) * sg::tensor({1.0, 5.0, 7.0}, kFloat64)).sum().backward();
  BOOST_TEST(all_close(s2.grad(), sg::tensor({5.0, 5.0}, kFloat64), 0));
  BOOST_TEST(all_close(b2.grad(), sg::tensor({1.0, 0.0, 7.0}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(scatter_grads_match_finite_differences) {
  manual_seed(42);
  // Distinct positions along dim (a repeated one would make the gradient depend on which write wins).
  const Tensor idx = positions({{{2, 0}, {0, 1}}, {{1, 2}, {2, 0}}});  // (2, 2, 2), scattered along dim 2 of 3
  const Tensor x = uniform64({2, 3, 3}), src = uniform64({2, 2, 2}), big_src = uniform64({3, 2, 4});
  BOOST_TEST(passes_gradcheck([&](In in) { return sg::scatter(in[0], 2, idx, in[1]); }, {x, src}));
  BOOST_TEST(passes_gradcheck([&](In in) { return sg::scatter_add(in[0], 2, idx, in[1]); }, {x, src}));
  BOOST_TEST(passes_gradcheck([&](In in) { return sg::scatter(in[0], -1, idx, 0.5); }, {x}));
  // A src larger than index: only the part index reaches is used, the rest gets a zero gradient.
  BOOST_TEST(passes_gradcheck([&](In in) { return sg::scatter(in[0], 2, idx, in[1]); }, {x, big_src}));
  BOOST_TEST(passes_gradcheck([&](In in) { return sg::scatter_add(in[0], 2, idx, in[1]); }, {x, big_src}));
  // Repeats add up in scatter_add, and so does its gradient check.
  const Tensor rep = positions({{1, 1, 0}});
  BOOST_TEST(passes_gradcheck([&](In in) { return sg::scatter_add(in[0], 1, rep, in[1]); },
                              {uniform64({2, 2}), uniform64({1, 3})}));
}

BOOST_AUTO_TEST_CASE(scatter_names_the_op_and_the_shapes) {
  const Tensor x = fixture(), idx = positions({{2, 0}, {1, 0}});
  // torch: "Expected index [2, 2] to be smaller than self [3, 4] apart from dimension 0 and to be smaller
  //         size than src [1, 1]"
  BOOST_TEST(throws_with(
      [&] {
        (void)sg::scatter(x, 0, idx, sg::zeros({1, 1}, kFloat64));
      },
      {"scatter:", "[2, 2]", "src [1, 1]"}));
  BOOST_TEST(throws_with(
      [&] {
        (void)sg::scatter_add(x, 0, idx, sg::zeros({1, 1}, kFloat64));
      },
      {"scatter_add:", "[2, 2]", "src [1, 1]"}));
  // torch: x.scatter(1, torch.zeros(4, 1, dtype=torch.long), torch.zeros(4, 1)) -> "... smaller than self
  //        [3, 4] apart from dimension 1 ..."
  BOOST_TEST(throws_with(
      [&] {
        (void)sg::scatter(x, 1, sg::zeros({4, 1}, kInt64), sg::zeros({4, 1}, kFloat64));
      },
      {"scatter:", "[4, 1]", "[3, 4]", "every dim but 1"}));
  // torch: "Index tensor must have the same number of dimensions as src tensor"
  BOOST_TEST(throws_with(
      [&] {
        (void)sg::scatter(x, 0, idx, sg::zeros({2, 2, 2}, kFloat64));
      },
      {"scatter:", "as many dims", "[2, 2, 2]", "[2, 2]"}));
  // torch: "scatter(): Expected self.dtype to be equal to src.dtype"
  BOOST_TEST(throws_with([&] { (void)sg::scatter(x, 0, idx, sg::zeros({2, 2})); }, {"scatter:", "dtype", "float32"}));
  // torch: "index 5 is out of bounds for dimension 0 with size 3"
  BOOST_TEST(throws_with([&] { (void)sg::scatter(x, 0, positions({{5}}), 1.0); }, {"scatter:", "index 5", "size 3"}));
  BOOST_TEST(throws_with([&] { (void)sg::scatter(x, 0, sg::zeros({1, 1}), 1.0); }, {"scatter:", "int64"}));
  // torch: torch.tensor([[1]]).scatter(0, torch.tensor([[0]]), 2.7) == [[2]], and NaN is refused
  BOOST_TEST(sg::scatter(positions({{1}}), 0, positions({{0}}), 2.7).at({0, 0}) == 2.0);
  BOOST_TEST(throws_with([&] { (void)sg::scatter(positions({{1}}), 0, positions({{0}}), NAN); }, {"scatter", "nan"}));
}

// ---- masked_select -----------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(masked_select_matches_torch_with_broadcasting) {
  const Tensor x = fixture();
  // torch: x.masked_select(m), m = [[1, 0, 1, 0], [0, 0, 1, 1], [1, 1, 0, 0]] as bool
  const Tensor m = sg::tensor({{1, 0, 1, 0}, {0, 0, 1, 1}, {1, 1, 0, 0}}, kInt64);
  BOOST_TEST(all_close(x.masked_select(m), sg::tensor({1.5, 0.25, -1.0, 2.5, -0.75, 6.0}, kFloat64), 0));
  // torch: x.masked_select(torch.tensor([True, False, False, True])): the mask broadcast to x
  BOOST_TEST(all_close(x.masked_select(sg::tensor({1.0, 0.0, 0.0, 1.0})),
                       sg::tensor({1.5, 4.0, 3.0, 2.5, -0.75, -3.5}, kFloat64), 0));
  // torch: torch.tensor([1., 2., 3.]).masked_select(torch.tensor([[True, False, True], [False, True, True]])):
  //        x broadcast to the mask
  BOOST_TEST(all_close(sg::tensor({1.0, 2.0, 3.0}).masked_select(sg::tensor({{1, 0, 1}, {0, 1, 1}}, kInt64)),
                       sg::tensor({1.0f, 3.0f, 2.0f, 3.0f}), 0));
  BOOST_TEST(x.masked_select(sg::zeros({3, 4})).shape() == Shape({0}));
  BOOST_TEST(all_close(x.masked_select(x > 2.0), sg::tensor({4.0, 3.0, 2.5, 6.0}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(masked_select_grad_scatters_back_and_sums_broadcasts) {
  // torch: (x.masked_select(m) * torch.arange(1., 7.)).sum().backward(); x.grad
  Tensor x = fixture().requires_grad_();
  const Tensor m = sg::tensor({{1, 0, 1, 0}, {0, 0, 1, 1}, {1, 1, 0, 0}}, kInt64);
  (x.masked_select(m) * sg::tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, kFloat64)).sum().backward();
  BOOST_TEST(
      all_close(x.grad(), sg::tensor({{1.0, 0.0, 2.0, 0.0}, {0.0, 0.0, 3.0, 4.0}, {5.0, 6.0, 0.0, 0.0}}, kFloat64), 0));
  // torch: r = torch.tensor([1., 2., 3.], requires_grad=True); the broadcast mask above;
  //        (r.masked_select(mask) * torch.tensor([1., 10., 100., 1000.])).sum().backward(); r.grad
  Tensor r = sg::tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  (r.masked_select(sg::tensor({{1, 0, 1}, {0, 1, 1}}, kInt64)) * sg::tensor({1.0, 10.0, 100.0, 1000.0}, kFloat64))
      .sum()
      .backward();
  BOOST_TEST(all_close(r.grad(), sg::tensor({1.0, 100.0, 1010.0}, kFloat64), 0));
  manual_seed(43);
  const Tensor mask = sg::tensor({{{1.0}, {0.0}, {1.0}}}, kFloat64);  // (1, 3, 1), broadcast against (2, 3, 2)
  BOOST_TEST(passes_gradcheck([&](In in) { return in[0].masked_select(mask); }, {uniform64({2, 3, 2})}));
}

BOOST_AUTO_TEST_CASE(masked_select_names_the_op_and_the_shapes) {
  // torch: "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0"
  BOOST_TEST(throws_with(
      [&] {
        (void)fixture().masked_select(sg::ones({2, 4}));
      },
      {"masked_select:", "[3, 4]", "[2, 4]"}));
}

BOOST_AUTO_TEST_SUITE_END()
