// Reductions: sum, mean, max, min of everything, along each dim and over several (keepdim or not), amax,
// amin, argmax/argmin, checked against naive loops written here and PyTorch's values, and their
// gradients against finite differences.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "tests/autograd/reduce_fixture.h"
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(reduce)

namespace {

// Naive reduction of a (2, 3, 4)-style tensor along dim with `combine`, starting from the first element.
Tensor naive_reduce(const Tensor& x, int64_t dim, bool keepdim, const std::function<double(double, double)>& combine,
                    bool average = false) {
  const Shape s = x.shape();
  const auto v = x.to_vector<double>();
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= s[d];
  for (int64_t d = dim + 1; d < s.size(); ++d) inner *= s[d];
  const int64_t R = s[dim];
  std::vector<double> out;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double acc = v[(o * R) * inner + i];
      for (int64_t r = 1; r < R; ++r) acc = combine(acc, v[(o * R + r) * inner + i]);
      out.push_back(average ? acc / double(R) : acc);
    }
  std::vector<int64_t> shape;
  for (int64_t d = 0; d < s.size(); ++d)
    if (d != dim) shape.push_back(s[d]);
    else if (keepdim) shape.push_back(1);
  return sg::tensor(out, Shape(shape));
}

// Naive argmax/argmin along dim: index of the first extreme.
std::vector<int64_t> naive_arg(const Tensor& x, int64_t dim, bool want_max) {
  const Shape s = x.shape();
  const auto v = x.to_vector<double>();
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= s[d];
  for (int64_t d = dim + 1; d < s.size(); ++d) inner *= s[d];
  const int64_t R = s[dim];
  std::vector<int64_t> out;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t best = 0;
      for (int64_t r = 1; r < R; ++r) {
        const double c = v[(o * R + r) * inner + i], b = v[(o * R + best) * inner + i];
        if (want_max ? c > b : c < b) best = r;
      }
      out.push_back(best);
    }
  return out;
}

const auto kPlus = [](double a, double b) { return a + b; };
const auto kMax = [](double a, double b) { return a > b ? a : b; };
const auto kMin = [](double a, double b) { return a < b ? a : b; };

}  // namespace

BOOST_AUTO_TEST_CASE(reductions_of_all_elements_match_hand_values) {
  const Tensor x = sg::tensor({{1.0, -2.0, 3.5}, {4.0, 0.5, -6.0}}, kFloat64);
  BOOST_TEST(sg::sum(x).item() == 1.0);
  BOOST_TEST(x.mean().item() == 1.0 / 6.0, boost::test_tools::tolerance(1e-14));
  BOOST_TEST(sg::max(x).item() == 4.0);
  BOOST_TEST(sg::min(x).item() == -6.0);
  BOOST_TEST(sg::sum(x).dim() == 0);
  BOOST_TEST(sg::max(x).dim() == 0);
  BOOST_TEST(sg::argmax(x).item<int64_t>() == 3);
  BOOST_TEST(sg::argmax(x).dtype() == kInt64);
}

BOOST_AUTO_TEST_CASE(reductions_along_each_dim_match_naive_loops) {
  manual_seed(1);
  const Tensor x = sg::randn({2, 3, 4}, kFloat64);
  for (int64_t dim = 0; dim < 3; ++dim)
    for (bool keepdim : {false, true}) {
      BOOST_TEST_CONTEXT("dim " << dim << " keepdim " << keepdim) {
        BOOST_TEST(all_close(sg::sum(x, dim, keepdim), naive_reduce(x, dim, keepdim, kPlus), 1e-12));
        BOOST_TEST(all_close(sg::mean(x, dim, keepdim), naive_reduce(x, dim, keepdim, kPlus, true), 1e-12));
        BOOST_TEST(all_close(sg::max(x, dim, keepdim).values, naive_reduce(x, dim, keepdim, kMax), 0));
        BOOST_TEST(all_close(sg::min(x, dim, keepdim).values, naive_reduce(x, dim, keepdim, kMin), 0));
        const Tensor am = sg::argmax(x, dim, keepdim);
        BOOST_TEST(am.dtype() == kInt64);
        BOOST_TEST(am.shape() == naive_reduce(x, dim, keepdim, kMax).shape());
        BOOST_TEST(am.to_vector<int64_t>() == naive_arg(x, dim, true), boost::test_tools::per_element());
        BOOST_TEST(sg::argmin(x, dim, keepdim).to_vector<int64_t>() == naive_arg(x, dim, false),
                   boost::test_tools::per_element());
      }
    }
}

