// Notebook 000's backward, cell by cell, with plain loops in float64; legend: x the image (28, 28), f the
// filter (6, 6), pre = correlate(x, f) + bias (23, 23), m = relu(pre), pooled (11, 11) the 2x2 maxima of
// m, z = W pooled + c (10), p = softmax(z), loss = -log p[t] / 10.
#include "tutorials/common/hand_backward_000.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace sg::tutorial {

// Names of this notebook only, apart from the other notebooks' (same names, other sizes).
namespace notebook_000 {

constexpr int64_t kSide = 28, kK = 6, kConv = kSide - kK + 1 /* 23 */, kPool = kConv / 2 /* 11 */, kClasses = 10;
constexpr int64_t kFeatures = kPool * kPool;

struct Plain {
  std::vector<double> f, bias, w, c;  // bias all 0 when the forward leaves it out
};

struct Forward {
  std::vector<double> x, pre, m, pooled, p;
};

Forward forward(const Plain& q, const std::vector<double>& x) {
  Forward r{.x = x, .pre = std::vector<double>(kConv * kConv), .m = std::vector<double>(kConv * kConv),
            .pooled = std::vector<double>(kFeatures), .p = std::vector<double>(kClasses)};
  for (int64_t i = 0; i < kConv; ++i)
    for (int64_t j = 0; j < kConv; ++j) {
      double s = q.bias[i * kConv + j];
      for (int64_t a = 0; a < kK; ++a)
        for (int64_t b = 0; b < kK; ++b) s += x[(i + a) * kSide + j + b] * q.f[a * kK + b];
      r.pre[i * kConv + j] = s;
      r.m[i * kConv + j] = std::max(s, 0.0);
    }
  for (int64_t i = 0; i < kPool; ++i)
    for (int64_t j = 0; j < kPool; ++j) {
      double best = r.m[2 * i * kConv + 2 * j];
      for (int64_t a = 0; a < 2; ++a)
        for (int64_t b = 0; b < 2; ++b) best = std::max(best, r.m[(2 * i + a) * kConv + 2 * j + b]);
      r.pooled[i * kPool + j] = best;
    }
  double top = -INFINITY, sum = 0;
  for (int64_t k = 0; k < kClasses; ++k) {
    double z = q.c[k];
    for (int64_t d = 0; d < kFeatures; ++d) z += q.w[k * kFeatures + d] * r.pooled[d];
    r.p[k] = z;
    top = std::max(top, z);
  }
  for (double& v : r.p) sum += v = std::exp(v - top);
  for (double& v : r.p) v /= sum;
  return r;
}

struct Grads {
  std::vector<double> f, bias, w, c;
};

// How the conv's backward treats the ReLU and the pool's ties, so that each bug can be shown alone.
struct Choices {
  bool notebook_loss_gradient, all_tied_maxima, relu_derivative;
};

Grads backward(const Plain& q, const Forward& fw, int64_t label, const Choices& choice) {
  Grads g{.f = std::vector<double>(kK * kK), .bias = std::vector<double>(kConv * kConv),
          .w = std::vector<double>(kClasses * kFeatures), .c = std::vector<double>(kClasses)};
  // cell 13: the notebook's dL/dp = -y / (p + 1e-7) / 10, through its softmax Jacobian diag(p) - p p^T
  // (cell 12); exactly, dL/dz = (p - y) / 10.
  double pg = 0;
  std::vector<double> dp(kClasses);
  for (int64_t k = 0; k < kClasses; ++k) {
    dp[k] = k == label ? -1.0 / (fw.p[k] + 1e-7) / 10 : 0.0;
    pg += fw.p[k] * dp[k];
  }
  for (int64_t k = 0; k < kClasses; ++k)
    g.c[k] = choice.notebook_loss_gradient ? fw.p[k] * dp[k] - fw.p[k] * pg : (fw.p[k] - (k == label)) / 10;
  // fwd: z[k] = sum_d W[k, d] pooled[d] + c[k]  =>  dW[k, d] = dz[k] pooled[d], dpooled[d] = sum_k W[k, d] dz[k]
  std::vector<double> dpooled(kFeatures, 0.0);
  for (int64_t k = 0; k < kClasses; ++k)
    for (int64_t d = 0; d < kFeatures; ++d) {
      g.w[k * kFeatures + d] = g.c[k] * fw.pooled[d];
      dpooled[d] += q.w[k * kFeatures + d] * g.c[k];
    }
  // cell 11: the notebook's mask `patch == max(patch)` marks every tied maximum; max_pool2d's backward
  // picks the first.
  std::vector<double> dm(kConv * kConv, 0.0);
  for (int64_t i = 0; i < kPool; ++i)
    for (int64_t j = 0; j < kPool; ++j) {
      bool routed = false;
      for (int64_t a = 0; a < 2; ++a)
        for (int64_t b = 0; b < 2; ++b) {
          const int64_t at = (2 * i + a) * kConv + 2 * j + b;
          if (fw.m[at] == fw.pooled[i * kPool + j] && (choice.all_tied_maxima || !routed)) {
            dm[at] = dpooled[i * kPool + j];
            routed = true;
          }
        }
    }
  // cell 9: dL_dfilters = correlate2d(input, dL_dout) and biases -= lr * dL_dout, with dL_dout the
  // gradient at the ReLU's output; the exact one is at its input: dpre = dm * (pre > 0).
  for (int64_t i = 0; i < kConv * kConv; ++i) g.bias[i] = choice.relu_derivative && fw.pre[i] <= 0 ? 0.0 : dm[i];
  for (int64_t a = 0; a < kK; ++a)
    for (int64_t b = 0; b < kK; ++b)
      for (int64_t i = 0; i < kConv; ++i)
        for (int64_t j = 0; j < kConv; ++j) g.f[a * kK + b] += fw.x[(i + a) * kSide + j + b] * g.bias[i * kConv + j];
  return g;
}

}  // namespace notebook_000

