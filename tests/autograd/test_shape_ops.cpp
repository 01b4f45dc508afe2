// Shape ops: reshape and friends (no copy), transpose/permute, broadcast_to/reduce_to, narrow/slice,
// index_select, cat, stack, pad. Forward values by hand or naive loops; gradients by gradcheck.
#include <limits>

#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(shape_ops)

namespace {
// 0, 1, 2, ... as float64 in the given shape: every element names its own flat index.
Tensor iota(const Shape& shape) { return sg::arange(double(shape.numel()), kFloat64).reshape(shape); }

Tensor int_index(std::vector<int64_t> values) {
  const int64_t n = int64_t(values.size());
  return sg::tensor(values, {n});
}
}  // namespace

// ---- reshape, flatten, unsqueeze, squeeze ----------------------------------------
BOOST_AUTO_TEST_CASE(reshape_infers_minus_one_and_shares_storage) {
  Tensor x = iota({2, 3, 4});
  const Tensor y = x.reshape({4, -1});
  BOOST_TEST(y.shape() == Shape({4, 6}));
  BOOST_TEST(x.reshape({-1}).shape() == Shape({24}));
  BOOST_TEST(x.reshape({2, -1, 2}).shape() == Shape({2, 6, 2}));
  BOOST_TEST(y.data<double>() == x.data<double>());  // the same buffer: no copy
  x.set_({1, 2, 3}, -5.0);                              // flat index 23
  BOOST_TEST(y.at({3, 5}) == -5.0);
  BOOST_TEST(sg::tensor({7.0}).reshape({}).dim() == 0);
}

BOOST_AUTO_TEST_CASE(reshape_grad_matches_finite_differences) {
  manual_seed(1);
  const Tensor x = uniform64({2, 3, 2});
  BOOST_TEST(passes_gradcheck([](In in) { return in[0].reshape({3, -1}); }, {x}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::flatten(in[0]); }, {x}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::flatten(in[0], 1); }, {x}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::unsqueeze(in[0], 1); }, {x}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::squeeze(sg::unsqueeze(in[0], -1), 3); }, {x}));
}

BOOST_AUTO_TEST_CASE(flatten_merges_the_chosen_dims) {
  const Tensor x = iota({2, 3, 4, 5});
  BOOST_TEST(sg::flatten(x).shape() == Shape({120}));
  BOOST_TEST(sg::flatten(x, 1).shape() == Shape({2, 60}));
  BOOST_TEST(sg::flatten(x, 1, 2).shape() == Shape({2, 12, 5}));
  BOOST_TEST(sg::flatten(x, -2, -1).shape() == Shape({2, 3, 20}));
  BOOST_TEST(sg::flatten(sg::scalar_tensor(3.0)).shape() == Shape({1}));
  BOOST_TEST(all_close(sg::flatten(x, 1), sg::arange(120.0, kFloat64).reshape({2, 60}), 0));
  BOOST_TEST(throws_with([&] { (void)sg::flatten(x, 2, 1); }, {"flatten", "[2, 3, 4, 5]"}));
}

BOOST_AUTO_TEST_CASE(unsqueeze_and_squeeze_add_and_remove_size_one_dims) {
  const Tensor x = iota({2, 3});
  BOOST_TEST(sg::unsqueeze(x, 0).shape() == Shape({1, 2, 3}));
  BOOST_TEST(sg::unsqueeze(x, 2).shape() == Shape({2, 3, 1}));
  BOOST_TEST(sg::unsqueeze(x, -1).shape() == Shape({2, 3, 1}));
  BOOST_TEST(sg::squeeze(sg::unsqueeze(x, 1), 1).shape() == Shape({2, 3}));
  BOOST_TEST(throws_with([&] { (void)sg::squeeze(x, 0); }, {"squeeze", "[2, 3]"}));
  BOOST_TEST(throws_with([&] { (void)sg::unsqueeze(x, 3); }, {"unsqueeze", "3"}));
}