// sum along a dim runs narrow rows as blocks of outputs in four chains, with the last outputs in blocks
// of 16, 8, ..., 1, and adds wide rows (1 KiB and more) one by one: every width from 1 to past a block
// and past the streaming width, heights below, at and above the four chains, several outer slices.
BOOST_AUTO_TEST_CASE(sum_along_a_dim_matches_a_naive_loop_at_every_width_and_height) {
  manual_seed(5);
  for (const Dtype dtype : {kFloat32, kFloat64, kInt64})
    for (const int64_t inner : {1, 2, 3, 10, 15, 16, 17, 31, 32, 33, 45, 64, 100, 255, 256, 300})
      for (const int64_t R : {1, 3, 4, 5, 9, 200})
        for (const int64_t outer : {1, 3}) {
          const Tensor x = mul(randn({outer, R, inner}, kFloat64), dtype == kInt64 ? 1000.0 : 1.0).to(dtype);
          const double atol = dtype == kFloat32 ? 1e-4 : dtype == kFloat64 ? 1e-12 : 0;
          BOOST_TEST(all_close(sg::sum(x, 1), naive_reduce(x, 1, false, kPlus), atol, 0),
                     dtype << " outer " << outer << " R " << R << " inner " << inner);
        }
}

BOOST_AUTO_TEST_CASE(negative_dims_count_from_the_end) {
  manual_seed(2);
  const Tensor x = sg::randn({2, 3, 4}, kFloat64);
  BOOST_TEST(all_close(sg::sum(x, -1), sg::sum(x, 2), 0));
  BOOST_TEST(all_close(sg::max(x, -3, true).values, sg::max(x, 0, true).values, 0));
}

BOOST_AUTO_TEST_CASE(reduction_grads_match_finite_differences) {
  manual_seed(3);
  const Tensor x = uniform64({2, 3, 4});
  using In = const std::vector<Tensor>&;
  BOOST_TEST(passes_gradcheck([](In in) { return sg::sum(in[0]); }, {x}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::mean(in[0]); }, {x}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::max(in[0]); }, {x}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::min(in[0]); }, {x}));
  for (int64_t dim = -3; dim < 3; ++dim)
    for (bool keepdim : {false, true}) {
      BOOST_TEST_CONTEXT("dim " << dim << " keepdim " << keepdim) {
        BOOST_TEST(passes_gradcheck([=](In in) { return sg::sum(in[0], dim, keepdim); }, {x}));
        BOOST_TEST(passes_gradcheck([=](In in) { return sg::mean(in[0], dim, keepdim); }, {x}));
        BOOST_TEST(passes_gradcheck([=](In in) { return sg::max(in[0], dim, keepdim).values; }, {x}));
        BOOST_TEST(passes_gradcheck([=](In in) { return sg::min(in[0], dim, keepdim).values; }, {x}));
      }
    }
}

