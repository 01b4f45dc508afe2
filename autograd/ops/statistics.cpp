// Spread and size over several dims: var, std and the vector norms. var and the 1- and inf-norms are
// compositions of differentiable ops; std and the 2-norm have a backward of their own, which gives the
// value PyTorch gives where the result is 0 (the composition's gradient there is 0 * inf = NaN).
#include <cmath>
#include <limits>

#include "autograd/check.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/ops/reduce_dims.h"

namespace sg {

namespace {
// The checks var and std share; n - correction, the divisor, at least 0 as in PyTorch.
double variance_divisor(const char* op, const Tensor& x, const ReducedDims& r, double correction) {
  SG_CHECK(is_floating(x.dtype()), "{}: expected a float tensor, got {} {}", op, x.shape(), x.dtype());
  SG_CHECK(r.count > 0, "{}: expected at least one element to reduce, got shape {}", op, x.shape());
  return std::max(0.0, double(r.count) - correction);
}
}  // namespace

// ---- var -------------------------------------------------------------------------
// y = sum (x - mean)^2 / (n - correction)      dx = 2 dy (x - mean) / (n - correction)
Tensor var(const Tensor& x, const Dims& dims, double correction, bool keepdim) {
  const ReducedDims r = reduce_dims(x.shape(), dims, "var");
  const double divisor = variance_divisor("var", x, r, correction);
  const Tensor deviation = x - mean(x, dims, true);
  return div(sum(deviation * deviation, dims, keepdim), divisor);
}

// ---- std -------------------------------------------------------------------------
// y = sqrt(var(x))      dx = dy (x - mean) / ((n - correction) y), and 0 where y == 0, as in PyTorch
// (the limit along the constant x, where the composition sqrt(var) would give 0 * inf = NaN)
Tensor std(const Tensor& x, const Dims& dims, double correction, bool keepdim) {
  const ReducedDims r = reduce_dims(x.shape(), dims, "std");
  const double divisor = variance_divisor("std", x, r, correction);
  Tensor y;
  {
    NoGradGuard no_grad;
    y = sqrt(var(x, dims, correction, keepdim));
  }
  return record("std", {x}, y, {x, y}, [r, dims, divisor](const Node& node, const Tensor& dy) {
    const Tensor &x = node.saved(0), y = reshape(node.saved(1), r.kept);
    const Tensor scale = masked_fill(div(reshape(dy, r.kept), y * divisor), eq(y, 0.0), 0.0);
    return Grads{scale * (x - mean(x, dims, true))};
  });
}

// ---- norm ------------------------------------------------------------------------
// p = 1:    y = sum |x|          dx = dy sign(x)          (0 at x == 0)
// p = 2:    y = sqrt(sum x^2)    dx = dy x / y            (0 where y == 0, as in PyTorch)
// p = inf:  y = max |x|          dx = dy sign(x) / k where |x| == y, else 0, k the number of such x
Tensor norm(const Tensor& x, double p, const Dims& dims, bool keepdim) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  SG_CHECK(p == 1 || p == 2 || p == kInf, "norm: p must be 1, 2 or inf, got {} (for x {})", p, x.shape());
  SG_CHECK(is_floating(x.dtype()), "norm: expected a float tensor, got {} {}", x.shape(), x.dtype());
  const ReducedDims r = reduce_dims(x.shape(), dims, "norm");
  if (p == 1) return sum(abs(x), dims, keepdim);
  if (p == kInf) {
    SG_CHECK(r.count > 0, "norm: the inf-norm needs at least one element, got shape {}", x.shape());
    return amax(abs(x), dims, keepdim);
  }
  Tensor y;
  {
    NoGradGuard no_grad;
    y = sqrt(sum(x * x, dims, keepdim));
  }
  return record("norm", {x}, y, {x, y}, [r](const Node& node, const Tensor& dy) {
    const Tensor &x = node.saved(0), y = reshape(node.saved(1), r.kept);
    return Grads{x * masked_fill(div(reshape(dy, r.kept), y), eq(y, 0.0), 0.0)};
  });
}

}  // namespace sg