// ---- view, squeeze() -----------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(view_matches_torch_and_shares_storage) {
  // torch: x = torch.tensor([[0.5, -1.25, 2.0], [3.5, 0.25, -0.75]], dtype=torch.float64); x.view(3, 2)
  Tensor x = sg::tensor({{0.5, -1.25, 2.0}, {3.5, 0.25, -0.75}}, kFloat64);
  const Tensor v = x.view({3, 2});
  BOOST_TEST(all_close(v, sg::tensor({{0.5, -1.25}, {2.0, 3.5}, {0.25, -0.75}}, kFloat64), 0));
  BOOST_TEST(v.data<double>() == x.data<double>());
  BOOST_TEST(x.view({-1, 1, 3, 1}).shape() == Shape({2, 1, 3, 1}));
  x.set_({1, 0}, 7.0);
  BOOST_TEST(v.at({1, 1}) == 7.0);
}

BOOST_AUTO_TEST_CASE(view_grad_matches_torch_and_finite_differences) {
  // torch: x as above, requires_grad; w = [[1, 2], [3, 4], [5, 6]]; (x.view(3, 2) ** 2 * w).sum().backward()
  Tensor x = sg::tensor({{0.5, -1.25, 2.0}, {3.5, 0.25, -0.75}}, kFloat64).requires_grad_();
  const Tensor w = sg::tensor({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}, kFloat64);
  const Tensor v = x.view({3, 2});
  (v * v * w).sum().backward();
  BOOST_TEST(all_close(x.grad(), sg::tensor({{1.0, -5.0, 12.0}, {28.0, 2.5, -9.0}}, kFloat64), 0));
  BOOST_TEST(v.grad_fn()->name() == "view");
  manual_seed(11);
  BOOST_TEST(passes_gradcheck([](In in) { return in[0].view({3, -1}); }, {uniform64({2, 3, 2})}));
  BOOST_TEST(passes_gradcheck([](In in) { return in[0].view({2, 1, 3, 1, 2}).squeeze(); }, {uniform64({2, 3, 2})}));
}

BOOST_AUTO_TEST_CASE(view_refuses_sizes_that_do_not_agree_naming_both_shapes) {
  // torch: x.view(3, 5) -> "shape '[3, 5]' is invalid for input of size 12"
  const Tensor x = iota({3, 4});
  BOOST_TEST(throws_with([&] { (void)x.view({3, 5}); }, {"view:", "[3, 5]", "[3, 4]", "12 elements"}));
  BOOST_TEST(throws_with([&] { (void)x.view({5, -1}); }, {"view:", "[5, -1]", "[3, 4]"}));
  BOOST_TEST(throws_with([&] { (void)x.view({-1, -1}); }, {"view:", "only one size may be -1"}));
  BOOST_TEST(throws_with([&] { (void)x.reshape({3, 5}); }, {"reshape:", "[3, 5]", "[3, 4]"}));
}

BOOST_AUTO_TEST_CASE(squeeze_without_a_dim_removes_every_size_one_dim) {
  // torch: torch.zeros(1, 2, 1, 3, 1).squeeze().shape == (2, 3); torch.zeros(1, 1).squeeze().shape == ()
  const Tensor x = iota({1, 2, 1, 3, 1});
  const Tensor y = x.squeeze();
  BOOST_TEST(y.shape() == Shape({2, 3}));
  BOOST_TEST(y.data<double>() == x.data<double>());
  BOOST_TEST(all_close(y, iota({2, 3}), 0));
  BOOST_TEST(sg::squeeze(sg::zeros({1, 1})).dim() == 0);
  BOOST_TEST(sg::squeeze(sg::scalar_tensor(2.0)).dim() == 0);
  BOOST_TEST(sg::squeeze(iota({2, 3})).shape() == Shape({2, 3}));
}

BOOST_AUTO_TEST_CASE(in_place_change_through_a_view_of_a_view_is_seen_by_the_base) {
  // torch: b = torch.zeros(2, 3, 4); vv = b.view(6, 4).narrow(0, 2, 1).view(2, 2); vv += 1 -> b[0, 2] == 1
  Tensor b = sg::zeros({2, 3, 4}, kFloat64);
  Tensor vv = b.view({6, 4}).narrow(0, 2, 1).view({2, 2});
  vv += 1.0;
  BOOST_TEST(all_close(b.narrow(0, 0, 1).view({3, 4}).narrow(0, 2, 1), sg::ones({1, 4}, kFloat64), 0));
  BOOST_TEST(b.sum().item() == 4.0);
  // ... and backward refuses a saved view whose base changed afterwards.
  Tensor w = sg::ones({2, 2}, kFloat64).requires_grad_();
  const Tensor y = (w * b.view({6, 4}).narrow(0, 1, 1).view({2, 2})).sum();
  b.view({-1}).fill_(3.0);
  BOOST_TEST(throws_with([&] { y.backward(); }, {"modified in place", "mul"}));
}

