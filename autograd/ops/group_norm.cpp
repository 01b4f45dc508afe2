// Group normalisation, as PyTorch's F.group_norm: the channels of each sample are split into groups, and
// each group is normalised over its channels and all their positions. It is layer_norm on a view of the
// input, then a per-channel scale and shift: no loops of its own, and every backward is one already tested.
#include <cmath>

#include "autograd/check.h"
#include "autograd/ops.h"

namespace sg {

// ---- group_norm ------------------------------------------------------------------
// x (N, C, *) seen as (N, G, C/G * S), S the product of the positions *; over each of the N * G rows:
//   y = (x - mean) / sqrt(var + eps) * w[c] + b[c]     var biased, as in PyTorch; w, b of (C)
// The gradients are layer_norm's (on the rows), mul's and add's (broadcast over N and the positions).
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps) {
  SG_CHECK(is_floating(x.dtype()), "group_norm: expected a float input, got {} {}", x.shape(), x.dtype());
  SG_CHECK(x.dim() >= 2, "group_norm: expected input (N, C, *), got input {}", x.shape());
  const int64_t N = x.size(0), C = x.size(1);
  SG_CHECK(num_groups >= 1 && C % num_groups == 0,
           "group_norm: num_groups must be positive and divide the number of channels, got num_groups {} for "
           "input {} ({} channels)", num_groups, x.shape(), C);
  const auto check_affine = [&](const Tensor& t, const char* name) {
    SG_CHECK(!t.defined() || (t.shape() == Shape{C} && t.dtype() == x.dtype()),
             "group_norm: {} must have shape [{}] and dtype {}, got {} {}", name, C, x.dtype(), t.shape(), t.dtype());
  };
  check_affine(weight, "weight");
  check_affine(bias, "bias");
  SG_CHECK(std::isfinite(eps) && eps >= 0, "group_norm: eps must be finite and >= 0, got {}", eps);
  int64_t S = 1;
  for (int64_t d = 2; d < x.dim(); ++d) S *= x.size(d);  // a factor of x.numel(): no overflow
  const int64_t row = C / num_groups * S;
  Tensor y = layer_norm(x.reshape({N, num_groups, row}), {row}, Tensor(), Tensor(), eps).reshape(x.shape());
  // weight and bias as (1, C, 1, ..., 1), to broadcast over the batch and the positions.
  Shape per_channel = x.shape();
  for (int64_t d = 0; d < x.dim(); ++d) per_channel[d] = d == 1 ? C : 1;
  if (weight.defined()) y = y * weight.reshape(per_channel);
  if (bias.defined()) y = y + bias.reshape(per_channel);
  return y;
}

}  // namespace sg
