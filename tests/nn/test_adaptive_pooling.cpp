// AdaptiveAvgPool2d and AdaptiveMaxPool2d: the output size whatever the input's, forward against a loop
// over PyTorch's windows, gradcheck through the layer, the printed form and the errors.
#include "tests/testing.h"

#include <algorithm>
#include <limits>

#include "scratchgrad/nn.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(adaptive_pooling)

namespace {
// Window i along a dim of n values pooled to m: [floor(i n / m), ceil((i + 1) n / m)), as in PyTorch.
Tensor adaptive_loop(const Tensor& x, int64_t OH, int64_t OW, bool max) {
  const int64_t P = x.size(0) * x.size(1), H = x.size(2), W = x.size(3);
  std::vector<double> y(P * OH * OW);
  const double* px = x.data<double>();
  for (int64_t p = 0; p < P; ++p)
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) {
        const int64_t h0 = i * H / OH, h1 = ((i + 1) * H + OH - 1) / OH;
        const int64_t w0 = j * W / OW, w1 = ((j + 1) * W + OW - 1) / OW;
        double acc = max ? -std::numeric_limits<double>::infinity() : 0.0;
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w)
            acc = max ? std::max(acc, px[(p * H + h) * W + w]) : acc + px[(p * H + h) * W + w];
        y[(p * OH + i) * OW + j] = max ? acc : acc / double((h1 - h0) * (w1 - w0));
      }
  return sg::tensor(y, {x.size(0), x.size(1), OH, OW});
}
}  // namespace

BOOST_AUTO_TEST_CASE(adaptive_pooling_forward_matches_a_loop_for_any_input_size) {
  manual_seed(4);
  for (Shape shape : {Shape{2, 3, 7, 6}, Shape{1, 2, 28, 28}, Shape{1, 1, 2, 3}}) {
    const Tensor x = randn(shape, kFloat64);
    BOOST_TEST(all_close(nn::AdaptiveAvgPool2d({3, 4}).forward(x), adaptive_loop(x, 3, 4, false), 1e-12));
    BOOST_TEST(all_close(nn::AdaptiveMaxPool2d({3, 4}).forward(x), adaptive_loop(x, 3, 4, true), 0));
    BOOST_TEST(all_close(nn::AdaptiveAvgPool2d(1).forward(x), adaptive_loop(x, 1, 1, false), 1e-12));
  }
}

BOOST_AUTO_TEST_CASE(adaptive_pooling_grad_matches_finite_differences) {
  std::vector<double> spaced(40);
  for (int i = 0; i < 40; ++i) spaced[size_t(i)] = 0.1 * double((i * 17) % 40);  // no ties within eps
  const Tensor x = sg::tensor(spaced, {1, 2, 4, 5}).requires_grad_();
  using In = const std::vector<Tensor>&;
  BOOST_TEST(passes_gradcheck([](In in) { return nn::AdaptiveMaxPool2d({3, 2}).forward(in[0]); }, {x}));
  BOOST_TEST(passes_gradcheck([](In in) { return nn::AdaptiveAvgPool2d({3, 2}).forward(in[0]); },
                              {uniform64({2, 1, 5, 5})}));
}

BOOST_AUTO_TEST_CASE(adaptive_pooling_prints_its_output_size) {
  BOOST_TEST(nn::AdaptiveAvgPool2d(1).repr() == "AdaptiveAvgPool2d(output_size=[1, 1])");
  BOOST_TEST(nn::AdaptiveMaxPool2d({7, 5}).repr() == "AdaptiveMaxPool2d(output_size=[7, 5])");
}

BOOST_AUTO_TEST_CASE(adaptive_pooling_refuses_zero_sizes_and_inputs_of_the_wrong_rank) {
  BOOST_TEST(throws_with([] { nn::AdaptiveAvgPool2d({0, 2}); }, {"AdaptiveAvgPool2d", "output_size", "[0, 2]"}));
  BOOST_TEST(throws_with([] { nn::AdaptiveMaxPool2d(-1); }, {"AdaptiveMaxPool2d", "output_size", "[-1, -1]"}));
  nn::AdaptiveAvgPool2d pool(2);
  BOOST_TEST(throws_with([&] { pool.forward(ones({3, 4, 4})); }, {"adaptive_avg_pool2d", "[3, 4, 4]"}));
}

BOOST_AUTO_TEST_SUITE_END()
