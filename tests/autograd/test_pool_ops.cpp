// max_pool2d and avg_pool2d: forward against direct loops written here, hand-computed values for ties,
// padding and odd sizes, gradients against finite differences, shape errors, and 1 vs 2 threads.
#include <limits>

#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(pool_ops)

namespace {

// Direct loops in float64: max over the window's pixels inside the image (padding is -inf), or their
// sum divided by the full window size (padding counts as zeros).
Tensor reference_pool(const Tensor& x, const Pool2dParams& p, bool max) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t KH = p.kernel_size[0], KW = p.kernel_size[1];
  const int64_t SH = p.stride[0] ? p.stride[0] : KH, SW = p.stride[1] ? p.stride[1] : KW;
  const int64_t OH = (H + 2 * p.padding[0] - KH) / SH + 1, OW = (W + 2 * p.padding[1] - KW) / SW + 1;
  const auto xs = x.to_vector<double>();
  Tensor y = zeros({N, C, OH, OW}, kFloat64);
  for (int64_t nc = 0; nc < N * C; ++nc)
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) {
        double acc = max ? -std::numeric_limits<double>::infinity() : 0.0;
        for (int64_t a = 0; a < KH; ++a)
          for (int64_t b = 0; b < KW; ++b) {
            const int64_t h = i * SH - p.padding[0] + a, v = j * SW - p.padding[1] + b;
            if (h < 0 || h >= H || v < 0 || v >= W) continue;
            const double value = xs[(nc * H + h) * W + v];
            acc = max ? std::max(acc, value) : acc + value;
          }
        y.data<double>()[(nc * OH + i) * OW + j] = max ? acc : acc / double(KH * KW);
      }
  return y;
}

// Distinct values in random order, at least 0.01 apart: no two elements of a window are within the
// finite-difference step of each other, so max pool is differentiable at the test point.
Tensor distinct64(const Shape& shape, uint64_t seed) {
  manual_seed(seed);
  const Tensor keys = rand({shape.numel()}, kFloat64);
  std::vector<double> k = keys.to_vector<double>();
  std::vector<int64_t> rank(k.size());
  for (size_t i = 0; i < k.size(); ++i)
    for (size_t j = 0; j < k.size(); ++j) rank[i] += k[j] < k[i];
  Tensor t = empty(shape, kFloat64);
  for (size_t i = 0; i < k.size(); ++i) t.data<double>()[i] = 0.01 * double(rank[i]) - 1.0;
  return t.requires_grad_();
}

struct Case {
  int64_t N, C, K0, K1, S, P;
};

std::vector<Case> grid() {
  std::vector<Case> cases;
  int64_t k = 0;
  for (const auto& [K0, K1] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {2, 2}, {3, 3}, {5, 5}, {6, 6}, {2, 3}})
    for (int64_t S : {0, 1, 2, 3})
      for (int64_t P : {0, 1, 2}) {
        if (2 * P > std::min(K0, K1)) continue;  // padding is at most half the window
        cases.push_back({k % 2 ? 3 : 1, (k / 2) % 2 ? 3 : 1, K0, K1, S, P});
        ++k;
      }
  return cases;
}

Pool2dParams params_of(const Case& c) {
  return {.kernel_size = {c.K0, c.K1}, .stride = {c.S, c.S}, .padding = {c.P, c.P}};
}

}  // namespace

BOOST_AUTO_TEST_CASE(forward_matches_direct_loops_over_the_grid) {
  for (const Case& c : grid()) {
    BOOST_TEST_CONTEXT("N=" << c.N << " C=" << c.C << " kernel=" << c.K0 << "x" << c.K1 << " stride=" << c.S
                            << " padding=" << c.P) {
      const Tensor x = distinct64({c.N, c.C, 9, 8}, uint64_t(c.K0 * 100 + c.S * 10 + c.P));
      BOOST_TEST(all_close(max_pool2d(x, params_of(c)), reference_pool(x, params_of(c), true), 1e-10, 0));
      BOOST_TEST(all_close(avg_pool2d(x, params_of(c)), reference_pool(x, params_of(c), false), 1e-10, 0));
    }
  }
}

BOOST_AUTO_TEST_CASE(grads_match_finite_differences_over_the_grid) {
  for (const Case& c : grid()) {
    BOOST_TEST_CONTEXT("N=" << c.N << " C=" << c.C << " kernel=" << c.K0 << "x" << c.K1 << " stride=" << c.S
                            << " padding=" << c.P) {
      const Tensor x = distinct64({c.N, c.C, 7, 6}, uint64_t(c.K0 * 100 + c.S * 10 + c.P));
      const Pool2dParams params = params_of(c);
      BOOST_TEST(passes_gradcheck([&](const std::vector<Tensor>& in) { return max_pool2d(in[0], params); }, {x}));
      BOOST_TEST(passes_gradcheck([&](const std::vector<Tensor>& in) { return avg_pool2d(in[0], params); }, {x}));
    }
  }
}