// PyTorch's rule for max(dim) / min(dim): the gradient goes to the index the op returns (the first
// extreme along the dim), even when several elements tie.
BOOST_AUTO_TEST_CASE(max_along_a_dim_sends_the_gradient_to_the_index_argmax_returns) {
  // Row 0 has its maximum 3 twice (positions 1 and 2), row 1 three times (0, 1, 2).
  Tensor x = sg::tensor({{1.0, 3.0, 3.0}, {5.0, 5.0, 5.0}}, kFloat64).requires_grad_();
  sg::max(x, 1).values.backward(sg::tensor({10.0, 20.0}, kFloat64));
  BOOST_TEST(all_close(x.grad(), sg::tensor({{0.0, 10.0, 0.0}, {20.0, 0.0, 0.0}}, kFloat64), 0));
  BOOST_TEST(sg::argmax(x, 1).to_vector<int64_t>() == std::vector<int64_t>({1, 0}), boost::test_tools::per_element());

  // min likewise: column 0 and row 0 tie (2, 2) and send the gradient to their first element.
  Tensor z = sg::tensor({{2.0, 2.0}, {2.0, 1.0}}, kFloat64).requires_grad_();
  sg::min(z, 0).values.sum().backward();
  BOOST_TEST(all_close(z.grad(), sg::tensor({{1.0, 0.0}, {0.0, 1.0}}, kFloat64), 0));
  z.zero_grad();
  sg::min(z, 1).values.sum().backward();
  BOOST_TEST(all_close(z.grad(), sg::tensor({{1.0, 0.0}, {0.0, 1.0}}, kFloat64), 0));
}

// PyTorch's rule for max() / min() of a whole tensor: the gradient is split evenly among the elements
// equal to the result, dx_i = dy / k for each of the k of them (among the NaNs when the result is NaN).
BOOST_AUTO_TEST_CASE(max_of_all_elements_shares_the_gradient_evenly_among_ties) {
  for (const Dtype dtype : {kFloat32, kFloat64}) {
    BOOST_TEST_CONTEXT(dtype) {
      // The maximum 5 three times: each gets 1 / 3 (divided in the tensor's dtype), the first (flat index 3)
      // no more than the others.
      const double third = dtype == kFloat32 ? double(1.0f / 3.0f) : 1.0 / 3.0;
      Tensor x = sg::tensor({{1.0, 3.0, 3.0}, {5.0, 5.0, 5.0}}, dtype).requires_grad_();
      sg::max(x).backward();
      BOOST_TEST(all_close(x.grad(), sg::tensor({{0.0, 0.0, 0.0}, {third, third, third}}, dtype), 0, 0));
      // A single minimum takes it all; two tied minima take half each.
      x.zero_grad();
      sg::min(x).backward(sg::scalar_tensor(6.0, dtype));
      BOOST_TEST(all_close(x.grad(), sg::tensor({{6.0, 0.0, 0.0}, {0.0, 0.0, 0.0}}, dtype), 0, 0));
      Tensor z = sg::tensor({{2.0, -1.0}, {-1.0, 4.0}}, dtype).requires_grad_();
      sg::min(z).backward(sg::scalar_tensor(6.0, dtype));
      BOOST_TEST(all_close(z.grad(), sg::tensor({{0.0, 3.0}, {3.0, 0.0}}, dtype), 0, 0));
      // A NaN result: its share goes to the NaNs, the numbers get none (1 equals no NaN, and 7 is no maximum).
      const double nan = std::numeric_limits<double>::quiet_NaN();
      Tensor w = sg::tensor({nan, 1.0, 7.0, nan}, dtype).requires_grad_();
      sg::max(w).backward(sg::scalar_tensor(6.0, dtype));
      BOOST_TEST(all_close(w.grad(), sg::tensor({3.0, 0.0, 0.0, 3.0}, dtype), 0, 0));
    }
  }
}

