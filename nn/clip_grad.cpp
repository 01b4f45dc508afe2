// Gradient clipping: the norm is accumulated in double, one gradient after another in the order given, so
// it is the same at any thread count; the gradients are then changed in place under no-grad.
#include "nn/clip_grad.h"

#include <cmath>

#include "autograd/check.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "nn/check_option.h"

namespace sg::nn {

namespace {
std::vector<Tensor> gradients(const std::vector<Tensor>& parameters) {
  std::vector<Tensor> grads;
  for (const Tensor& p : parameters)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  return grads;
}
}  // namespace

// total = (sum over every element g of |g|^p)^(1/p), or max |g| for p = inf (NaN if any g is NaN).
// coef = max_norm / (total + 1e-6), applied when below 1 (or NaN, which spreads as in PyTorch).
double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, const ClipGradNormOptions& options) {
  check_option("clip_grad_norm_", "max_norm", max_norm, {.low = 0});
  const double p = options.norm_type;
  SG_CHECK(p > 0, "clip_grad_norm_: norm_type must be > 0 (or infinity), got {}", p);
  const std::vector<Tensor> grads = gradients(parameters);
  if (grads.empty()) return 0.0;
  const bool max_norm_type = std::isinf(p);
  double total = 0;
  for (const Tensor& g : grads)
    dispatch(g.dtype(), "clip_grad_norm_", [&]<class T> {
      const T* v = g.data<T>();
      for (int64_t i = 0; i < g.numel(); ++i) {
        const double a = std::abs(double(v[i]));
        if (max_norm_type) total = std::isnan(a) || std::isnan(total) ? NAN : std::max(total, a);
        else total += p == 2 ? a * a : p == 1 ? a : std::pow(a, p);
      }
    });
  if (!max_norm_type) total = p == 2 ? std::sqrt(total) : p == 1 ? total : std::pow(total, 1 / p);
  SG_CHECK(!options.error_if_nonfinite || std::isfinite(total),
           "clip_grad_norm_: the total norm of order {} of the gradients is {}, so they cannot be clipped (set "
           "error_if_nonfinite to false to scale them by it anyway)", p, total);
  const double coef = max_norm / (total + 1e-6);
  if (coef < 1 || std::isnan(coef)) {
    NoGradGuard no_grad;
    for (Tensor g : grads) g.mul_(coef);
  }
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  check_option("clip_grad_value_", "clip_value", clip_value, {.low = 0});
  NoGradGuard no_grad;
  for (Tensor g : gradients(parameters)) g.copy_(clamp(g, -clip_value, clip_value));
}

}  // namespace sg::nn
