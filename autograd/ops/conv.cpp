// conv2d: cross-correlation of a batch of images with a bank of filters, as in PyTorch. The loops:
// kernels/reference/conv.h (the definition) and kernels/fast/conv.h (im2col and one GEMM per image).
// With grad mode on in backward (create_graph), the two gradients are recorded ops of their own, each
// linear in dy and in the other operand, whose backwards are conv2d and each other: differentiable to
// any order.
#include "autograd/check.h"
#include "autograd/kernels/conv.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace sg {

namespace {
// Checks the arguments and computes every size; the messages name the op and the shapes.
kernels::ConvGeometry conv_geometry(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                    const Conv2dParams& params) {
  SG_CHECK(input.dim() == 4 && weight.dim() == 4, "conv2d: expected input (N, C, H, W) and weight (out_channels, "
           "in_channels, kH, kW), got input {} and weight {}", input.shape(), weight.shape());
  SG_CHECK(input.dtype() == weight.dtype(), "conv2d: dtypes must match, got input {} and weight {}", input.dtype(),
           weight.dtype());
  SG_CHECK(input.size(1) == weight.size(1), "conv2d: input must have {} channels to match weight {}, got input {}",
           weight.size(1), weight.shape(), input.shape());
  const int64_t O = weight.size(0);
  SG_CHECK(!bias.defined() || (bias.shape() == Shape{O} && bias.dtype() == weight.dtype()),
           "conv2d: bias must have shape [{}] and dtype {} to match weight {}, got bias {} {}", O, weight.dtype(),
           weight.shape(), bias.shape(), bias.dtype());
  const auto& [SH, SW] = params.stride;
  const auto& [PH, PW] = params.padding;
  const auto& [DH, DW] = params.dilation;
  SG_CHECK(SH >= 1 && SW >= 1 && PH >= 0 && PW >= 0 && DH >= 1 && DW >= 1, "conv2d: expected stride >= 1, "
           "padding >= 0, dilation >= 1, got stride ({}, {}), padding ({}, {}), dilation ({}, {})", SH, SW, PH, PW,
           DH, DW);
  const int64_t H = input.size(2), W = input.size(3), KH = weight.size(2), KW = weight.size(3);
  // The dilated kernel spans D(K - 1) + 1 pixels and must fit in the padded input, 2P + H, at least once.
  // Dilation and padding are the user's numbers: spans and padded sizes are computed with checks.
  int64_t span_h, span_w, padded_h, padded_w;
  const auto fits = [](int64_t a, int64_t b, int64_t c, int64_t& out) {  // out = a * b + c, if it fits
    return !__builtin_mul_overflow(a, b, &out) && !__builtin_add_overflow(out, c, &out);
  };
  SG_CHECK(fits(DH, KH - 1, 1, span_h) && fits(DW, KW - 1, 1, span_w) && fits(PH, 2, H, padded_h) &&
           fits(PW, 2, W, padded_w), "conv2d: the dilated kernel or the padded input is too large to count in "
           "int64 (input {}, weight {}, padding ({}, {}), dilation ({}, {}))", input.shape(), weight.shape(), PH, PW,
           DH, DW);
  SG_CHECK(span_h <= padded_h && span_w <= padded_w, "conv2d: kernel spanning {}x{} (weight {}, dilation ({}, {})) "
           "is larger than the padded input {}x{} (input {}, padding ({}, {}))", span_h, span_w, weight.shape(), DH,
           DW, padded_h, padded_w, input.shape(), PH, PW);
  const int64_t OH = (padded_h - span_h) / SH + 1, OW = (padded_w - span_w) / SW + 1;
  const int64_t N = input.size(0), C = input.size(1);
  check_sizes({N, O, OH, OW}, "conv2d");
  check_sizes({C * KH * KW, OH * OW}, "conv2d");  // one image's im2col matrix (CK, L)
  return {C, H, W, O, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW};
}

// dx = conv2d's input gradient for dy and w; the transpose of conv2d(., w) (a transposed convolution).
//   d(dy) = conv2d(ddx, w)          dw = the weight gradient for dy and input ddx
Tensor conv2d_input_grad(const Tensor& dy, const Tensor& w, const Shape& x_shape, const Conv2dParams& params);
// dw = conv2d's weight gradient for dy and x: the correlation of x with dy.
//   d(dy) = conv2d(x, ddw)          dx = the input gradient for dy and weight ddw
Tensor conv2d_weight_grad(const Tensor& dy, const Tensor& x, const Shape& w_shape, const Conv2dParams& params);

Tensor conv2d_input_grad(const Tensor& dy, const Tensor& w, const Shape& x_shape, const Conv2dParams& params) {
  const kernels::ConvGeometry g = conv_geometry(empty(x_shape, w.dtype()), w, Tensor(), params);
  Tensor dx = empty(x_shape, dy.dtype());
  dispatch(dy.dtype(), "conv2d backward", [&]<class T> {
    kernels::conv2d_backward_input(dx.data<T>(), dy.data<T>(), w.data<T>(), x_shape[0], g);
  });
  return record("conv2d_input_grad", {dy, w}, dx, {dy, w}, [params](const Node& node, const Tensor& ddx) {
    const Tensor &dy = node.saved(0), &w = node.saved(1);
    return Grads{node.needs_grad(0) ? conv2d(ddx, w, Tensor(), params) : Tensor(),
                 node.needs_grad(1) ? conv2d_weight_grad(dy, ddx, w.shape(), params) : Tensor()};
  });
}

Tensor conv2d_weight_grad(const Tensor& dy, const Tensor& x, const Shape& w_shape, const Conv2dParams& params) {
  const kernels::ConvGeometry g = conv_geometry(x, empty(w_shape, x.dtype()), Tensor(), params);
  Tensor dw = empty(w_shape, dy.dtype());
  dispatch(dy.dtype(), "conv2d backward", [&]<class T> {
    kernels::conv2d_backward_weight(dw.data<T>(), dy.data<T>(), x.data<T>(), x.size(0), g, static_cast<const T*>(nullptr));
  });
  return record("conv2d_weight_grad", {dy, x}, dw, {dy, x}, [params](const Node& node, const Tensor& ddw) {
    const Tensor &dy = node.saved(0), &x = node.saved(1);
    return Grads{node.needs_grad(0) ? conv2d(x, ddw, Tensor(), params) : Tensor(),
                 node.needs_grad(1) ? conv2d_input_grad(dy, ddw, x.shape(), params) : Tensor()};
  });
}
}  // namespace