// PyTorch propagates NaN through max and min, of a whole tensor and along a dim, wherever it sits, and
// argmax / argmin return the index of the first NaN. A NaN first, in the middle or last must all give NaN.
BOOST_AUTO_TEST_CASE(max_and_min_propagate_nan_wherever_it_sits) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const Dtype dtype : {kFloat32, kFloat64}) {
    BOOST_TEST_CONTEXT(dtype) {
      for (const auto& [values, at] : std::vector<std::pair<std::vector<double>, int64_t>>{
               {{nan, 1.0, 2.0}, 0}, {{1.0, nan, 2.0}, 1}, {{1.0, 2.0, nan}, 2}, {{3.0, nan, 2.0, nan}, 1}}) {
        const Tensor x = sg::tensor(values, {int64_t(values.size())}).to(dtype);
        BOOST_TEST_CONTEXT("NaN first at " << at) {
          BOOST_TEST(std::isnan(sg::max(x).item()));
          BOOST_TEST(std::isnan(sg::min(x).item()));
          BOOST_TEST(std::isnan(sg::max(x, 0).values.item()));
          BOOST_TEST(std::isnan(sg::min(x, 0, true).values.item()));
          BOOST_TEST(sg::argmax(x).item<int64_t>() == at);
          BOOST_TEST(sg::argmax(x, 0).item<int64_t>() == at);
          BOOST_TEST(sg::argmin(x, 0).item<int64_t>() == at);
        }
      }
      // Along each dim of (2, 3): columns 1 and 2 hold a NaN (column 2 two of them), row 1 one.
      const Tensor x = sg::tensor({{1.0, 7.0, nan}, {4.0, nan, nan}}, dtype);
      BOOST_TEST(all_close(sg::max(x, 0).values, sg::tensor({4.0, nan, nan}, dtype), 0, 0));
      BOOST_TEST(all_close(sg::min(x, 0).values, sg::tensor({1.0, nan, nan}, dtype), 0, 0));
      BOOST_TEST(all_close(sg::max(x, 1).values, sg::tensor({nan, nan}, dtype), 0, 0));
      BOOST_TEST(sg::argmax(x, 0).to_vector<int64_t>() == std::vector<int64_t>({1, 1, 0}), boost::test_tools::per_element());
      BOOST_TEST(sg::argmin(x, 0).to_vector<int64_t>() == std::vector<int64_t>({0, 1, 0}), boost::test_tools::per_element());
      BOOST_TEST(sg::argmax(x, 1).to_vector<int64_t>() == std::vector<int64_t>({2, 1}), boost::test_tools::per_element());
      BOOST_TEST(sg::argmax(x).item<int64_t>() == 2);
      // The largest difference of two tensors must not hide a NaN one.
      const Tensor a = sg::tensor({1.0, nan, 3.0}, dtype), b = sg::tensor({1.5, 2.0, 3.0}, dtype);
      BOOST_TEST(std::isnan(sg::max(sg::abs(a - b)).item()));
      // Along a dim the gradient goes to the NaN argmax picked.
      Tensor g = x.detach().requires_grad_();
      sg::max(g, 1).values.backward(sg::tensor({10.0, 20.0}, dtype));
      BOOST_TEST(all_close(g.grad(), sg::tensor({{0.0, 0.0, 10.0}, {0.0, 20.0, 0.0}}, dtype), 0, 0));
    }
  }
}

// Tensors large enough to be split in chunks (32K elements a chunk), with many ties and with or without
// NaNs: 1 and 2 threads give the same bits for every max-like reduction and its gradient.
BOOST_AUTO_TEST_CASE(max_like_reductions_give_identical_bits_on_one_and_two_threads) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> with_nans(96 * 1024), without(with_nans.size());
  uint64_t state = 7;
  for (size_t i = 0; i < with_nans.size(); ++i) {  // integers -4 .. 4, so values tie; about 1 in 500 a NaN
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    without[i] = double((state >> 40) % 9) - 4.0;
    with_nans[i] = (state >> 33) % 500 == 0 ? nan : without[i];
  }
  using Op = std::function<Tensor(const Tensor&)>;
  const std::vector<Op> ops{[](const Tensor& x) { return sg::max(x); },     [](const Tensor& x) { return sg::min(x); },
                            [](const Tensor& x) { return sg::max(x, 0).values; },  [](const Tensor& x) { return sg::max(x, 1).values; },
                            [](const Tensor& x) { return sg::min(x, 0).values; },  [](const Tensor& x) { return sg::min(x, 1).values; }};
  for (const Dtype dtype : {kFloat32, kFloat64})
    for (const auto* values : {&with_nans, &without}) {
      const Tensor x = sg::tensor(*values, {96, 1024}).to(dtype);
      const auto run = [&](int threads) {
        ThreadCount count(threads);
        std::vector<Tensor> results{sg::argmax(x), sg::argmax(x, 0), sg::argmax(x, 1), sg::argmin(x, 1)};
        for (const Op& op : ops) {
          Tensor in = x.detach().requires_grad_();
          const Tensor y = op(in);
          y.backward(ones_like(y));
          results.push_back(y);
          results.push_back(in.grad());
        }
        return results;
      };
      const std::vector<Tensor> one = run(1), two = run(2);
      for (size_t k = 0; k < one.size(); ++k)
        BOOST_TEST(bitwise_equal(one[k], two[k]), dtype << (values == &without ? " without" : " with") << " NaNs, result " << k);
    }
}

