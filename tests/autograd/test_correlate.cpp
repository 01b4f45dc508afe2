// correlate2d and convolve2d against scipy.signal's definitions: a transcription of scipy's own loop
// (its index rule per mode, its swap of the operands in "valid" mode), hand-computed "same" results for
// an even kernel, where correlate2d and convolve2d centre differently, gradients in both arguments, errors.
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(correlate)

namespace {

// scipy.signal.correlate2d / convolve2d with zero fill, as scipy computes them: in "valid" mode the
// operands are swapped when in2 is the larger one (and a correlation's result is then reversed); each
// output (m, n) starts at input row new_m, which depends on the mode, and walks the kernel forwards
// (correlation) or backwards (convolution).
Tensor scipy_reference(Tensor in1, Tensor in2, const std::string& mode, bool convolve) {
  const bool swapped = mode == "valid" && in2.size(0) >= in1.size(0) && in2.size(1) >= in1.size(1) &&
                       !(in1.size(0) >= in2.size(0) && in1.size(1) >= in2.size(1));
  if (swapped) std::swap(in1, in2);
  const int64_t H = in1.size(0), W = in1.size(1), KH = in2.size(0), KW = in2.size(1);
  const int64_t OH = mode == "full" ? H + KH - 1 : mode == "same" ? H : H - KH + 1;
  const int64_t OW = mode == "full" ? W + KW - 1 : mode == "same" ? W : W - KW + 1;
  auto start = [&](int64_t m, int64_t K) {
    if (mode == "full") return convolve ? m : m - K + 1;
    if (mode == "same") return convolve ? m + ((K - 1) >> 1) : m - ((K - 1) >> 1);
    return convolve ? m + K - 1 : m;
  };
  const auto a = in1.to_vector<double>(), k = in2.to_vector<double>();
  Tensor out = zeros({OH, OW}, kFloat64);
  for (int64_t m = 0; m < OH; ++m)
    for (int64_t n = 0; n < OW; ++n) {
      double acc = 0;
      for (int64_t j = 0; j < KH; ++j)
        for (int64_t l = 0; l < KW; ++l) {
          const int64_t r = convolve ? start(m, KH) - j : start(m, KH) + j;
          const int64_t c = convolve ? start(n, KW) - l : start(n, KW) + l;
          if (r >= 0 && r < H && c >= 0 && c < W) acc += a[r * W + c] * k[j * KW + l];
        }
      out.data<double>()[m * OW + n] = acc;
    }
  if (swapped && !convolve) {  // scipy returns out[::-1, ::-1]
    Tensor flipped = empty({OH, OW}, kFloat64);
    for (int64_t i = 0; i < OH * OW; ++i) flipped.data<double>()[i] = out.data<double>()[OH * OW - 1 - i];
    out = flipped;
  }
  return out;
}

// Pairs of (input, kernel) shapes: odd and even kernels, non-square, one-pixel, and kernels larger than
// the input (scipy swaps them in "valid" mode).
const std::vector<std::pair<Shape, Shape>> kShapes = {
    {{5, 6}, {3, 3}}, {{5, 6}, {2, 2}}, {{6, 5}, {2, 3}}, {{4, 4}, {4, 4}}, {{5, 5}, {1, 1}},
    {{7, 4}, {4, 1}}, {{3, 2}, {5, 4}}, {{2, 3}, {2, 6}}, {{1, 1}, {3, 2}}};

}  // namespace

BOOST_AUTO_TEST_CASE(all_modes_match_scipys_loop) {
  manual_seed(11);
  for (const auto& [in_shape, k_shape] : kShapes)
    for (const std::string mode : {"valid", "same", "full"})
      for (bool convolve : {false, true}) {
        BOOST_TEST_CONTEXT((convolve ? "convolve2d " : "correlate2d ") << mode << " input " << in_shape << " kernel "
                                                                       << k_shape) {
          const Tensor x = uniform64(in_shape), k = uniform64(k_shape);
          const Tensor y = convolve ? convolve2d(x, k, mode) : correlate2d(x, k, mode);
          BOOST_TEST(all_close(y, scipy_reference(x, k, mode, convolve), 1e-10, 0));
        }
      }
}

BOOST_AUTO_TEST_CASE(same_mode_centres_an_even_kernel_as_scipy_does) {
  // Worked by hand from scipy's rule. correlate2d "same" anchors a 2x2 kernel at its top-left:
  //   y[m, n] = x[m, n] - x[m + 1, n + 1];   convolve2d "same" at its top-left after the flip:
  //   y[m, n] = x[m, n] - x[m - 1, n - 1].
  const Tensor x = sg::tensor({{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}, kFloat64);
  const Tensor k = sg::tensor({{1, 0}, {0, -1}}, kFloat64);
  BOOST_TEST(all_close(correlate2d(x, k, "same"), sg::tensor({{-4, -4, 3}, {-4, -4, 6}, {7, 8, 9}}, kFloat64)));
  BOOST_TEST(all_close(convolve2d(x, k, "same"), sg::tensor({{1, 2, 3}, {4, 4, 4}, {7, 4, 4}}, kFloat64)));
  BOOST_TEST(all_close(correlate2d(x, k), sg::tensor({{-4, -4}, {-4, -4}}, kFloat64)));
  BOOST_TEST(all_close(convolve2d(x, k, "full"),
                       sg::tensor({{1, 2, 3, 0}, {4, 4, 4, -3}, {7, 4, 4, -6}, {0, -7, -8, -9}}, kFloat64)));
}

BOOST_AUTO_TEST_CASE(notebook_000_valid_correlation_of_a_28x28_image_with_a_6x6_filter_is_23x23) {
  BOOST_TEST(correlate2d(zeros({28, 28}), zeros({6, 6})).shape() == Shape({23, 23}));
}

BOOST_AUTO_TEST_CASE(grads_in_both_arguments_match_finite_differences) {
  manual_seed(12);
  for (const auto& [in_shape, k_shape] : kShapes)
    for (const std::string mode : {"valid", "same", "full"})
      for (bool convolve : {false, true}) {
        BOOST_TEST_CONTEXT((convolve ? "convolve2d " : "correlate2d ") << mode << " input " << in_shape << " kernel "
                                                                       << k_shape) {
          BOOST_TEST(passes_gradcheck(
              [&](const std::vector<Tensor>& in) {
                return convolve ? convolve2d(in[0], in[1], mode) : correlate2d(in[0], in[1], mode);
              },
              {uniform64(in_shape), uniform64(k_shape)}));
        }
      }
}

BOOST_AUTO_TEST_CASE(bad_arguments_throw_with_op_name_and_shapes) {
  BOOST_TEST(throws_with([] { correlate2d(zeros({1, 5, 5}), zeros({3, 3})); }, {"correlate2d", "[1, 5, 5]", "[3, 3]"}));
  BOOST_TEST(throws_with([] { convolve2d(zeros({5, 5}), zeros({3, 3}), "middle"); }, {"convolve2d", "\"middle\""}));
  BOOST_TEST(throws_with([] { correlate2d(zeros({5, 2}), zeros({2, 5})); }, {"correlate2d", "valid", "[5, 2]", "[2, 5]"}));
}

BOOST_AUTO_TEST_SUITE_END()