// ---- transpose, permute --------------------------------------------------------------
BOOST_AUTO_TEST_CASE(transpose_swaps_two_dims) {
  const Tensor x = iota({2, 3});
  BOOST_TEST(all_close(x.t(), sg::tensor({{0.0, 3.0}, {1.0, 4.0}, {2.0, 5.0}}, kFloat64), 0));
  const Tensor z = iota({2, 3, 4});
  const Tensor y = sg::transpose(z, 0, 2);  // y[k, j, i] = z[i, j, k]
  BOOST_TEST(y.shape() == Shape({4, 3, 2}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 4; ++k) BOOST_TEST(y.at({k, j, i}) == z.at({i, j, k}));
}

BOOST_AUTO_TEST_CASE(permute_matches_a_naive_loop) {
  const Tensor x = iota({2, 3, 4, 5});
  const Tensor y = sg::permute(x, {2, 0, 3, 1});  // y[c, a, d, b] = x[a, b, c, d]
  BOOST_TEST(y.shape() == Shape({4, 2, 5, 3}));
  bool all_equal = true;
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t c = 0; c < 4; ++c)
        for (int64_t d = 0; d < 5; ++d) all_equal = all_equal && y.at({c, a, d, b}) == x.at({a, b, c, d});
  BOOST_TEST(all_equal);
  BOOST_TEST(all_close(sg::permute(x, {-4, -3, -2, -1}), x, 0));
}

BOOST_AUTO_TEST_CASE(transpose_and_permute_grads_match_finite_differences) {
  manual_seed(2);
  const Tensor x = uniform64({2, 3, 4});
  BOOST_TEST(passes_gradcheck([](In in) { return sg::transpose(in[0], 0, 1); }, {x}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::transpose(in[0], -1, 0); }, {x}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::permute(in[0], {1, 2, 0}); }, {x}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::permute(in[0], {2, 0, 1}); }, {x}));
}

BOOST_AUTO_TEST_CASE(permute_refuses_what_is_not_a_permutation) {
  const Tensor x = iota({2, 3});
  BOOST_TEST(throws_with([&] { (void)sg::permute(x, {0, 0}); }, {"permute", "[0, 0]"}));
  BOOST_TEST(throws_with([&] { (void)sg::permute(x, {0}); }, {"permute", "[2, 3]", "[0]"}));
  BOOST_TEST(throws_with([&] { (void)sg::permute(x, {0, 2}); }, {"permute", "2"}));
  BOOST_TEST(throws_with([&] { (void)sg::transpose(x, 0, 2); }, {"transpose", "2"}));
}

// ---- broadcast_to, reduce_to -----------------------------------------------------------
BOOST_AUTO_TEST_CASE(broadcast_to_repeats_along_size_one_dims) {
  const Tensor x = sg::tensor({1.0, 2.0, 3.0}, kFloat64).reshape({3, 1});
  BOOST_TEST(all_close(sg::broadcast_to(x, {2, 3, 2}),
                       sg::tensor({{{1.0, 1.0}, {2.0, 2.0}, {3.0, 3.0}}, {{1.0, 1.0}, {2.0, 2.0}, {3.0, 3.0}}}, kFloat64), 0));
  BOOST_TEST(throws_with([&] { (void)sg::broadcast_to(x, {2, 2}); }, {"broadcast_to", "[3, 1]", "[2, 2]"}));
  BOOST_TEST(throws_with([&] { (void)sg::broadcast_to(iota({2, 3}), {3}); }, {"broadcast_to", "[2, 3]", "[3]"}));
}