BOOST_AUTO_TEST_CASE(odd_sizes_floor_as_the_notebooks_need) {
  BOOST_TEST(max_pool2d(zeros({1, 1, 23, 23}), {.kernel_size = {2, 2}}).shape() == Shape({1, 1, 11, 11}));
  BOOST_TEST(max_pool2d(zeros({1, 8, 26, 26}), {.kernel_size = {2, 2}}).shape() == Shape({1, 8, 13, 13}));
  BOOST_TEST(avg_pool2d(zeros({1, 1, 23, 23}), {.kernel_size = {2, 2}}).shape() == Shape({1, 1, 11, 11}));
  // Notebook 002: 15x15 maps, pooled 2x2 with stride 2 and padding 1.
  BOOST_TEST(max_pool2d(zeros({1, 8, 15, 15}), {.kernel_size = {2, 2}, .stride = {2, 2}, .padding = {1, 1}}).shape() ==
             Shape({1, 8, 8, 8}));
}

BOOST_AUTO_TEST_CASE(max_pool_gradient_goes_to_the_first_maximum_of_each_window) {
  // Window [[5, 5], [1, 5]]: three tied maxima, the first (row-major) gets the whole gradient.
  Tensor x = sg::tensor({{{{5, 5, 0}, {1, 5, 7}}}}, kFloat64).requires_grad_();
  Tensor y = max_pool2d(x, {.kernel_size = {2, 2}, .stride = {1, 1}});
  BOOST_TEST(all_close(y, sg::tensor({{{{5, 7}}}}, kFloat64)));
  y.backward(sg::tensor({{{{1, 10}}}}, kFloat64));
  BOOST_TEST(all_close(x.grad(), sg::tensor({{{{1, 0, 0}, {0, 0, 10}}}}, kFloat64)));
}

// The 2x2 stride-2 pool has kernels of its own (a vector one for float32, 16 windows a step), so it is
// checked in float32 against a scalar loop written here, on rows of 1 to 21 windows (one step, a full
// step, and a partial second one), with ties, infinities and NaNs, for values and the winner's position.
BOOST_AUTO_TEST_CASE(max_pool_2x2_float32_matches_a_scalar_loop_with_ties_and_nans) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  const std::vector<float> pool_of_values{0.0f, 1.0f, 1.0f, 2.0f, -1.0f, -inf, inf, nan, 0.5f, 2.0f, 3.0f};
  uint64_t state = 12345;
  for (int64_t W = 2; W <= 43; ++W) {
    const int64_t H = 5, OH = H / 2, OW = W / 2;
    Tensor x = empty({2, 1, H, W});
    for (int64_t i = 0; i < x.numel(); ++i) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      x.data<float>()[i] = pool_of_values[(state >> 33) % pool_of_values.size()];
    }
    x.requires_grad_();
    Tensor y = max_pool2d(x, {.kernel_size = {2, 2}});
    y.backward(ones_like(y));
    BOOST_TEST_CONTEXT("W=" << W) {
      BOOST_REQUIRE(y.shape() == Shape({2, 1, OH, OW}));
      for (int64_t p = 0; p < 2; ++p)
        for (int64_t i = 0; i < OH; ++i)
          for (int64_t j = 0; j < OW; ++j) {
            // The first maximum in row-major order; a NaN beats any number, and the first NaN stays.
            int64_t best = -1;
            float best_value = 0;
            for (int64_t a = 0; a < 2; ++a)
              for (int64_t b = 0; b < 2; ++b) {
                const int64_t at = (p * H + 2 * i + a) * W + 2 * j + b;
                const float v = x.data<float>()[at];
                if (best < 0 || (!std::isnan(best_value) && (std::isnan(v) || v > best_value))) {
                  best = at;
                  best_value = v;
                }
              }
            const float got = y.data<float>()[(p * OH + i) * OW + j];
            BOOST_TEST((got == best_value || (std::isnan(got) && std::isnan(best_value))),
                       "window (" << p << ", " << i << ", " << j << "): got " << got << ", expected " << best_value);
            BOOST_TEST(x.grad().data<float>()[best] == 1.0f,
                       "window (" << p << ", " << i << ", " << j << "): gradient not at flat position " << best);
          }
      BOOST_TEST(x.grad().sum().item() == double(2 * OH * OW));  // and nowhere else
    }
  }
}

