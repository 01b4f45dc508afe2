// conv2d's two gradients as recorded ops, for backward under create_graph: each is linear in dy and in
// the other operand, and their backwards are conv2d and each other, so conv2d is differentiable to any
// order. Internal to ops/: conv.cpp and conv_grad.cpp.
#pragma once

#include "autograd/ops.h"

namespace sg {

// dx = conv2d's input gradient for dy and w; the transpose of conv2d(., w) (a transposed convolution).
//   d(dy) = conv2d(ddx, w)          dw = the weight gradient for dy and input ddx
Tensor conv2d_input_grad(const Tensor& dy, const Tensor& w, const Shape& x_shape, const Conv2dParams& params);
// dw = conv2d's weight gradient for dy and x: the correlation of x with dy.
//   d(dy) = conv2d(x, ddw)          dx = the input gradient for dy and weight ddw
Tensor conv2d_weight_grad(const Tensor& dy, const Tensor& x, const Shape& w_shape, const Conv2dParams& params);

}  // namespace sg
