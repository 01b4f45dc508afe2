// Notebook 004's backprop, layer by layer, with plain loops in float64; legend: x the image (28, 28),
// F the filters (8, 3, 3), c = conv(x, F) (8, 26, 26), pooled (8, 13, 13) the 2x2 maxima of c,
// z = W pooled + b (10), p = softmax(z), loss = -log p[t].
#include "tutorials/common/hand_backward_004.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "tutorials/common/hand_dense_softmax.h"
#include "tutorials/common/tied_max_pool.h"

namespace sg::tutorial {

// Names of this notebook only, apart from the other notebooks' (same names, other sizes).
namespace notebook_004 {

constexpr int64_t kSide = 28, kF = 8, kConv = 26, kPool = 13, kFeatures = kF * kPool * kPool;

struct Grads {
  std::vector<double> filters, weight, bias;
};

// as_written: the notebook's MaxPool2.backprop, whose loop over a window's pixels sits after the loop
// over the windows, so it runs once, on the last window (12, 12). It marks every tied maximum; corrected,
// so does the loop when all_ties, else only the first maximum takes the gradient (max_pool2d's rule).
Grads backward(const std::vector<double>& x, const std::vector<double>& f, const std::vector<double>& w,
               const std::vector<double>& b, int64_t label, bool as_written, bool all_ties) {
  std::vector<double> c(kF * kConv * kConv, 0.0), pooled(kFeatures);
  for (int64_t k = 0; k < kF; ++k)
    for (int64_t i = 0; i < kConv; ++i)
      for (int64_t j = 0; j < kConv; ++j)
        for (int64_t a = 0; a < 3; ++a)
          for (int64_t e = 0; e < 3; ++e)
            c[(k * kConv + i) * kConv + j] += x[(i + a) * kSide + j + e] * f[(k * 3 + a) * 3 + e];
  for (int64_t k = 0; k < kF; ++k)
    for (int64_t i = 0; i < kPool; ++i)
      for (int64_t j = 0; j < kPool; ++j) {
        double best = -INFINITY;
        for (int64_t a = 0; a < 2; ++a)
          for (int64_t e = 0; e < 2; ++e) best = std::max(best, c[(k * kConv + 2 * i + a) * kConv + 2 * j + e]);
        pooled[(k * kPool + i) * kPool + j] = best;
      }
  // Softmax.backprop, right as written (see hand_dense_softmax.h).
  DenseSoftmaxGrads head = dense_softmax_backward(pooled, w, b, label);
  Grads g{.filters = std::vector<double>(kF * 9, 0.0), .weight = std::move(head.weight), .bias = std::move(head.bias)};
  const std::vector<double>& dpooled = head.input;
  // MaxPool2.backprop: the gradient of each window to its maximum (or each of its tied maxima).
  std::vector<double> dc(c.size(), 0.0);
  for (int64_t k = 0; k < kF; ++k)
    for (int64_t i = as_written ? kPool - 1 : 0; i < kPool; ++i)
      for (int64_t j = as_written ? kPool - 1 : 0; j < kPool; ++j) {
        bool routed = false;
        for (int64_t a = 0; a < 2; ++a)
          for (int64_t e = 0; e < 2; ++e) {
            const int64_t at = (k * kConv + 2 * i + a) * kConv + 2 * j + e;
            if (c[at] == pooled[(k * kPool + i) * kPool + j] && (as_written || all_ties || !routed)) {
              dc[at] = dpooled[(k * kPool + i) * kPool + j];
              routed = true;
            }
          }
      }
  // Conv3x3.backprop, right as written: fwd c[k, i, j] = sum_ae x[i+a, j+e] F[k, a, e]  =>
  // dF[k, a, e] += x[i+a, j+e] dc[k, i, j].
  for (int64_t k = 0; k < kF; ++k)
    for (int64_t i = 0; i < kConv; ++i)
      for (int64_t j = 0; j < kConv; ++j)
        for (int64_t a = 0; a < 3; ++a)
          for (int64_t e = 0; e < 3; ++e)
            g.filters[(k * 3 + a) * 3 + e] += x[(i + a) * kSide + j + e] * dc[(k * kConv + i) * kConv + j];
  return g;
}

}  // namespace notebook_004

std::vector<BackwardRow> check_backward_004(const SmallCnnWeights& weights, const Tensor& image, int64_t label,
                                            bool all_ties) {
  using namespace notebook_004;
  auto leaf = [](const Tensor& t) { return t.to(kFloat64).detach().requires_grad_(); };
  const Tensor f = leaf(weights.filters), w = leaf(weights.weight), b = leaf(weights.bias);
  const Tensor x = image.to(kFloat64);
  const Tensor c = conv2d(x, f);
  const Tensor pooled = all_ties ? tied_max_pool2d(c, {.kernel_size = 2}) : max_pool2d(c, {.kernel_size = 2});
  const Tensor logits = linear(pooled.flatten(1), w, b);
  nn::cross_entropy(logits, tensor(std::vector<int64_t>{label}, {1})).backward();

  const std::vector<double> xv = x.to_vector<double>(), fv = f.to_vector<double>(), wv = w.to_vector<double>(),
                            bv = b.to_vector<double>();
  const Grads as_written = backward(xv, fv, wv, bv, label, true, all_ties),
              corrected = backward(xv, fv, wv, bv, label, false, all_ties);
  return {{"conv.weight", max_abs_diff(as_written.filters, f.grad()), max_abs_diff(corrected.filters, f.grad()),
           "MaxPool2.backprop's pixel loop runs after its window loop: only window (12, 12) passes a gradient"},
          {"fc.weight", max_abs_diff(as_written.weight, w.grad()), max_abs_diff(corrected.weight, w.grad()),
           "none: Softmax.backprop is right (rounding only)"},
          {"fc.bias", max_abs_diff(as_written.bias, b.grad()), max_abs_diff(corrected.bias, b.grad()),
           "none: Softmax.backprop is right (rounding only)"}};
}

}  // namespace sg::tutorial