BOOST_AUTO_TEST_CASE(sum_and_mean_grads_are_hand_values) {
  Tensor x = sg::ones({2, 3}, kFloat64).requires_grad_();
  sg::mean(x, 1, true).backward(sg::tensor({3.0, 6.0}, kFloat64).reshape({2, 1}));
  BOOST_TEST(all_close(x.grad(), sg::tensor({{1.0, 1.0, 1.0}, {2.0, 2.0, 2.0}}, kFloat64)));
  x.zero_grad();
  sg::sum(x, 0).backward(sg::tensor({1.0, 2.0, 3.0}, kFloat64));
  BOOST_TEST(all_close(x.grad(), sg::tensor({{1.0, 2.0, 3.0}, {1.0, 2.0, 3.0}}, kFloat64)));
}

BOOST_AUTO_TEST_CASE(int64_sum_is_exact) {
  // 2^53 + 1 is not representable in double: an int64 sum must not go through floating point.
  const int64_t big = (int64_t(1) << 53);
  const Tensor x = sg::tensor(std::vector<int64_t>{big, 1, 2, -3}, {2, 2});
  BOOST_TEST(sg::sum(x).dtype() == kInt64);
  BOOST_TEST(sg::sum(x).data<int64_t>()[0] == big);
  const Tensor rows = sg::sum(x, 1);
  BOOST_TEST(rows.dtype() == kInt64);
  BOOST_TEST(rows.to_vector<int64_t>() == std::vector<int64_t>({big + 1, -1}), boost::test_tools::per_element());
  const Tensor labels = sg::tensor(std::vector<int64_t>{3, 1, 4, 1, 5}, {5});
  BOOST_TEST(sg::sum(sg::eq(labels, 1.0)).data<int64_t>()[0] == 2);
}

