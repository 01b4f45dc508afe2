// conv2d's argument checks and sizes, shared by the op (ops/conv.cpp) and its gradient ops
// (ops/conv_grad.cpp). Internal to ops/.
#pragma once

#include "autograd/kernels/conv.h"
#include "autograd/ops.h"

namespace sg {

/// Checks conv2d's arguments and computes every size; the messages name the op and the shapes.
kernels::ConvGeometry conv_geometry(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                    const Conv2dParams& params);
/// The same from the shapes alone (no dtype or bias to check): what the gradient ops know of the tensor
/// they make.
kernels::ConvGeometry conv_geometry(const Shape& input, const Shape& weight, const Conv2dParams& params);

}  // namespace sg
