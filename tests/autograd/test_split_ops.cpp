// select, x[i], x[{i, j}], split and chunk: values from PyTorch (the torch call beside each), gradients
// by gradcheck, views of x where narrow's are, and the error messages.
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(split_ops)

namespace {
// torch: x = torch.tensor([[1.5, -2.0, 0.25, 4.0], [3.0, 0.5, -1.0, 2.5], [-0.75, 6.0, 1.25, -3.5]],
//                         dtype=torch.float64)
Tensor fixture() {
  return sg::tensor({{1.5, -2.0, 0.25, 4.0}, {3.0, 0.5, -1.0, 2.5}, {-0.75, 6.0, 1.25, -3.5}}, kFloat64);
}
}  // namespace

// ---- select, x[i], x[{i, j}] ------------------------------------------------------------
BOOST_AUTO_TEST_CASE(select_matches_torch_with_negative_indices) {
  const Tensor x = fixture();
  // torch: x.select(1, -2), x[2], x[1][3]
  BOOST_TEST(all_close(x.select(1, -2), sg::tensor({0.25, -1.0, 1.25}, kFloat64), 0));
  BOOST_TEST(all_close(x[2], sg::tensor({-0.75, 6.0, 1.25, -3.5}, kFloat64), 0));
  BOOST_TEST(all_close(x[-1], x[2], 0));
  const Tensor e = x[1][3];
  BOOST_TEST(e.dim() == 0);
  BOOST_TEST(e.item() == 2.5);
  BOOST_TEST((x[{1, 3}].item() == 2.5));
  BOOST_TEST((x[{1, -1}].item() == 2.5));
}

BOOST_AUTO_TEST_CASE(select_grad_matches_torch_and_finite_differences) {
  // torch: (x.select(1, -2) * torch.tensor([2., -1., 3.])).sum().backward(); x.grad
  Tensor x = fixture().requires_grad_();
  (x.select(1, -2) * sg::tensor({2.0, -1.0, 3.0}, kFloat64)).sum().backward();
  BOOST_TEST(all_close(x.grad(),
                       sg::tensor({{0.0, 0.0, 2.0, 0.0}, {0.0, 0.0, -1.0, 0.0}, {0.0, 0.0, 3.0, 0.0}}, kFloat64), 0));
  manual_seed(21);
  const Tensor u = uniform64({3, 4, 2});
  BOOST_TEST(passes_gradcheck([](In in) { return in[0].select(1, 2); }, {u}));
  BOOST_TEST(passes_gradcheck([](In in) { return in[0].select(-1, -1); }, {u}));
  BOOST_TEST(passes_gradcheck([](In in) { return in[0][{2, 1}]; }, {u}));
  BOOST_TEST(passes_gradcheck([](In in) { return in[0][1][3] * in[0][0]; }, {u}));
}

BOOST_AUTO_TEST_CASE(a_braced_index_is_always_a_list_of_indices) {
  const Tensor x = fixture();
  // x[{i}] is x[i], and x[{}] is x itself (torch: x[()]): with only an int64_t overload, {} would
  // quietly become index 0.
  BOOST_TEST(x[{}].shape() == x.shape());
  BOOST_TEST(all_close(x[{}], x, 0));
  BOOST_TEST(all_close(x[{1}], x[1], 0));
}

BOOST_AUTO_TEST_CASE(rows_picked_by_index_are_views_that_write_through_to_the_base) {
  // torch: b = torch.zeros(2, 3, 4); b[1][2] += 1; b[0, 1].fill_(5); b[0, 2, 3].fill_(7): all land in b
  Tensor b = sg::zeros({2, 3, 4}, kFloat64);
  Tensor row = b[1][2];  // a view of a view
  BOOST_TEST(row.data<double>() == b.data<double>() + 20);
  row += 1.0;
  b[{0, 1}].fill_(5.0);
  b[{0, 2, 3}].fill_(7.0);
  BOOST_TEST(b.sum().item() == 4.0 + 20.0 + 7.0);
  BOOST_TEST(b.at({1, 2, 0}) == 1.0);
  BOOST_TEST(b.at({0, 1, 3}) == 5.0);
  BOOST_TEST(b.at({0, 2, 3}) == 7.0);
  // A view of the base made earlier sees the change, and a saved view is refused once the base changed.
  Tensor w = sg::ones({4}, kFloat64).requires_grad_();
  const Tensor y = (w * b[0][1]).sum();
  b[1].fill_(2.0);
  BOOST_TEST(throws_with([&] { y.backward(); }, {"modified in place", "mul"}));
}