BOOST_AUTO_TEST_CASE(int64_sums_wrap_around_as_in_pytorch) {
  // PyTorch and NumPy wrap an int64 sum that overflows around modulo 2^64. Here it is done without
  // signed overflow, which is undefined (the sanitizer build's UBSan stops on it).
  const int64_t max = std::numeric_limits<int64_t>::max(), min = std::numeric_limits<int64_t>::min();
  const Tensor x = sg::tensor(std::vector<int64_t>{max, 1, min, -1}, {2, 2});
  BOOST_TEST(sg::sum(x).item<int64_t>() == -1);  // max + 1 wraps to min, min + min to 0: exact in the end
  BOOST_TEST(sg::sum(sg::tensor(std::vector<int64_t>{max, max}, {2})).item<int64_t>() == -2);
  BOOST_TEST(sg::sum(x, 1).to_vector<int64_t>() == std::vector<int64_t>({min, max}), boost::test_tools::per_element());
  BOOST_TEST(sg::sum(x, 0).to_vector<int64_t>() == std::vector<int64_t>({-1, 0}), boost::test_tools::per_element());
  BOOST_TEST(sg::reduce_to(x, {2, 1}).to_vector<int64_t>() == std::vector<int64_t>({min, max}),
             boost::test_tools::per_element());
  BOOST_TEST(sg::reduce_to(x, {1, 2}).to_vector<int64_t>() == std::vector<int64_t>({-1, 0}),
             boost::test_tools::per_element());
  // rows wide enough to be added whole (the kernel's other path)
  const Tensor wide = sg::full({3, 200}, double(int64_t(1) << 62), kInt64);
  BOOST_TEST(sg::sum(wide, 0).to_vector<int64_t>() == std::vector<int64_t>(200, min + (int64_t(1) << 62)),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(argmax_works_on_int64_and_float32) {
  const Tensor labels = sg::tensor(std::vector<int64_t>{3, 9, 4, 9}, {2, 2});
  BOOST_TEST(sg::argmax(labels, 1).to_vector<int64_t>() == std::vector<int64_t>({1, 1}), boost::test_tools::per_element());
  BOOST_TEST(sg::argmax(labels).item<int64_t>() == 1);
  const Tensor f = sg::tensor({{0.5f, -1.0f}, {2.0f, 3.0f}});
  BOOST_TEST(sg::argmin(f, 0).to_vector<int64_t>() == std::vector<int64_t>({0, 0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reductions_of_float32_accumulate_accurately) {
  // 100,000 copies of 0.1f: a naive float accumulator drifts by far more than 1e-4 relative.
  const Tensor x = sg::full({100000}, 0.1, kFloat32);
  BOOST_TEST(sg::sum(x).item() == 100000 * double(0.1f), boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(out_of_range_dims_are_refused) {
  const Tensor x = sg::zeros({2, 3});
  BOOST_TEST(throws_with([&] { (void)sg::sum(x, 5); }, {"sum", "dim", "5"}));
  BOOST_TEST(throws_with([&] { (void)sg::sum(x, -3); }, {"sum", "-3"}));
  BOOST_TEST(throws_with([&] { (void)sg::mean(x, 2); }, {"mean", "2"}));
  BOOST_TEST(throws_with([&] { (void)sg::max(x, 2); }, {"max", "2"}));
  BOOST_TEST(throws_with([&] { (void)sg::min(x, -4); }, {"min", "-4"}));
  BOOST_TEST(throws_with([&] { (void)sg::argmax(x, 3); }, {"argmax", "3"}));
  BOOST_TEST(throws_with([&] { (void)sg::argmin(x, 3); }, {"argmin", "3"}));
}

BOOST_AUTO_TEST_CASE(empty_tensors_are_refused_where_they_make_no_sense) {
  const Tensor e = sg::zeros({0, 3});
  BOOST_TEST(sg::sum(e).item() == 0.0);  // an empty sum is 0, as in NumPy
  BOOST_TEST(throws_with([&] { (void)sg::mean(e); }, {"mean", "[0, 3]"}));
  BOOST_TEST(throws_with([&] { (void)sg::mean(e, 0); }, {"mean", "[0, 3]"}));
  BOOST_TEST(throws_with([&] { (void)sg::max(e); }, {"max", "[0"}));
  BOOST_TEST(throws_with([&] { (void)sg::min(e, 0); }, {"min", "[0, 3]"}));
  BOOST_TEST(throws_with([&] { (void)sg::argmax(e, 0); }, {"argmax", "[0, 3]"}));
}

BOOST_AUTO_TEST_CASE(mean_of_int64_is_refused) {
  const Tensor labels = sg::tensor(std::vector<int64_t>{1, 2}, {2});
  BOOST_TEST(throws_with([&] { (void)sg::mean(labels); }, {"mean", "int64"}));
}

// ---- several dims at once, amax / amin, max / min with their indices ----

BOOST_AUTO_TEST_CASE(reductions_over_several_dims_match_torch) {
  const Tensor x = reduce_fixture();
  // x.sum(dim=[0, 2], keepdim=True); x.mean(dim=[-1, 0]); torch.amax(x, dim=[1, 2]);
  // torch.amin(x, dim=[0, -1], keepdim=True)
  BOOST_TEST(all_close(sg::sum(x, {0, 2}, true), sg::tensor({{{10.25}, {2.5}, {2.75}}}, kFloat64), 1e-15));
  BOOST_TEST(all_close(sg::mean(x, {-1, 0}), sg::tensor({1.28125, 0.3125, 0.34375}, kFloat64), 1e-15));
  BOOST_TEST(all_close(sg::amax(x, {1, 2}), sg::tensor({4.0, 5.0}, kFloat64), 0));
  BOOST_TEST(all_close(sg::amin(x, {0, -1}, true), sg::tensor({{{-2.0}, {-6.0}, {-4.0}}}, kFloat64), 0));
  // x.sum(dim=[]) and torch.amax(x, dim=()) reduce every dim
  BOOST_TEST(sg::sum(x, {}).item() == 15.5);
  BOOST_TEST(sg::sum(x, {}, true).shape() == Shape({1, 1, 1}));
  BOOST_TEST(sg::amax(x).item() == 5.0);
  BOOST_TEST(sg::mean(x, {2, 0, 1}).item() == 15.5 / 24, boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(reductions_over_several_dims_match_reductions_one_dim_at_a_time) {
  manual_seed(51);
  const Tensor x = sg::randn({2, 3, 4, 5}, kFloat64);
  const std::vector<std::vector<int64_t>> dim_sets{{0, 2}, {3, 1}, {1, 2, 3}, {-1, -4}, {2}};
  for (const auto& dims : dim_sets)
    for (bool keepdim : {false, true}) {
      BOOST_TEST_CONTEXT("dims " << dims.size() << " first " << dims[0] << " keepdim " << keepdim) {
        Tensor sum = x, max = x, min = x;
        std::vector<int64_t> sorted = dims;
        for (int64_t& d : sorted) d = d < 0 ? d + 4 : d;
        std::sort(sorted.rbegin(), sorted.rend());
        for (int64_t d : sorted) {
          sum = sg::sum(sum, d, keepdim);
          max = sg::max(max, d, keepdim).values;
          min = sg::min(min, d, keepdim).values;
        }
        BOOST_TEST(all_close(sg::sum(x, dims, keepdim), sum, 1e-14, 1e-13));
        BOOST_TEST(all_close(sg::mean(x, dims, keepdim), sum / double(x.numel() / sum.numel()), 1e-14, 1e-13));
        BOOST_TEST(all_close(sg::amax(x, dims, keepdim), max, 0));
        BOOST_TEST(all_close(sg::amin(x, dims, keepdim), min, 0));
      }
    }
}

BOOST_AUTO_TEST_CASE(reductions_over_several_dims_have_finite_difference_gradients) {
  manual_seed(52);
  const Tensor x = uniform64({2, 3, 4});  // distinct values: amax and amin have one extreme each
  for (bool keepdim : {false, true}) {
    BOOST_TEST(passes_gradcheck([=](In in) { return sg::sum(in[0], {0, 2}, keepdim); }, {x}));
    BOOST_TEST(passes_gradcheck([=](In in) { return sg::mean(in[0], {-1, 1}, keepdim); }, {x}));
    BOOST_TEST(passes_gradcheck([=](In in) { return sg::amax(in[0], {1, 2}, keepdim); }, {x}));
    BOOST_TEST(passes_gradcheck([=](In in) { return sg::amin(in[0], {0}, keepdim); }, {x}));
    BOOST_TEST(passes_gradcheck([=](In in) { return sg::amax(in[0], {}, keepdim); }, {x}));
  }
}

BOOST_AUTO_TEST_CASE(amax_and_amin_split_the_gradient_among_ties_as_torch) {
  // torch.amax(tensor([3., 3, 1]), 0).backward() gives [0.5, 0.5, 0]; with a NaN, NaN everywhere
  Tensor x = sg::tensor({{3.0, 3.0, 1.0}, {1.0, 2.0, 2.0}}, kFloat64).requires_grad_();
  sg::amax(x, 1).backward(sg::tensor({1.0, 4.0}, kFloat64));
  BOOST_TEST(all_close(x.grad(), sg::tensor({{0.5, 0.5, 0.0}, {0.0, 2.0, 2.0}}, kFloat64), 0));
  x.zero_grad();
  sg::amin(x, {0, 1}).backward();  // two 1s tie
  BOOST_TEST(all_close(x.grad(), sg::tensor({{0.0, 0.0, 0.5}, {0.5, 0.0, 0.0}}, kFloat64), 0));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  x = sg::tensor({3.0, nan, 1.0}, kFloat64).requires_grad_();
  const Tensor y = sg::amax(x, 0);
  BOOST_TEST(std::isnan(y.item()));
  y.backward();
  for (double g : x.grad().to_vector<double>()) BOOST_TEST(std::isnan(g));
}

BOOST_AUTO_TEST_CASE(max_and_min_along_a_dim_return_values_and_indices_as_torch) {
  const Tensor x = reduce_fixture();
  // v, i = torch.max(x, 1); v, i = torch.min(x, 2, keepdim=True)
  const auto [values, indices] = sg::max(x, 1);
  BOOST_TEST(all_close(values, sg::tensor({{4.0, 2.5, 3.25, 2.0}, {5.0, 3.0, 2.0, 4.5}}, kFloat64), 0));
  BOOST_TEST(indices.dtype() == kInt64);
  BOOST_TEST(indices.to_vector<int64_t>() == std::vector<int64_t>({1, 2, 0, 1, 2, 1, 2, 0}),
             boost::test_tools::per_element());
  const auto low = x.min(2, true);
  BOOST_TEST(all_close(low.values, sg::tensor({{{-2.0}, {-6.0}, {-3.5}}, {{-0.5}, {-2.25}, {-4.0}}}, kFloat64), 0));
  BOOST_TEST(low.indices.shape() == Shape({2, 3, 1}));
  BOOST_TEST(low.indices.to_vector<int64_t>() == std::vector<int64_t>({1, 2, 3, 2, 0, 1}),
             boost::test_tools::per_element());
  // The gradient goes to the index returned: torch.max(tensor([3., 3, 1]), 0) picks 0, its grad [1, 0, 0]
  const Tensor t = sg::tensor({3.0, 3.0, 1.0}, kFloat64).requires_grad_();
  const auto top = sg::max(t, 0);
  top.values.backward();
  BOOST_TEST(top.indices.item<int64_t>() == 0);
  BOOST_TEST(all_close(t.grad(), sg::tensor({1.0, 0.0, 0.0}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(reductions_over_several_dims_name_the_op_in_errors) {
  const Tensor x = sg::zeros({2, 3});
  BOOST_TEST(throws_with([&] { (void)sg::sum(x, {1, -1}); }, {"sum: dim 1 appears more than once in the list of dims"}));
  BOOST_TEST(throws_with([&] { (void)sg::mean(x, {0, 2}); }, {"mean:", "rank 2", "got 2"}));
  BOOST_TEST(throws_with([&] { (void)sg::amax(x, {0, 1, 0}); }, {"amax: expected at most 2 dims for shape [2, 3], got 3"}));
  BOOST_TEST(throws_with([&] { (void)sg::amin(sg::zeros({2, 0}), 0); }, {"amin:", "[2, 0]"}));
  BOOST_TEST(throws_with([&] { (void)sg::amax(sg::zeros({2}, kInt64)); }, {"amax:", "int64"}));
  BOOST_TEST(throws_with([&] { (void)sg::mean(sg::zeros({2, 0}), {0, 1}); }, {"mean:", "[2, 0]"}));
}

BOOST_AUTO_TEST_SUITE_END()