BOOST_AUTO_TEST_CASE(reduce_to_sums_over_broadcast_dims) {
  const Tensor dy = iota({2, 3, 2});
  // dy[i, j, k] = 6i + 2j + k. To (3, 1): sum over i and k gives 8j + 14.
  BOOST_TEST(all_close(sg::reduce_to(dy, {3, 1}), sg::tensor({14.0, 22.0, 30.0}, kFloat64).reshape({3, 1}), 0));
  BOOST_TEST(all_close(sg::reduce_to(dy, {}), sg::scalar_tensor(66.0, kFloat64), 0));
  BOOST_TEST(all_close(sg::reduce_to(dy, {2, 1, 2}), sg::tensor({{{6.0, 9.0}}, {{24.0, 27.0}}}, kFloat64), 0));
  BOOST_TEST(throws_with([&] { (void)sg::reduce_to(dy, {4}); }, {"reduce_to", "[2, 3, 2]", "[4]"}));
}

BOOST_AUTO_TEST_CASE(broadcast_to_and_reduce_to_grads_match_finite_differences) {
  manual_seed(3);
  BOOST_TEST(passes_gradcheck([](In in) { return sg::broadcast_to(in[0], {2, 3, 4}); }, {uniform64({3, 1})}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::broadcast_to(in[0], {2, 3}); }, {uniform64({})}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::reduce_to(in[0], {3, 1}); }, {uniform64({2, 3, 4})}));
}

// ---- narrow, slice ---------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(narrow_and_slice_pick_the_right_elements) {
  const Tensor x = iota({3, 5});
  BOOST_TEST(all_close(sg::narrow(x, 1, 1, 3), sg::tensor({{1.0, 2.0, 3.0}, {6.0, 7.0, 8.0}, {11.0, 12.0, 13.0}}, kFloat64), 0));
  BOOST_TEST(all_close(x.narrow(0, 2, 1), sg::tensor({{10.0, 11.0, 12.0, 13.0, 14.0}}, kFloat64), 0));
  BOOST_TEST(all_close(sg::slice(x, 1, 0, 5, 2), sg::tensor({{0.0, 2.0, 4.0}, {5.0, 7.0, 9.0}, {10.0, 12.0, 14.0}}, kFloat64), 0));
  BOOST_TEST(all_close(sg::slice(x, 1, 1, 5, 3), sg::tensor({{1.0, 4.0}, {6.0, 9.0}, {11.0, 14.0}}, kFloat64), 0));
  BOOST_TEST(all_close(sg::slice(x, 0, -2, 3), sg::tensor({{5.0, 6.0, 7.0, 8.0, 9.0}, {10.0, 11.0, 12.0, 13.0, 14.0}}, kFloat64), 0));
  BOOST_TEST(all_close(sg::slice(x, -1, 1, -1, 2), sg::tensor({{1.0, 3.0}, {6.0, 8.0}, {11.0, 13.0}}, kFloat64), 0));
  BOOST_TEST(sg::slice(x, 1, 4, 2).shape() == Shape({3, 0}));  // empty, like Python's x[:, 4:2]
  BOOST_TEST(sg::slice(x, 1, 0, 100).shape() == Shape({3, 5}));
}

BOOST_AUTO_TEST_CASE(narrow_and_slice_grads_match_finite_differences) {
  manual_seed(4);
  const Tensor x = uniform64({3, 5, 2});
  BOOST_TEST(passes_gradcheck([](In in) { return sg::narrow(in[0], 1, 1, 3); }, {x}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::narrow(in[0], 0, 2, 1); }, {x}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::slice(in[0], 1, 0, 5, 2); }, {x}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::slice(in[0], -1, 1, 2); }, {x}));
}