// Without a backward to come (no input requiring gradients, or under NoGradGuard) max_pool2d keeps no
// positions of maxima and its kernels take another path: the values must be the same bits, in float32
// (the vector 2x2 kernel, rows of 1 to 20 windows, with ties, infinities and NaNs) and float64 (the
// scalar one), and for windows of other shapes, and match the direct loop.
BOOST_AUTO_TEST_CASE(max_pool_without_gradients_gives_the_same_values) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  const std::vector<float> values{0.0f, 1.0f, 1.0f, 2.0f, -1.0f, -inf, inf, nan, 0.5f};
  uint64_t state = 99;
  for (const Dtype dtype : {kFloat32, kFloat64})
    for (int64_t W = 2; W <= 43; W += 3)
      for (const Pool2dParams& params : {Pool2dParams{.kernel_size = {2, 2}},
                                         Pool2dParams{.kernel_size = {3, 3}, .stride = {2, 2}, .padding = {1, 1}}}) {
        Tensor x = empty({2, 3, 5, W}, dtype);
        for (int64_t i = 0; i < x.numel(); ++i) {
          state = state * 6364136223846793005ull + 1442695040888963407ull;
          const float v = values[(state >> 33) % values.size()];
          if (dtype == kFloat32) x.data<float>()[i] = v;
          else x.data<double>()[i] = v;
        }
        BOOST_TEST_CONTEXT(dtype << " W=" << W << " kernel " << params.kernel_size[0]) {
          const Tensor recorded = max_pool2d(x.detach().requires_grad_(), params);
          BOOST_TEST(recorded.requires_grad());
          BOOST_TEST(bitwise_equal(max_pool2d(x, params), recorded));
          NoGradGuard no_grad;
          BOOST_TEST(bitwise_equal(max_pool2d(x.detach().requires_grad_(), params), recorded));
        }
      }
  const Tensor x = distinct64({2, 3, 9, 8}, 5).detach();
  for (const Case& c : grid())
    BOOST_TEST(all_close(max_pool2d(x, params_of(c)), reference_pool(x, params_of(c), true), 1e-10, 0));
}

// PyTorch's max_pool2d propagates NaN: a window holding one gives NaN, and the gradient goes to its
// position (here the first NaN of the window, in row-major order). The NaN sits first in some windows and
// later in others, through the 2x2 stride-2 kernels (vector and scalar) and the general one.
BOOST_AUTO_TEST_CASE(max_pool_propagates_nan_and_routes_its_gradient_to_it) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  //   flat positions:  0  1  2  3 /  4  5  6  7 /  8  9 10 11 / 12 13 14 15
  const std::vector<double> values{1, 2, 0, 0, nan, 0, 5, 6, 3, 3, nan, nan, 0, 9, 1, 2};
  for (const Dtype dtype : {kFloat32, kFloat64}) {
    BOOST_TEST_CONTEXT(dtype) {
      // 2x2, stride 2: windows {1, 2, nan, 0} (NaN at 4), {0, 0, 5, 6} (6 at 7), {3, 3, 0, 9} (9 at 13),
      // {nan, nan, 1, 2} (the first NaN, at 10).
      Tensor x = sg::tensor(values, {1, 1, 4, 4}).to(dtype).requires_grad_();
      Tensor y = max_pool2d(x, {.kernel_size = {2, 2}});
      BOOST_TEST(all_close(y, sg::tensor({{{{nan, 6.0}, {9.0, nan}}}}, dtype), 0, 0));
      y.backward(sg::tensor({{{{1.0, 2.0}, {4.0, 8.0}}}}, dtype));
      std::vector<double> expected(16, 0.0);
      expected[4] = 1, expected[7] = 2, expected[13] = 4, expected[10] = 8;
      BOOST_TEST(all_close(x.grad(), sg::tensor(expected, {1, 1, 4, 4}).to(dtype), 0, 0));
      {
        NoGradGuard no_grad;
        BOOST_TEST(all_close(max_pool2d(x, {.kernel_size = {2, 2}}), y, 0, 0));
      }

      // 2x2, stride 1 (the general kernel): nine overlapping windows, NaN at 4 for (0, 0) and (1, 0), at 10
      // for (1, 1), (1, 2), (2, 1), (2, 2); the others 5 at 6, 6 at 7, 9 at 13.
      x.zero_grad();
      y = max_pool2d(x, {.kernel_size = {2, 2}, .stride = {1, 1}});
      BOOST_TEST(all_close(y, sg::tensor({{{{nan, 5.0, 6.0}, {nan, nan, nan}, {9.0, nan, nan}}}}, dtype), 0, 0));
      y.backward(ones_like(y));
      expected.assign(16, 0.0);
      expected[4] = 2, expected[6] = 1, expected[7] = 1, expected[10] = 4, expected[13] = 1;
      BOOST_TEST(all_close(x.grad(), sg::tensor(expected, {1, 1, 4, 4}).to(dtype), 0, 0));
    }
  }
}

