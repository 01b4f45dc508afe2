// Layer normalisation over the last dims of a tensor, fused forward and backward: a composition of mean,
// sub, mul, sqrt and div would make and keep a handful of full-size temporaries each way, and models with
// attention run it at every layer. Under create_graph the backward's formulas run as recorded ops
// instead, with mean and rstd recomputed from x (the saved ones have no graph).
#include <cmath>

#include "autograd/check.h"
#include "autograd/kernels/layer_norm.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace sg {

namespace {
// create_graph: the banner's formulas as recorded ops, so the gradients can be differentiated again.
Grads layer_norm_backward_in_ops(const Node& node, const Tensor& dy, const Tensor& x, const Tensor& w,
                                 const Shape& normalized_shape, double eps) {
  std::vector<int64_t> rows;
  for (int64_t d = x.dim() - int64_t(normalized_shape.size()); d < x.dim(); ++d) rows.push_back(d);
  const Tensor rstd = rsqrt(add(var(x, rows, 0, true), eps));
  const Tensor xhat = mul(sub(x, mean(x, rows, true)), rstd);
  const Tensor g = w.defined() ? mul(dy, w) : dy;
  Grads grads(3);
  if (node.needs_grad(0))
    grads[0] = mul(rstd, sub(sub(g, mean(g, rows, true)), mul(xhat, mean(mul(g, xhat), rows, true))));
  if (node.needs_grad(1)) grads[1] = reduce_to(mul(dy, xhat), normalized_shape);
  if (node.needs_grad(2)) grads[2] = reduce_to(dy, normalized_shape);
  return grads;
}
}  // namespace

// ---- layer_norm ------------------------------------------------------------------
// Over each row of the trailing normalized_shape dims (N values):
//   y = (x - mean) / sqrt(var + eps) * w + b        var biased (divided by N), as in PyTorch
//   dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * w, xhat = (x - mean) * rstd
//   dw = sum over rows of dy * xhat                  db = sum over rows of dy
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  SG_CHECK(is_floating(x.dtype()), "layer_norm: expected a float input, got {} {}", x.shape(), x.dtype());
  const int64_t k = normalized_shape.size();
  bool trailing = k >= 1 && k <= x.dim();
  for (int64_t d = 0; trailing && d < k; ++d) trailing = x.size(x.dim() - k + d) == normalized_shape[d];
  SG_CHECK(trailing, "layer_norm: normalized_shape must be the input's last dims (at least one), got "
           "normalized_shape {} for input {}", normalized_shape, x.shape());
  const auto check_affine = [&](const Tensor& t, const char* name) {
    SG_CHECK(!t.defined() || (t.shape() == normalized_shape && t.dtype() == x.dtype()),
             "layer_norm: {} must have shape {} and dtype {}, got {} {}", name, normalized_shape, x.dtype(),
             t.shape(), t.dtype());
  };
  check_affine(weight, "weight");
  check_affine(bias, "bias");
  SG_CHECK(std::isfinite(eps) && eps >= 0, "layer_norm: eps must be finite and >= 0, got {}", eps);
  const int64_t N = normalized_shape.numel(), M = N == 0 ? 0 : x.numel() / N;
  Tensor y = empty_like(x), mean = empty({M}, x.dtype()), rstd = empty({M}, x.dtype());
  dispatch(x.dtype(), "layer_norm", [&]<class T> {
    kernels::layer_norm_forward(y.data<T>(), mean.data<T>(), rstd.data<T>(), x.data<T>(),
                                weight.defined() ? weight.data<T>() : nullptr,
                                bias.defined() ? bias.data<T>() : nullptr, M, N, eps);
  });
  return record("layer_norm", {x, weight, bias}, y, {x, weight, mean, rstd},
                [M, N, normalized_shape, eps](const Node& node, const Tensor& dy) {
    const Tensor &x = node.saved(0), &w = node.saved(1), &mean = node.saved(2), &rstd = node.saved(3);
    if (GradMode::is_enabled()) return layer_norm_backward_in_ops(node, dy, x, w, normalized_shape, eps);
    Grads grads(3);
    if (node.needs_grad(0)) grads[0] = empty_like(x);
    if (node.needs_grad(1)) grads[1] = empty(normalized_shape, dy.dtype());
    if (node.needs_grad(2)) grads[2] = empty(normalized_shape, dy.dtype());
    dispatch(dy.dtype(), "backward", [&]<class T> {
      if (grads[0].defined())
        kernels::layer_norm_backward_input(grads[0].data<T>(), dy.data<T>(), x.data<T>(), mean.data<T>(),
                                           rstd.data<T>(), w.defined() ? w.data<T>() : nullptr, M, N);
      if (grads[1].defined() || grads[2].defined())
        kernels::layer_norm_backward_affine(grads[1].defined() ? grads[1].data<T>() : nullptr,
                                            grads[2].defined() ? grads[2].data<T>() : nullptr, dy.data<T>(),
                                            x.data<T>(), mean.data<T>(), rstd.data<T>(), M, N);
    });
    return grads;
  });
}

}  // namespace sg