BOOST_AUTO_TEST_CASE(slice_grad_is_zero_outside_the_slice) {
  Tensor x = sg::zeros({5}, kFloat64).requires_grad_();
  sg::slice(x, 0, 1, 5, 2).backward(sg::tensor({3.0, 4.0}, kFloat64));
  BOOST_TEST(all_close(x.grad(), sg::tensor({0.0, 3.0, 0.0, 4.0, 0.0}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(narrow_along_the_first_dim_is_a_view_of_the_same_buffer) {
  Tensor x = iota({4, 3});
  Tensor rows = x.narrow(0, 1, 2);
  BOOST_TEST(rows.data<double>() == x.data<double>() + 3);  // no copy: row 1 of x
  BOOST_TEST(all_close(rows, sg::tensor({{3.0, 4.0, 5.0}, {6.0, 7.0, 8.0}}, kFloat64), 0));
  // A view of a view, and a reshape of it, still point into x.
  const Tensor row = rows.narrow(0, 1, 1).reshape({3});
  BOOST_TEST(all_close(row, sg::tensor({6.0, 7.0, 8.0}, kFloat64), 0));
  BOOST_TEST(all_close(rows.clone(), sg::tensor({{3.0, 4.0, 5.0}, {6.0, 7.0, 8.0}}, kFloat64), 0));
  BOOST_TEST(all_close(rows.to(sg::kFloat32), sg::tensor({{3.0f, 4.0f, 5.0f}, {6.0f, 7.0f, 8.0f}}), 0));
  // Writing into the view writes into x, and the other way round (PyTorch's semantics).
  rows.set_({0, 0}, -1.0);
  BOOST_TEST(x.at({1, 0}) == -1.0);
  x.set_({2, 2}, -2.0);
  BOOST_TEST(row.at({2}) == -2.0);
  // Dims of size 1 in front keep the run contiguous; a narrow inside a row must copy.
  const Tensor y = iota({1, 4, 3});
  BOOST_TEST(y.narrow(1, 2, 2).data<double>() == y.data<double>() + 6);
  BOOST_TEST(sg::narrow(x, 1, 1, 1).data<double>() != x.data<double>() + 1);
  BOOST_TEST(sg::slice(x, 0, 0, 4, 2).data<double>() != x.data<double>());  // a step: a copy
}

BOOST_AUTO_TEST_CASE(a_view_changed_in_place_is_caught_by_backward_like_its_base) {
  Tensor w = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor x = iota({3, 2});
  const Tensor y = (w * x.narrow(0, 1, 1)).sum();  // mul saves the view
  x.set_({1, 1}, 9.0);                            // x's buffer is the view's
  BOOST_TEST(throws_with([&] { y.backward(); }, {"modified in place", "mul"}));
  // Changing a row the view does not see is caught too: the version counts changes to the whole buffer.
  Tensor x2 = iota({3, 2});
  const Tensor y2 = (w * x2.narrow(0, 0, 1)).sum();
  x2.set_({2, 0}, 9.0);
  BOOST_TEST(throws_with([&] { y2.backward(); }, {"modified in place"}));
}

BOOST_AUTO_TEST_CASE(a_view_gives_its_gradient_to_the_rows_it_covers) {
  Tensor x = sg::zeros({4, 2}, kFloat64).requires_grad_();
  (x.narrow(0, 1, 2) * sg::tensor({{1.0, 2.0}, {3.0, 4.0}}, kFloat64)).sum().backward();
  BOOST_TEST(all_close(x.grad(), sg::tensor({{0.0, 0.0}, {1.0, 2.0}, {3.0, 4.0}, {0.0, 0.0}}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(narrow_and_slice_refuse_bad_ranges) {
  const Tensor x = iota({3, 5});
  BOOST_TEST(throws_with([&] { (void)sg::narrow(x, 1, 3, 3); }, {"narrow", "[3, 6)", "[3, 5]"}));
  BOOST_TEST(throws_with([&] { (void)sg::narrow(x, 1, -1, 2); }, {"narrow", "[3, 5]"}));
  BOOST_TEST(throws_with([&] { (void)sg::narrow(x, 2, 0, 1); }, {"narrow", "2"}));
  BOOST_TEST(throws_with([&] { (void)sg::slice(x, 0, 0, 2, 0); }, {"slice", "step", "0"}));
}

// ---- index_select ------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(index_select_gathers_rows_with_repeats) {
  const Tensor x = iota({3, 2});
  BOOST_TEST(all_close(sg::index_select(x, 0, int_index({2, 0, 2})),
                       sg::tensor({{4.0, 5.0}, {0.0, 1.0}, {4.0, 5.0}}, kFloat64), 0));
  BOOST_TEST(all_close(x.index_select(1, int_index({1, 1, 0, 1})),
                       sg::tensor({{1.0, 1.0, 0.0, 1.0}, {3.0, 3.0, 2.0, 3.0}, {5.0, 5.0, 4.0, 5.0}}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(index_select_grads_add_up_over_repeats) {
  Tensor x = sg::zeros({3, 2}, kFloat64).requires_grad_();
  sg::index_select(x, 0, int_index({2, 0, 2, 2})).sum().backward();
  BOOST_TEST(all_close(x.grad(), sg::tensor({{1.0, 1.0}, {0.0, 0.0}, {3.0, 3.0}}, kFloat64), 0));
  manual_seed(5);
  const Tensor z = uniform64({3, 4, 2});
  BOOST_TEST(passes_gradcheck([](In in) { return sg::index_select(in[0], 1, int_index({3, 0, 3, 1, 3})); }, {z}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::index_select(in[0], 0, int_index({1, 1})); }, {z}));
}

BOOST_AUTO_TEST_CASE(index_select_refuses_bad_indices) {
  const Tensor x = iota({3, 2});
  BOOST_TEST(throws_with([&] { (void)sg::index_select(x, 0, int_index({0, 3})); }, {"index_select", "3", "size 3"}));
  BOOST_TEST(throws_with([&] { (void)sg::index_select(x, 0, int_index({-1})); }, {"index_select", "-1"}));
  BOOST_TEST(throws_with([&] { (void)sg::index_select(x, 0, sg::tensor({0.0, 1.0})); }, {"index_select", "int64"}));
  BOOST_TEST(throws_with([&] { (void)sg::index_select(x, 2, int_index({0})); }, {"index_select", "2"}));
}

// ---- cat, stack --------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(cat_joins_along_an_existing_dim) {
  const Tensor a = iota({2, 2}), b = sg::full({2, 1}, 9.0, kFloat64);
  BOOST_TEST(all_close(sg::cat({a, b}, 1), sg::tensor({{0.0, 1.0, 9.0}, {2.0, 3.0, 9.0}}, kFloat64), 0));
  BOOST_TEST(all_close(sg::cat({a, a}, 0), sg::tensor({{0.0, 1.0}, {2.0, 3.0}, {0.0, 1.0}, {2.0, 3.0}}, kFloat64), 0));
  BOOST_TEST(all_close(sg::cat({a, b, a}, -1),
                       sg::tensor({{0.0, 1.0, 9.0, 0.0, 1.0}, {2.0, 3.0, 9.0, 2.0, 3.0}}, kFloat64), 0));
  const Tensor i = sg::tensor(std::vector<int64_t>{1, 2}, {2});
  BOOST_TEST(sg::cat({i, i}).to_vector<int64_t>() == std::vector<int64_t>({1, 2, 1, 2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(stack_joins_along_a_new_dim) {
  const Tensor a = sg::tensor({1.0, 2.0, 3.0}, kFloat64), b = sg::tensor({4.0, 5.0, 6.0}, kFloat64);
  BOOST_TEST(all_close(sg::stack({a, b}), sg::tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, kFloat64), 0));
  BOOST_TEST(all_close(sg::stack({a, b}, 1), sg::tensor({{1.0, 4.0}, {2.0, 5.0}, {3.0, 6.0}}, kFloat64), 0));
  BOOST_TEST(sg::stack({sg::scalar_tensor(1.0), sg::scalar_tensor(2.0)}).shape() == Shape({2}));
}

BOOST_AUTO_TEST_CASE(cat_and_stack_grads_match_finite_differences) {
  manual_seed(6);
  const Tensor a = uniform64({2, 3}), b = uniform64({2, 1}), c = uniform64({2, 2});
  BOOST_TEST(passes_gradcheck([](In in) { return sg::cat({in[0], in[1], in[2]}, 1); }, {a, b, c}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::cat({in[0], in[0]}, 0); }, {a}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::cat({in[0], in[1]}, 1); }, {a, b.detach()}));  // one constant
  const Tensor p = uniform64({2, 3}), q = uniform64({2, 3});
  for (int64_t dim = 0; dim <= 2; ++dim)
    BOOST_TEST(passes_gradcheck([=](In in) { return sg::stack({in[0], in[1]}, dim); }, {p, q}));
}

BOOST_AUTO_TEST_CASE(cat_and_stack_refuse_mismatched_shapes) {
  const Tensor a = iota({2, 3}), b = iota({3, 2});
  BOOST_TEST(throws_with([&] { (void)sg::cat({a, b}, 1); }, {"cat", "[2, 3]", "[3, 2]"}));
  BOOST_TEST(throws_with([&] { (void)sg::cat({a, iota({2})}, 0); }, {"cat", "[2, 3]", "[2]"}));
  BOOST_TEST(throws_with([&] { (void)sg::cat({a, a.to(kFloat32)}, 0); }, {"cat", "float64", "float32"}));
  BOOST_TEST(throws_with([&] { (void)sg::cat({}, 0); }, {"cat"}));
  BOOST_TEST(throws_with([&] { (void)sg::cat({a}, 2); }, {"cat", "2"}));
  BOOST_TEST(throws_with([&] { (void)sg::stack({a, b}); }, {"stack", "[2, 3]", "[3, 2]"}));
  BOOST_TEST(throws_with([&] { (void)sg::stack({}); }, {"stack"}));
}

// ---- pad -------------------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(pad_surrounds_the_last_dims_with_a_value) {
  const Tensor x = iota({2, 2});
  // (left 1, right 0) on the last dim, (top 0, bottom 1) on the first.
  BOOST_TEST(all_close(sg::pad(x, {1, 0, 0, 1}, -1.0),
                       sg::tensor({{-1.0, 0.0, 1.0}, {-1.0, 2.0, 3.0}, {-1.0, -1.0, -1.0}}, kFloat64), 0));
  BOOST_TEST(all_close(sg::pad(x, {0, 2}), sg::tensor({{0.0, 1.0, 0.0, 0.0}, {2.0, 3.0, 0.0, 0.0}}, kFloat64), 0));
  BOOST_TEST(sg::pad(iota({1, 1, 2, 3}), {1, 1, 2, 2}).shape() == Shape({1, 1, 6, 5}));
  BOOST_TEST(all_close(sg::pad(x, {0, 0}), x, 0));
}

BOOST_AUTO_TEST_CASE(pad_grad_matches_finite_differences) {
  manual_seed(7);
  BOOST_TEST(passes_gradcheck([](In in) { return sg::pad(in[0], {1, 2, 2, 1}, 0.5); }, {uniform64({2, 2, 3})}));
}

BOOST_AUTO_TEST_CASE(pad_refuses_bad_paddings) {
  const Tensor x = iota({2, 2});
  BOOST_TEST(throws_with([&] { (void)sg::pad(x, {1}); }, {"pad", "1 values"}));
  BOOST_TEST(throws_with([&] { (void)sg::pad(x, {1, 1, 1, 1, 1, 1}); }, {"pad", "6"}));
  BOOST_TEST(throws_with([&] { (void)sg::pad(x, {-1, 0}); }, {"pad", "-1"}));
}

// ---- reshape errors -------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(reshape_refuses_impossible_shapes) {
  const Tensor x = iota({2, 3});
  BOOST_TEST(throws_with([&] { (void)x.reshape({4, 2}); }, {"reshape", "[2, 3]", "[4, 2]"}));
  BOOST_TEST(throws_with([&] { (void)x.reshape({4, -1}); }, {"reshape", "[2, 3]", "[4, -1]"}));
  BOOST_TEST(throws_with([&] { (void)x.reshape({-1, -1}); }, {"reshape", "-1"}));
  BOOST_TEST(throws_with([&] { (void)x.reshape({-2, -3}); }, {"reshape", "[-2, -3]"}));
}

// ---- sizes that overflow ---------------------------------------------------------------------
namespace {
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
}

BOOST_AUTO_TEST_CASE(slice_with_a_huge_step_takes_the_first_element) {
  // (end - start + step - 1) / step overflowed: "sizes must be non-negative, got [2, -1]"
  const Tensor x = iota({2, 3});
  const Tensor y = sg::slice(x, 1, 0, 3, kInt64Max);
  BOOST_TEST(y.shape() == Shape({2, 1}));
  BOOST_TEST(y.to_vector<double>() == std::vector<double>({0, 3}), boost::test_tools::per_element());
  BOOST_TEST(sg::slice(x, 0, 1, kInt64Max, kInt64Max).to_vector<double>() == std::vector<double>({3, 4, 5}),
             boost::test_tools::per_element());
  BOOST_TEST(sg::slice(x, 1, 2, 1, kInt64Max).shape() == Shape({2, 0}));
}

BOOST_AUTO_TEST_CASE(narrow_refuses_a_length_whose_end_overflows) {
  // start + length wrapped to a negative end, which passed the range check
  const Tensor x = iota({2, 3});
  BOOST_TEST(throws_with([&] { (void)sg::narrow(x, 1, 1, kInt64Max); },
                         {"narrow:", "[1, 1 + 9223372036854775807)", "[2, 3]"}));
  BOOST_TEST(throws_with([&] { (void)sg::narrow(x, 0, kInt64Max, 1); }, {"narrow:", "[2, 3]"}));
}

BOOST_AUTO_TEST_CASE(pad_refuses_a_padded_shape_too_large) {
  // a padding of 2^62 on (2, 2) gave a part of 2^63 elements: a negative numel
  const Tensor x = sg::zeros({2, 2});
  BOOST_TEST(throws_with([&] { (void)sg::pad(x, {int64_t(1) << 62, 0}); }, {"pad:", "[2, 4611686018427387906]", "too large"}));
  BOOST_TEST(throws_with([&] { (void)sg::pad(x, {kInt64Max, 1}); }, {"pad:", "[2, 2]", "beyond int64"}));
  BOOST_TEST(throws_with([&] { (void)sg::pad(sg::zeros({0, 2}), {0, 0, kMaxNumel, 0}); }, {"pad:", "too large"}));
}

BOOST_AUTO_TEST_CASE(cat_refuses_sizes_that_add_up_too_large) {
  // Empty tensors hold nothing, yet their sizes along dim add up; the sum once wrapped negative.
  const Tensor e = sg::zeros({0, kMaxNumel});
  BOOST_TEST(throws_with([&] { (void)sg::cat({e, e}, 1); }, {"cat:", "[0, 2305843009213693950]", "too large"}));
  BOOST_TEST(throws_with([&] { (void)sg::cat(std::vector<Tensor>(9, e), 1); }, {"cat:", "int64", "tensor 8"}));
  BOOST_TEST(throws_with([&] { (void)sg::stack({e, e, e}, 0); }, {"cat:", "too large"}));
}

BOOST_AUTO_TEST_CASE(reshape_refuses_shapes_too_large_even_for_an_empty_tensor) {
  const Tensor e = sg::zeros({0});
  BOOST_TEST(throws_with([&] { (void)e.reshape({0, int64_t(1) << 62}); }, {"reshape:", "[0, 4611686018427387904]", "too large"}));
  // 5 * 2^62 wrapped to 2^62, which divides 0: the -1 became 0
  BOOST_TEST(throws_with([&] { (void)e.reshape({5, int64_t(1) << 62, -1}); }, {"reshape:", "[5, 4611686018427387904, -1]"}));
}

BOOST_AUTO_TEST_CASE(broadcasting_refuses_a_result_too_large) {
  // both hold nothing; broadcast together they are [2^40, 2^40, 0], from which sum(2) would be 2^80
  const Tensor a = sg::zeros({int64_t(1) << 40, 1, 0}), b = sg::zeros({int64_t(1) << 40, 0});
  BOOST_TEST(throws_with([&] { (void)(a + b); }, {"add:", "[1099511627776, 1099511627776, 0]", "too large"}));
  BOOST_TEST(throws_with([&] { (void)sg::where(a, a, b); }, {"where:", "too large"}));
  BOOST_TEST(throws_with([&] { (void)sg::broadcast_to(sg::zeros({1, 0}), {kInt64Max, 0}); }, {"broadcast_to:", "too large"}));
}

BOOST_AUTO_TEST_CASE(index_select_refuses_a_result_too_large) {
  // [2^40, 1, 0] with 2^20 picks along dim 1 would be [2^40, 2^20, 0]: 2^60 counting the 0 as 1
  const Tensor x = sg::zeros({int64_t(1) << 40, 1, 0});
  BOOST_TEST(throws_with([&] { (void)sg::index_select(x, 1, sg::zeros({int64_t(1) << 20}, kInt64)); },
                         {"index_select:", "[1099511627776, 1048576, 0]", "too large"}));
}

BOOST_AUTO_TEST_SUITE_END()
