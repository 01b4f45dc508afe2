// Misuse, op family by op family: each throws std::invalid_argument whose message names the op and the
// shapes (or dims, sizes, dtypes) involved. Bad shapes, mixed dtypes, out-of-range dims, negative sizes,
// and empty tensors where they make no sense.
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(misuse_is_reported_as_invalid_argument) {
  // throws_with<std::invalid_argument> would report a different exception type as a failure
  BOOST_TEST(throws_with<std::invalid_argument>([] { (void)(sg::zeros({2}) + sg::zeros({3})); }, {"add"}));
  BOOST_CHECK_THROW((void)sg::matmul(sg::zeros({2, 3}), sg::zeros({4, 5})), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(every_op_family_names_itself_and_the_shapes) {
  const Tensor a = sg::zeros({2, 3}), b = sg::zeros({4, 5});
  // elementwise
  BOOST_TEST(throws_with([&] { (void)(a + b); }, {"add:", "[2, 3]", "[4, 5]"}));
  BOOST_TEST(throws_with([&] { (void)(a - b); }, {"sub:", "[2, 3]", "[4, 5]"}));
  BOOST_TEST(throws_with([&] { (void)(a * b); }, {"mul:", "[2, 3]", "[4, 5]"}));
  BOOST_TEST(throws_with([&] { (void)(a / b); }, {"div:", "[2, 3]", "[4, 5]"}));
  BOOST_TEST(throws_with([&] { (void)sg::maximum(a, b); }, {"maximum:", "[2, 3]", "[4, 5]"}));
  // matmul, linear
  BOOST_TEST(throws_with([&] { (void)sg::matmul(a, b); }, {"matmul: cannot multiply [2, 3] by [4, 5] (3 != 4)"}));
  BOOST_TEST(throws_with([&] { (void)sg::linear(a, b); }, {"linear:", "[2, 3]", "[4, 5]"}));
  // shape ops
  BOOST_TEST(throws_with([&] { (void)a.reshape({5}); }, {"reshape:", "[2, 3]", "[5]"}));
  BOOST_TEST(throws_with([&] { (void)sg::cat({a, b}, 0); }, {"cat:", "[2, 3]", "[4, 5]"}));
  BOOST_TEST(throws_with([&] { (void)sg::stack({a, b}); }, {"stack:", "[2, 3]", "[4, 5]"}));
  BOOST_TEST(throws_with([&] { (void)sg::broadcast_to(a, {4, 5}); }, {"broadcast_to:", "[2, 3]", "[4, 5]"}));
  BOOST_TEST(throws_with([&] { (void)sg::reduce_to(a, {4, 5}); }, {"reduce_to:", "[2, 3]", "[4, 5]"}));
  BOOST_TEST(throws_with([&] { (void)sg::narrow(a, 1, 2, 2); }, {"narrow:", "[2, 3]"}));
  BOOST_TEST(throws_with([&] { (void)sg::squeeze(a, 1); }, {"squeeze:", "[2, 3]"}));
  // selection
  BOOST_TEST(throws_with([&] { (void)sg::where(a, a, b); }, {"where:", "[2, 3]", "[4, 5]"}));
  BOOST_TEST(throws_with([&] { (void)sg::masked_fill(a, b, 0.0); }, {"masked_fill:", "[2, 3]", "[4, 5]"}));
  BOOST_TEST(throws_with([&] { (void)sg::lt(a, b); }, {"lt:", "[2, 3]", "[4, 5]"}));
  // in place
  Tensor c = sg::zeros({2, 3});
  BOOST_TEST(throws_with([&] { c += b; }, {"add_:", "[2, 3]", "[4, 5]"}));
  BOOST_TEST(throws_with([&] { c.copy_(b); }, {"copy_:", "[2, 3]", "[4, 5]"}));
  // backward's seed
  Tensor x = sg::zeros({2, 3}).requires_grad_();
  BOOST_TEST(throws_with([&] { (x * 2.0).backward(b); }, {"backward:", "[2, 3]", "[4, 5]"}));
}

BOOST_AUTO_TEST_CASE(mixed_dtypes_are_refused_with_both_dtypes_named) {
  const Tensor f = sg::zeros({2, 2}), d = sg::zeros({2, 2}, kFloat64), i = sg::zeros({2, 2}, kInt64);
  BOOST_TEST(throws_with([&] { (void)(f + d); }, {"add", "float32", "float64"}));
  BOOST_TEST(throws_with([&] { (void)(f * i); }, {"mul", "float32", "int64"}));
  BOOST_TEST(throws_with([&] { (void)sg::matmul(f, d); }, {"matmul", "float32", "float64"}));
  BOOST_TEST(throws_with([&] { (void)sg::linear(f, d); }, {"linear", "float32", "float64"}));
  BOOST_TEST(throws_with([&] { (void)sg::cat({f, d}); }, {"cat", "float32", "float64"}));
  BOOST_TEST(throws_with([&] { (void)sg::where(f, f, d); }, {"where", "float32", "float64"}));
  Tensor g = sg::zeros({2, 2});
  BOOST_TEST(throws_with([&] { g += d; }, {"add_", "float32", "float64"}));
}

BOOST_AUTO_TEST_CASE(int64_is_refused_by_float_only_ops) {
  const Tensor i = sg::zeros({2, 2}, kInt64);
  BOOST_TEST(throws_with([&] { (void)sg::exp(i); }, {"exp", "int64"}));
  BOOST_TEST(throws_with([&] { (void)sg::relu(i); }, {"relu", "int64"}));
  BOOST_TEST(throws_with([&] { (void)sg::matmul(i, i); }, {"matmul", "int64"}));
  BOOST_TEST(throws_with([&] { (void)sg::softmax(i, 0); }, {"softmax", "int64"}));
  BOOST_TEST(throws_with([&] { (void)sg::mean(i); }, {"mean", "int64"}));
  BOOST_TEST(throws_with([&] { (void)sg::max(i, 0); }, {"max", "int64"}));
}

BOOST_AUTO_TEST_CASE(out_of_range_dims_are_refused_naming_op_dim_and_rank) {
  const Tensor x = sg::zeros({2, 3});
  BOOST_TEST(throws_with([&] { (void)sg::sum(x, 5); }, {"sum:", "dim", "[-2, 1]", "rank 2", "got 5"}));
  BOOST_TEST(throws_with([&] { (void)sg::mean(x, -3); }, {"mean:", "got -3"}));
  BOOST_TEST(throws_with([&] { (void)sg::max(x, 2); }, {"max:", "got 2"}));
  BOOST_TEST(throws_with([&] { (void)sg::argmax(x, 2); }, {"argmax:", "got 2"}));
  BOOST_TEST(throws_with([&] { (void)sg::softmax(x, 2); }, {"softmax:", "got 2"}));
  BOOST_TEST(throws_with([&] { (void)sg::log_softmax(x, 2); }, {"log_softmax:", "got 2"}));
  BOOST_TEST(throws_with([&] { (void)sg::logsumexp(x, 2); }, {"logsumexp:", "got 2"}));
  BOOST_TEST(throws_with([&] { (void)sg::transpose(x, 0, 2); }, {"transpose:", "got 2"}));
  BOOST_TEST(throws_with([&] { (void)sg::permute(x, {0, 2}); }, {"permute:", "got 2"}));
  BOOST_TEST(throws_with([&] { (void)sg::unsqueeze(x, 3); }, {"unsqueeze:", "got 3"}));
  BOOST_TEST(throws_with([&] { (void)sg::squeeze(x, 2); }, {"squeeze:", "got 2"}));
  BOOST_TEST(throws_with([&] { (void)sg::flatten(x, 0, 2); }, {"flatten:", "got 2"}));
  BOOST_TEST(throws_with([&] { (void)sg::narrow(x, 2, 0, 1); }, {"narrow:", "got 2"}));
  BOOST_TEST(throws_with([&] { (void)sg::slice(x, -3, 0, 1); }, {"slice:", "got -3"}));
  BOOST_TEST(throws_with([&] { (void)sg::index_select(x, 2, sg::zeros({1}, kInt64)); }, {"index_select:", "got 2"}));
  BOOST_TEST(throws_with([&] { (void)sg::cat({x, x}, 2); }, {"cat:", "got 2"}));
  BOOST_TEST(throws_with([&] { (void)sg::stack({x, x}, 3); }, {"stack:", "got 3"}));
  BOOST_TEST(throws_with([&] { (void)x.size(2); }, {"size:", "got 2"}));
}

BOOST_AUTO_TEST_CASE(negative_sizes_are_refused_naming_the_factory) {
  BOOST_TEST(throws_with([] { (void)sg::zeros({-1}); }, {"zeros:", "non-negative", "[-1]"}));
  BOOST_TEST(throws_with([] { (void)sg::ones({2, -3}); }, {"ones:", "[2, -3]"}));
  BOOST_TEST(throws_with([] { (void)sg::full({-2}, 1.0); }, {"full:", "[-2]"}));
  BOOST_TEST(throws_with([] { (void)sg::empty({-2}); }, {"empty:", "[-2]"}));
  BOOST_TEST(throws_with([] { (void)sg::rand({-2}); }, {"rand:", "[-2]"}));
  BOOST_TEST(throws_with([] { (void)sg::randn({3, -1}); }, {"randn:", "[3, -1]"}));
  BOOST_TEST(throws_with([] { (void)sg::tensor(std::vector<double>{}, {-1, 0}); }, {"tensor:", "[-1, 0]"}));
  BOOST_TEST(throws_with([] { (void)sg::reshape(sg::zeros({2}), {-2, -1}); }, {"reshape:", "[-2, -1]"}));
  BOOST_TEST(throws_with([] { (void)sg::pad(sg::zeros({2}), {-1, 1}); }, {"pad:", "-1"}));
  BOOST_TEST(throws_with([] { (void)sg::narrow(sg::zeros({2}), 0, 0, -1); }, {"narrow:", "[2]"}));
}

BOOST_AUTO_TEST_CASE(empty_tensors_are_refused_where_they_make_no_sense) {
  const Tensor e = sg::zeros({2, 0});
  BOOST_TEST(throws_with([&] { (void)sg::mean(e); }, {"mean:", "[2, 0]"}));
  BOOST_TEST(throws_with([&] { (void)sg::mean(e, 1); }, {"mean:", "[2, 0]"}));
  BOOST_TEST(throws_with([&] { (void)sg::max(e); }, {"max:", "[2, 0]"}));
  BOOST_TEST(throws_with([&] { (void)sg::max(e, 1); }, {"max:", "[2, 0]"}));
  BOOST_TEST(throws_with([&] { (void)sg::argmax(e); }, {"argmax:", "[0]"}));
  BOOST_TEST(throws_with([&] { (void)sg::softmax(e, 1); }, {"softmax:", "[2, 0]"}));
  BOOST_TEST(throws_with([&] { (void)sg::logsumexp(e, 1); }, {"logsumexp:", "[2, 0]"}));
  BOOST_TEST(throws_with([&] { (void)e.item(); }, {"item:", "[2, 0]"}));
  BOOST_TEST(throws_with([] { (void)sg::cat({}); }, {"cat:"}));
  BOOST_TEST(throws_with([] { (void)sg::stack({}); }, {"stack:"}));
  // where an empty tensor does make sense, it works
  BOOST_TEST(sg::sum(e).item() == 0.0);
  BOOST_TEST((e + 1.0).shape() == Shape({2, 0}));
  BOOST_TEST(sg::sum(e, 1).to_vector<float>() == std::vector<float>({0.0f, 0.0f}), boost::test_tools::per_element());
  BOOST_TEST(sg::matmul(sg::zeros({2, 0}), sg::zeros({0, 3})).to_vector<float>() == std::vector<float>(6, 0.0f),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(undefined_tensors_are_refused) {
  const Tensor u;
  BOOST_TEST(throws_with([&] { (void)u.numel(); }, {"undefined"}));
  BOOST_TEST(throws_with([&] { (void)(u + sg::zeros({1})); }, {"undefined"}));
}

BOOST_AUTO_TEST_CASE(conv_and_pool_refuse_bad_strides_padding_and_dtypes) {
  const Tensor x = sg::zeros({1, 1, 5, 5}), w = sg::zeros({2, 1, 3, 3});
  BOOST_TEST(throws_with([&] { (void)sg::conv2d(x, w, Tensor(), {.padding = {-1, 0}}); }, {"conv2d:", "padding (-1, 0)"}));
  BOOST_TEST(throws_with([&] { (void)sg::conv2d(x, w, Tensor(), {.dilation = {0, 1}}); }, {"conv2d:", "dilation (0, 1)"}));
  BOOST_TEST(throws_with([&] { (void)sg::conv2d(x, w, sg::zeros({2}, kFloat64)); }, {"conv2d:", "bias", "float64"}));
  BOOST_TEST(throws_with([&] { (void)sg::conv2d(x, w, Tensor(), {.stride = {1, -2}}); }, {"conv2d:", "stride (1, -2)"}));
  BOOST_TEST(throws_with([&] { (void)sg::max_pool2d(x, {.kernel_size = {2, 2}, .stride = {-1, 1}}); },
                         {"max_pool2d:", "stride (-1, 1)"}));
  BOOST_TEST(throws_with([&] { (void)sg::avg_pool2d(x, {.kernel_size = {2, 2}, .padding = {-1, 0}}); },
                         {"avg_pool2d:", "padding (-1, 0)"}));
  BOOST_TEST(throws_with([&] { (void)sg::avg_pool2d(sg::zeros({5, 5}), {}); }, {"avg_pool2d:", "(N, C, H, W)", "[5, 5]"}));
}

BOOST_AUTO_TEST_SUITE_END()