BOOST_AUTO_TEST_CASE(gradient_through_nested_views_reaches_the_right_elements) {
  // torch: x = torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
  //        (x.view(3, 2)[1] * torch.tensor([5., 7.])).sum().backward(); x.grad
  Tensor x = sg::zeros({2, 3}, kFloat64).requires_grad_();
  (x.view({3, 2})[1] * sg::tensor({5.0, 7.0}, kFloat64)).sum().backward();
  BOOST_TEST(all_close(x.grad(), sg::tensor({{0.0, 0.0, 5.0}, {7.0, 0.0, 0.0}}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(select_names_the_op_and_the_shape_when_out_of_range) {
  const Tensor x = fixture();
  // torch: x.select(0, 3) -> "select(): index 3 out of range for tensor of size [3, 4] at dimension 0"
  BOOST_TEST(throws_with([&] { (void)x.select(0, 3); }, {"select:", "index 3", "[3, 4]", "dim 0"}));
  BOOST_TEST(throws_with([&] { (void)x[-4]; }, {"select:", "index -4", "[3, 4]"}));
  BOOST_TEST(throws_with([&] { (void)x.select(2, 0); }, {"select:", "2"}));
  BOOST_TEST(throws_with([&] { (void)x[{1, 2, 0}]; }, {"select:", "0-dim", "[]"}));
}

// ---- split, chunk ------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(split_by_size_matches_torch) {
  const Tensor x = fixture();
  // torch: x.split(2) -> rows 0..1 and row 2
  const auto parts = sg::split(x, 2);
  BOOST_TEST(parts.size() == 2u);
  BOOST_TEST(all_close(parts[0], sg::tensor({{1.5, -2.0, 0.25, 4.0}, {3.0, 0.5, -1.0, 2.5}}, kFloat64), 0));
  BOOST_TEST(all_close(parts[1], sg::tensor({{-0.75, 6.0, 1.25, -3.5}}, kFloat64), 0));
  BOOST_TEST(parts[1].data<double>() == x.data<double>() + 8);  // a view along the first dim
  // torch: torch.zeros(0, 2).split(0) gives one empty piece
  BOOST_TEST(sg::split(sg::zeros({0, 2}), 0).size() == 1u);
  BOOST_TEST(sg::split(x, 5).size() == 1u);
}

BOOST_AUTO_TEST_CASE(split_by_sizes_matches_torch) {
  const Tensor x = fixture();
  // torch: x.split([1, 3], 1)
  const auto parts = sg::split(x, {1, 3}, 1);
  BOOST_TEST(parts.size() == 2u);
  BOOST_TEST(all_close(parts[0], sg::tensor({{1.5}, {3.0}, {-0.75}}, kFloat64), 0));
  BOOST_TEST(all_close(parts[1], sg::tensor({{-2.0, 0.25, 4.0}, {0.5, -1.0, 2.5}, {6.0, 1.25, -3.5}}, kFloat64), 0));
  BOOST_TEST(sg::split(x, std::vector<int64_t>{0, 3, 0}).size() == 3u);
}

BOOST_AUTO_TEST_CASE(split_with_one_braced_size_means_a_list_not_a_split_size) {
  // torch.split(x, [1]) must sum to the dim, while torch.split(x, 1) cuts it in pieces of 1: {1} is the
  // list. (Without the initializer_list overload, {1} would pick the int64_t split_size.)
  const Tensor x = fixture();
  BOOST_TEST(throws_with([&] { (void)sg::split(x, {1}); }, {"split:", "sum exactly to 3", "[3, 4]", "[1]"}));
  BOOST_TEST(sg::split(x, {3}).size() == 1u);
  BOOST_TEST(sg::split(x, 1).size() == 3u);
}

BOOST_AUTO_TEST_CASE(chunk_matches_torch) {
  const Tensor x = fixture();
  // torch: x.chunk(3, 1) -> two pieces of 2 columns
  const auto parts = sg::chunk(x, 3, 1);
  BOOST_TEST(parts.size() == 2u);
  BOOST_TEST(all_close(parts[0], sg::tensor({{1.5, -2.0}, {3.0, 0.5}, {-0.75, 6.0}}, kFloat64), 0));
  BOOST_TEST(all_close(parts[1], sg::tensor({{0.25, 4.0}, {-1.0, 2.5}, {1.25, -3.5}}, kFloat64), 0));
  // torch: torch.zeros(5, 2).chunk(3) -> sizes 2, 2, 1; torch.zeros(6, 2).chunk(4) -> 2, 2, 2;
  //        torch.zeros(0, 2).chunk(3) -> three empty pieces
  std::vector<int64_t> sizes;
  for (const Tensor& p : sg::chunk(sg::zeros({5, 2}), 3)) sizes.push_back(p.size(0));
  BOOST_TEST(sizes == std::vector<int64_t>({2, 2, 1}), boost::test_tools::per_element());
  BOOST_TEST(sg::chunk(sg::zeros({6, 2}), 4).size() == 3u);
  BOOST_TEST(sg::chunk(sg::zeros({0, 2}), 3).size() == 3u);
}

BOOST_AUTO_TEST_CASE(split_and_chunk_grads_match_finite_differences) {
  manual_seed(22);
  const Tensor u = uniform64({5, 3});
  // Each piece weighted differently, so a gradient sent to the wrong piece shows.
  BOOST_TEST(passes_gradcheck(
      [](In in) {
        auto p = sg::split(in[0], 2);
        return p[0].sum() + 2.0 * p[2].sum() - p[1][1].sum();
      },
      {u}));
  BOOST_TEST(passes_gradcheck(
      [](In in) {
        auto p = sg::split(in[0], {1, 2}, 1);
        return sg::cat({p[1], p[0]}, 1);
      },
      {u}));
  BOOST_TEST(passes_gradcheck(
      [](In in) {
        auto p = sg::chunk(in[0], 2, 1);
        return p[0] * 3.0 + p[1].sum();
      },
      {u}));
}

BOOST_AUTO_TEST_CASE(split_and_chunk_name_the_op_and_the_shape_on_bad_sizes) {
  const Tensor x = fixture();
  // torch: x.split(0) -> "split_size can only be 0 if dimension size is 0, but got dimension size of 3"
  BOOST_TEST(throws_with([&] { (void)sg::split(x, 0); }, {"split:", "split_size", "[3, 4]"}));
  BOOST_TEST(throws_with([&] { (void)sg::split(x, -1); }, {"split:", "-1", "[3, 4]"}));
  // torch: x.split([1, 1]) -> "split_with_sizes expects split_sizes to sum exactly to 3 ..."
  BOOST_TEST(throws_with([&] { (void)sg::split(x, {1, 1}); }, {"split:", "sum exactly to 3", "[3, 4]", "[1, 1]"}));
  BOOST_TEST(throws_with([&] { (void)sg::split(x, {4, -1}); }, {"split:", "non-negative", "[4, -1]"}));
  BOOST_TEST(throws_with([&] { (void)sg::split(sg::scalar_tensor(1.0), 1); }, {"split:", "0-dim"}));
  // torch: x.chunk(0) -> "chunk expects `chunks` to be greater than 0, got: 0"
  BOOST_TEST(throws_with([&] { (void)sg::chunk(x, 0); }, {"chunk:", "positive", "0", "[3, 4]"}));
}

BOOST_AUTO_TEST_SUITE_END()
