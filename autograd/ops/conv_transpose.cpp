// conv_transpose2d: the transpose of conv2d, as in PyTorch: each input pixel scales the filters and adds
// them into the output, stride pixels apart, so that it upsamples. It is exactly the map that takes
// conv2d's output gradient to its input gradient, so it runs on that recorded op (ops/conv_grad.cpp) and
// on conv2d's kernels, fast and reference; its gradients, of any order, are that op's.
#include <vector>

#include "autograd/check.h"
#include "autograd/ops.h"
#include "autograd/ops/conv_grad.h"

namespace sg {

// ---- conv_transpose2d ----------------------------------------------------------------
// y[n, o, i*S - P + p*D, j*S - P + q*D] += x[n, c, i, j] * w[c, o, p, q],   then y[n, o] += b[o]
//   = conv2d_input_grad(dy := x, w, the shape of y): conv2d with weight w (C, O, kH, kW) maps y's shape to
//     x's, and its input gradient is this sum. Ho = (H - 1) S - 2P + D (kH - 1) + output_padding + 1,
//     output_padding adding rows at the bottom (and columns at the right) that the sum reaches not.
// dx = conv2d(dy, w), dw = conv2d_weight_grad(x, dy), db[o] = sum_{n, i, j} dy[n, o, i, j]
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        const ConvTranspose2dParams& params) {
  const int64_t G = params.groups;
  SG_CHECK(input.dim() == 4 && weight.dim() == 4,
           "conv_transpose2d: expected input (N, C, H, W) and weight (in_channels, out_channels / groups, kH, kW), "
           "got input {} and weight {}",
           input.shape(), weight.shape());
  SG_CHECK(input.dtype() == weight.dtype(), "conv_transpose2d: dtypes must match, got input {} and weight {}",
           input.dtype(), weight.dtype());
  SG_CHECK(G >= 1 && input.size(1) == weight.size(0) && weight.size(0) % G == 0,
           "conv_transpose2d: input must have {} channels to match weight {} (divisible by groups {}), got input {}",
           weight.size(0), weight.shape(), G, input.shape());
  const int64_t O = weight.size(1) * G;
  SG_CHECK(!bias.defined() || (bias.shape() == Shape{O} && bias.dtype() == weight.dtype()),
           "conv_transpose2d: bias must have shape [{}] and dtype {} to match weight {} and groups {}, got bias {} {}",
           O, weight.dtype(), weight.shape(), G, bias.shape(), bias.dtype());
  const auto& [SH, SW] = params.stride;
  const auto& [PH, PW] = params.padding;
  const auto& [OPH, OPW] = params.output_padding;
  const auto& [DH, DW] = params.dilation;
  SG_CHECK(
      SH >= 1 && SW >= 1 && PH >= 0 && PW >= 0 && DH >= 1 && DW >= 1 && OPH >= 0 && OPW >= 0 && OPH < SH && OPW < SW,
      "conv_transpose2d: expected stride >= 1, padding >= 0, dilation >= 1 and 0 <= output_padding < stride, "
      "got stride ({}, {}), padding ({}, {}), output_padding ({}, {}), dilation ({}, {})",
      SH, SW, PH, PW, OPH, OPW, DH, DW);
  const int64_t OH = (input.size(2) - 1) * SH - 2 * PH + DH * (weight.size(2) - 1) + OPH + 1;
  const int64_t OW = (input.size(3) - 1) * SW - 2 * PW + DW * (weight.size(3) - 1) + OPW + 1;
  SG_CHECK(OH >= 1 && OW >= 1,
           "conv_transpose2d: the output would be {}x{}: padding ({}, {}) is too large for input {} and weight {}", OH,
           OW, PH, PW, input.shape(), weight.shape());
  check_sizes({input.size(0), O, OH, OW}, "conv_transpose2d");
  const Conv2dParams conv = {.stride = params.stride, .padding = params.padding, .dilation = params.dilation};
  // Groups: G transposed convolutions side by side, concatenated, as for conv2d.
  const std::vector<Tensor> xs = chunk(input, G, 1), ws = chunk(weight, G, 0);
  std::vector<Tensor> ys;
  for (size_t g = 0; g < size_t(G); ++g)
    ys.push_back(conv2d_input_grad(xs[g], ws[g], {input.size(0), O / G, OH, OW}, conv));
  const Tensor y = G == 1 ? ys[0] : cat(ys, 1);
  return bias.defined() ? y + reshape(bias, {1, O, 1, 1}) : y;
}

}  // namespace sg