OneFilterBackward check_backward_000(const OneFilterWeights& weights, const Tensor& images, const Tensor& labels) {
  using namespace notebook_000;
  const bool add_bias = weights.bias.defined();
  const Plain q{.f = weights.filter.to_vector<double>(),
                .bias = add_bias ? weights.bias.to_vector<double>() : std::vector<double>(kConv * kConv, 0.0),
                .w = weights.fc_weight.to_vector<double>(), .c = weights.fc_bias.to_vector<double>()};
  // With N(0, 1) weights the logits are tens apart: most images get p[t] = 1 to rounding (no gradient),
  // or below 1e-7, where the notebook's epsilon scales its whole gradient by p / (p + 1e-7).
  const std::vector<int64_t> targets = labels.to_vector<int64_t>();
  OneFilterBackward r;
  Forward fw = forward(q, images.narrow(0, 0, 1).to_vector<double>());
  for (int64_t n = 0; n < images.size(0); ++n) {
    Forward candidate = forward(q, images.narrow(0, n, 1).to_vector<double>());
    if (candidate.p[targets[n]] > 1e-3 && candidate.p[targets[n]] < 0.99) {
      r.sample = n;
      fw = std::move(candidate);
      break;
    }
  }
  const int64_t label = targets[r.sample];
  r.true_class_probability = fw.p[label];

  // autograd, on the same forward in float64
  auto leaf = [](const Tensor& t) { return t.to(kFloat64).detach().requires_grad_(); };
  const Tensor f = leaf(weights.filter), w = leaf(weights.fc_weight), c = leaf(weights.fc_bias);
  const Tensor bias = add_bias ? leaf(weights.bias) : Tensor();
  const Tensor x = images.narrow(0, r.sample, 1).to(kFloat64);
  const Tensor pre = add_bias ? conv2d(x, f) + bias : conv2d(x, f);
  const Tensor pooled = max_pool2d(relu(pre), {.kernel_size = 2});
  const Tensor logits = linear(pooled.flatten(1), w, c);
  (nn::cross_entropy(logits, labels.narrow(0, r.sample, 1)) / double(kClasses)).backward();

  const Grads as_written = backward(q, fw, label, {true, true, false});
  const Grads corrected = backward(q, fw, label, {false, false, true});
  const std::string loss_cause = "the loss gradient -y / (p + 1e-7): off by a relative 1e-7 / p";
  r.rows = {
      {"filter", max_abs_diff(as_written.f, f.grad()), max_abs_diff(corrected.f, f.grad()),
       "a window the ReLU zeroed whole is four tied maxima: the pool sends the gradient to all four, and "
       "the conv backward, ignoring the ReLU's derivative, passes it on"}};
  if (add_bias)
    r.rows.push_back({"bias", max_abs_diff(as_written.bias, bias.grad()), max_abs_diff(corrected.bias, bias.grad()),
                      "the same gradient, at clipped positions, where the ReLU passes none"});
  r.rows.push_back({"fc.weight", max_abs_diff(as_written.w, w.grad()), max_abs_diff(corrected.w, w.grad()), loss_cause});
  r.rows.push_back({"fc.bias", max_abs_diff(as_written.c, c.grad()), max_abs_diff(corrected.c, c.grad()), loss_cause});

  const Grads relu_only = backward(q, fw, label, {false, true, true});
  const Grads first_only = backward(q, fw, label, {false, false, false});
  r.notes = {fmt::format("autograd's largest |gradient|: filter {:.2e}, fc.weight {:.2e}", abs(f.grad()).max().item(),
                         abs(w.grad()).max().item()),
             fmt::format("with only the ReLU's derivative added, the filter is off by {:.2e}: every tied position was "
                         "clipped, so the ties stop mattering",
                         max_abs_diff(relu_only.f, f.grad())),
             fmt::format("with only the first maximum taking the gradient, it is still off by {:.2e}: a dead window's "
                         "first position passes it on",
                         max_abs_diff(first_only.f, f.grad()))};
  return r;
}

}  // namespace sg::tutorial
