// conv1d: cross-correlation of a batch of sequences with a bank of filters, as in PyTorch. It is conv2d on
// images one row high (a height of 1 added to input and weight), so it runs on conv2d's kernels, fast and
// reference, and its gradients are conv2d's; only the checks are its own, to speak of (N, C, L).
#include "autograd/check.h"
#include "autograd/ops.h"

namespace sg {

// ---- conv1d --------------------------------------------------------------------
// y[n, o, i] = b[o] + sum_{c, k} w[o, c, k] * x[n, c, i*S - P + k*D]
//   = conv2d(x (N, C, 1, L), w (O, C, 1, K), b) with stride (1, S), padding (0, P), dilation (1, D), row 0
// The gradients are conv2d's and those of the two reshapes.
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv1dParams& params) {
  SG_CHECK(input.dim() == 3 && weight.dim() == 3,
           "conv1d: expected input (N, C, L) and weight (out_channels, "
           "in_channels, K), got input {} and weight {}",
           input.shape(), weight.shape());
  SG_CHECK(input.dtype() == weight.dtype(), "conv1d: dtypes must match, got input {} and weight {}", input.dtype(),
           weight.dtype());
  const int64_t G = params.groups;
  SG_CHECK(G >= 1 && weight.size(0) % G == 0 && input.size(1) == weight.size(1) * G,
           "conv1d: input must have {} channels to match weight {} and groups {} (out_channels divisible by "
           "groups), got input {}",
           weight.size(1) * G, weight.shape(), G, input.shape());
  const int64_t O = weight.size(0);
  SG_CHECK(!bias.defined() || (bias.shape() == Shape{O} && bias.dtype() == weight.dtype()),
           "conv1d: bias must have shape [{}] and dtype {} to match weight {}, got bias {} {}", O, weight.dtype(),
           weight.shape(), bias.shape(), bias.dtype());
  const int64_t S = params.stride, P = params.padding, D = params.dilation;
  SG_CHECK(S >= 1 && P >= 0 && D >= 1,
           "conv1d: expected stride >= 1, padding >= 0, dilation >= 1, got stride {}, "
           "padding {}, dilation {}",
           S, P, D);
  // The dilated kernel spans D(K - 1) + 1 positions and must fit in the padded input, 2P + L, at least once.
  const int64_t L = input.size(2), K = weight.size(2);
  int64_t span, padded;
  const bool counted = !__builtin_mul_overflow(D, K - 1, &span) && !__builtin_add_overflow(span, 1, &span) &&
                       !__builtin_mul_overflow(P, 2, &padded) && !__builtin_add_overflow(padded, L, &padded);
  SG_CHECK(counted,
           "conv1d: the dilated kernel or the padded input is too large to count in int64 (input {}, "
           "weight {}, padding {}, dilation {})",
           input.shape(), weight.shape(), P, D);
  SG_CHECK(span <= padded,
           "conv1d: kernel spanning {} (weight {}, dilation {}) is longer than the padded input {} "
           "(input {}, padding {})",
           span, weight.shape(), D, padded, input.shape(), P);
  const Tensor y = conv2d(unsqueeze(input, 2), unsqueeze(weight, 2), bias,
                          {.stride = {1, S}, .padding = {0, P}, .dilation = {1, D}, .groups = G});
  return squeeze(y, 2);
}

}  // namespace sg
