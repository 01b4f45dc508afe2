#include "autograd/ops/conv_geometry.h"

#include "autograd/check.h"

namespace sg {

// Checks the arguments and computes every size; the messages name the op and the shapes.
kernels::ConvGeometry conv_geometry(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                    const Conv2dParams& params) {
  SG_CHECK(input.dtype() == weight.dtype(), "conv2d: dtypes must match, got input {} and weight {}", input.dtype(),
           weight.dtype());
  const kernels::ConvGeometry g = conv_geometry(input.shape(), weight.shape(), params);
  SG_CHECK(!bias.defined() || (bias.shape() == Shape{g.O} && bias.dtype() == weight.dtype()),
           "conv2d: bias must have shape [{}] and dtype {} to match weight {}, got bias {} {}", g.O, weight.dtype(),
           weight.shape(), bias.shape(), bias.dtype());
  return g;
}

kernels::ConvGeometry conv_geometry(const Shape& input, const Shape& weight, const Conv2dParams& params) {
  SG_CHECK(input.size() == 4 && weight.size() == 4,
           "conv2d: expected input (N, C, H, W) and weight (out_channels, "
           "in_channels, kH, kW), got input {} and weight {}",
           input, weight);
  SG_CHECK(input[1] == weight[1], "conv2d: input must have {} channels to match weight {}, got input {}", weight[1],
           weight, input);
  const int64_t O = weight[0];
  const auto& [SH, SW] = params.stride;
  const auto& [PH, PW] = params.padding;
  const auto& [DH, DW] = params.dilation;
  SG_CHECK(SH >= 1 && SW >= 1 && PH >= 0 && PW >= 0 && DH >= 1 && DW >= 1,
           "conv2d: expected stride >= 1, "
           "padding >= 0, dilation >= 1, got stride ({}, {}), padding ({}, {}), dilation ({}, {})",
           SH, SW, PH, PW, DH, DW);
  const int64_t H = input[2], W = input[3], KH = weight[2], KW = weight[3];
  // The dilated kernel spans D(K - 1) + 1 pixels and must fit in the padded input, 2P + H, at least once.
  // Dilation and padding are the user's numbers: spans and padded sizes are computed with checks.
  int64_t span_h, span_w, padded_h, padded_w;
  const auto fits = [](int64_t a, int64_t b, int64_t c, int64_t& out) {  // out = a * b + c, if it fits
    return !__builtin_mul_overflow(a, b, &out) && !__builtin_add_overflow(out, c, &out);
  };
  SG_CHECK(fits(DH, KH - 1, 1, span_h) && fits(DW, KW - 1, 1, span_w) && fits(PH, 2, H, padded_h) &&
               fits(PW, 2, W, padded_w),
           "conv2d: the dilated kernel or the padded input is too large to count in "
           "int64 (input {}, weight {}, padding ({}, {}), dilation ({}, {}))",
           input, weight, PH, PW, DH, DW);
  SG_CHECK(span_h <= padded_h && span_w <= padded_w,
           "conv2d: kernel spanning {}x{} (weight {}, dilation ({}, {})) "
           "is larger than the padded input {}x{} (input {}, padding ({}, {}))",
           span_h, span_w, weight, DH, DW, padded_h, padded_w, input, PH, PW);
  const int64_t OH = (padded_h - span_h) / SH + 1, OW = (padded_w - span_w) / SW + 1;
  const int64_t N = input[0], C = input[1];
  check_sizes({N, O, OH, OW}, "conv2d");
  check_sizes({C * KH * KW, OH * OW}, "conv2d");  // one image's im2col matrix (CK, L)
  return {C, H, W, O, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW};
}

}  // namespace sg