BOOST_AUTO_TEST_CASE(max_pool_padding_never_wins_even_over_negative_values) {
  Tensor x = sg::tensor({{{{-3, -2}, {-1, -4}}}}, kFloat64);
  BOOST_TEST(all_close(max_pool2d(x, {.kernel_size = {2, 2}, .padding = {1, 1}}),
                       sg::tensor({{{{-3, -2}, {-1, -4}}}}, kFloat64)));
}

BOOST_AUTO_TEST_CASE(avg_pool_counts_padding_as_zeros) {
  // PyTorch's count_include_pad=True: the corner window holds one pixel and three zeros of padding.
  Tensor x = sg::tensor({{{{4, 8}, {12, 16}}}}, kFloat64).requires_grad_();
  Tensor y = avg_pool2d(x, {.kernel_size = {2, 2}, .padding = {1, 1}});
  BOOST_TEST(all_close(y, sg::tensor({{{{1, 2}, {3, 4}}}}, kFloat64)));
  y.sum().backward();
  BOOST_TEST(all_close(x.grad(), full({1, 1, 2, 2}, 0.25, kFloat64)));
}

BOOST_AUTO_TEST_CASE(bad_arguments_throw_with_op_name_and_shapes) {
  BOOST_TEST(throws_with([] { max_pool2d(zeros({28, 28}), {}); }, {"max_pool2d", "[28, 28]"}));
  BOOST_TEST(throws_with([] { avg_pool2d(zeros({1, 1, 28, 28}), {.kernel_size = {2, 2}, .padding = {2, 2}}); },
                         {"avg_pool2d", "padding (2, 2)", "kernel_size (2, 2)"}));
  BOOST_TEST(throws_with([] { max_pool2d(zeros({1, 1, 3, 3}), {.kernel_size = {5, 5}}); },
                         {"max_pool2d", "(5, 5)", "[1, 1, 3, 3]"}));
  BOOST_TEST(throws_with([] { max_pool2d(zeros({1, 1, 3, 3}), {.kernel_size = {0, 2}}); }, {"max_pool2d", "(0, 2)"}));
}

BOOST_AUTO_TEST_CASE(kernel_sizes_and_paddings_that_overflow_are_refused) {
  // A 2^32 x 2^32 window padded by half of it passes every other check on a 1x1 image; avg_pool2d then
  // divided by KH * KW, which wrapped to 0.
  const int64_t k = int64_t(1) << 32;
  const Pool2dParams huge{.kernel_size = {k, k}, .padding = {k / 2, k / 2}};
  BOOST_TEST(throws_with([&] { avg_pool2d(zeros({1, 1, 1, 1}), huge); }, {"avg_pool2d:", "(4294967296, 4294967296)", "too large"}));
  BOOST_TEST(throws_with([&] { max_pool2d(zeros({1, 1, 1, 1}), huge); }, {"max_pool2d:", "too large"}));
  // 2 * padding wrapped negative and passed for at most half the kernel
  BOOST_TEST(throws_with([] { max_pool2d(zeros({1, 1, 2, 2}), {.kernel_size = {2, 2}, .padding = {int64_t(1) << 62, 0}}); },
                         {"max_pool2d:", "half the kernel size", "padding (4611686018427387904, 0)"}));
}

// Both dtypes, the general kernel and the 2x2 stride-2 ones, on maps with a NaN every 97 elements.
BOOST_AUTO_TEST_CASE(one_and_two_threads_give_identical_bits) {
  manual_seed(7);
  Tensor x64 = randn({32, 8, 26, 26}, kFloat64);
  for (int64_t i = 0; i < x64.numel(); i += 97) x64.data<double>()[i] = std::numeric_limits<double>::quiet_NaN();
  for (const Dtype dtype : {kFloat32, kFloat64})
    for (const Pool2dParams& params : {Pool2dParams{.kernel_size = {3, 3}, .stride = {2, 2}, .padding = {1, 1}},
                                       Pool2dParams{.kernel_size = {2, 2}}}) {
      const Tensor x = x64.to(dtype), dy = randn({32, 8, 13, 13}, dtype);
      auto run = [&](int threads, bool max) {
        ThreadCount count(threads);
        Tensor in = x.detach().requires_grad_();
        Tensor y = max ? max_pool2d(in, params) : avg_pool2d(in, params);
        y.backward(dy);
        return std::pair{y, in.grad()};
      };
      for (bool max : {true, false}) {
        BOOST_TEST_CONTEXT(dtype << " kernel " << params.kernel_size[0] << (max ? " max" : " avg")) {
          const auto [y1, dx1] = run(1, max);
          const auto [y2, dx2] = run(2, max);
          BOOST_TEST(bitwise_equal(y1, y2));
          BOOST_TEST(bitwise_equal(dx1, dx2));
        }
      }
    }
}

BOOST_AUTO_TEST_SUITE_END()