// ---- conv2d --------------------------------------------------------------------
// y[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] * x[n, c, i*S - P + p*D, j*S - P + q*D]
// dx, dw: each term w * x sends dy * w back to its x and dy * x to its w;   db[o] = sum_{n, i, j} dy[n, o, i, j]
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dParams& params) {
  const kernels::ConvGeometry g = conv_geometry(input, weight, bias, params);
  const int64_t N = input.size(0);
  Tensor y = empty({N, g.O, g.OH, g.OW}, input.dtype());
  // Kept for the weight gradient, if the kernels use them: N * CK * L elements against a second im2col.
  Tensor cols;
  if (kernels::conv2d_keeps_cols(g) && weight.requires_grad() && needs_recording({input, weight, bias})) {
    check_sizes({N, g.CK(), g.L()}, "conv2d");
    cols = empty({N, g.CK(), g.L()}, input.dtype());
  }
  dispatch(input.dtype(), "conv2d", [&]<class T> {
    kernels::conv2d_forward(y.data<T>(), input.data<T>(), weight.data<T>(), bias.defined() ? bias.data<T>() : nullptr,
                            N, g, cols.defined() ? cols.data<T>() : nullptr);
  });
  return record("conv2d", {input, weight, bias}, y, {input, weight, cols}, [g, N, params](const Node& node, const Tensor& dy) {
    const Tensor &x = node.saved(0), &w = node.saved(1), &cols = node.saved(2);
    if (GradMode::is_enabled())  // create_graph
      return Grads{node.needs_grad(0) ? conv2d_input_grad(dy, w, x.shape(), params) : Tensor(),
                   node.needs_grad(1) ? conv2d_weight_grad(dy, x, w.shape(), params) : Tensor(),
                   node.needs_grad(2) ? sum(dy, {0, 2, 3}) : Tensor()};
    Grads grads(3);
    if (node.needs_grad(0)) grads[0] = empty(x.shape(), dy.dtype());
    if (node.needs_grad(1)) grads[1] = empty(w.shape(), dy.dtype());
    if (node.needs_grad(2)) grads[2] = empty({g.O}, dy.dtype());
    dispatch(dy.dtype(), "conv2d backward", [&]<class T> {
      if (grads[0].defined()) kernels::conv2d_backward_input(grads[0].data<T>(), dy.data<T>(), w.data<T>(), N, g);
      if (grads[1].defined())
        kernels::conv2d_backward_weight(grads[1].data<T>(), dy.data<T>(), x.data<T>(), N, g,
                                        cols.defined() ? cols.data<T>() : nullptr);
      if (grads[2].defined()) kernels::conv2d_backward_bias(grads[2].data<T>(), dy.data<T>(), N, g.O, g.L());
    });
    return grads;
  });
}

}  // namespace sg
