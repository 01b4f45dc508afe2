// Notebook 002's back_props, layer by layer, with plain loops in float64; legend: xp the image padded to
// (30, 30), F the filters (8, 2, 2), c = conv(xp, F, stride 2) (8, 15, 15), cp = c padded to (8, 17, 17)
// with zeros (as the notebook's MaxPool.pad), pooled (8, 8, 8) the 2x2 maxima of cp at stride 2, z = W pooled + b (10), p = softmax(z), loss = -log p[t].
#include "tutorials/common/hand_backward_002.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "tutorials/common/hand_dense_softmax.h"

namespace sg::tutorial {

// Names of this notebook only, apart from the other notebooks' (same names, other sizes).
namespace notebook_002 {

constexpr int64_t kIn = 30, kF = 8, kConv = 15, kPadded = 17, kPool = 8;
constexpr int64_t kFeatures = kF * kPool * kPool;

struct Grads {
  std::vector<double> filters, weight, bias;
};

struct Choices {
  bool all_tied_maxima, read_unshifted;
};

Grads backward(const std::vector<double>& x, const std::vector<double>& f, const std::vector<double>& w,
               const std::vector<double>& b, int64_t label, const Choices& choice) {
  std::vector<double> xp(kIn * kIn, 0.0), cp(kF * kPadded * kPadded, 0.0), pooled(kFeatures);
  for (int64_t i = 0; i < 28; ++i)
    for (int64_t j = 0; j < 28; ++j) xp[(i + 1) * kIn + j + 1] = x[i * 28 + j];
  for (int64_t k = 0; k < kF; ++k)
    for (int64_t i = 0; i < kConv; ++i)
      for (int64_t j = 0; j < kConv; ++j) {
        double s = 0;
        for (int64_t a = 0; a < 2; ++a)
          for (int64_t e = 0; e < 2; ++e) s += xp[(2 * i + a) * kIn + 2 * j + e] * f[(k * 2 + a) * 2 + e];
        cp[(k * kPadded + i + 1) * kPadded + j + 1] = s;
      }
  for (int64_t k = 0; k < kF; ++k)
    for (int64_t i = 0; i < kPool; ++i)
      for (int64_t j = 0; j < kPool; ++j) {
        double best = -INFINITY;
        for (int64_t a = 0; a < 2; ++a)
          for (int64_t e = 0; e < 2; ++e) best = std::max(best, cp[(k * kPadded + 2 * i + a) * kPadded + 2 * j + e]);
        pooled[(k * kPool + i) * kPool + j] = best;
      }
  // Softmax.back_prop, right as written (see hand_dense_softmax.h).
  DenseSoftmaxGrads head = dense_softmax_backward(pooled, w, b, label);
  Grads g{.filters = std::vector<double>(kF * 4, 0.0), .weight = std::move(head.weight), .bias = std::move(head.bias)};
  const std::vector<double>& dpooled = head.input;
  // MaxPool.back_prop: dL_dmax_pool has the padded shape (17, 17); `patch == max` marks every tie.
  std::vector<double> dcp(cp.size(), 0.0);
  for (int64_t k = 0; k < kF; ++k)
    for (int64_t i = 0; i < kPool; ++i)
      for (int64_t j = 0; j < kPool; ++j) {
        bool routed = false;
        for (int64_t a = 0; a < 2; ++a)
          for (int64_t e = 0; e < 2; ++e) {
            const int64_t at = (k * kPadded + 2 * i + a) * kPadded + 2 * j + e;
            if (cp[at] == pooled[(k * kPool + i) * kPool + j] && (choice.all_tied_maxima || !routed)) {
              dcp[at] = dpooled[(k * kPool + i) * kPool + j];
              routed = true;
            }
          }
      }
  // Conv2D.back_prop reads dL_dout[i, j] for i, j < 15: on the padded grid that is conv output
  // (i - 1, j - 1). fwd c[k, i, j] = sum_ae xp[2i+a, 2j+e] F[k, a, e]  =>  dF[k, a, e] += xp[2i+a, 2j+e] dc[k, i, j]
  const int64_t shift = choice.read_unshifted ? 1 : 0;
  for (int64_t k = 0; k < kF; ++k)
    for (int64_t i = 0; i < kConv; ++i)
      for (int64_t j = 0; j < kConv; ++j)
        for (int64_t a = 0; a < 2; ++a)
          for (int64_t e = 0; e < 2; ++e)
            g.filters[(k * 2 + a) * 2 + e] +=
                xp[(2 * i + a) * kIn + 2 * j + e] * dcp[(k * kPadded + i + shift) * kPadded + j + shift];
  return g;
}

}  // namespace notebook_002

LayersCnnBackward check_backward_002(const LayersCnnWeights& weights, const Tensor& image, int64_t label) {
  using namespace notebook_002;
  auto leaf = [](const Tensor& t) { return t.to(kFloat64).detach().requires_grad_(); };
  const Tensor f = leaf(weights.filters), w = leaf(weights.weight), b = leaf(weights.bias);
  const Tensor x = image.to(kFloat64);
  const Tensor c = conv2d(x, f, Tensor(), {.stride = 2, .padding = 1});
  const Tensor logits = linear(max_pool2d(pad(c, {1, 1, 1, 1}), {.kernel_size = 2}).flatten(1), w, b);
  nn::cross_entropy(logits, tensor(std::vector<int64_t>{label}, {1})).backward();

  const std::vector<double> xv = x.to_vector<double>(), fv = f.to_vector<double>(), wv = w.to_vector<double>(),
                            bv = b.to_vector<double>();
  const Grads as_written = backward(xv, fv, wv, bv, label, {true, false});
  const Grads corrected = backward(xv, fv, wv, bv, label, {false, true});
  const Grads shift_only = backward(xv, fv, wv, bv, label, {false, false});
  LayersCnnBackward r;
  r.rows = {{"conv.weight", max_abs_diff(as_written.filters, f.grad()), max_abs_diff(corrected.filters, f.grad()),
             "MaxPool.back_prop returns the padded 17x17 grid, which Conv2D.back_prop reads as 15x15 (one pixel "
             "off); and equal values in a window (the background) all take the gradient"},
            {"fc.weight", max_abs_diff(as_written.weight, w.grad()), max_abs_diff(corrected.weight, w.grad()),
             "none: Softmax.back_prop is right (rounding only)"},
            {"fc.bias", max_abs_diff(as_written.bias, b.grad()), max_abs_diff(corrected.bias, b.grad()),
             "none: Softmax.back_prop is right (rounding only)"}};
  r.note = fmt::format("with ties sent to the first maximum only, the shift alone leaves conv.weight off by {:.2e} "
                       "(autograd's largest |gradient|: {:.2e})",
                       max_abs_diff(shift_only.filters, f.grad()), abs(f.grad()).max().item());
  return r;
}

}  // namespace sg::tutorial
