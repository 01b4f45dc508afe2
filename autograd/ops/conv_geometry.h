// conv2d's argument checks and sizes, shared by the op (ops/conv.cpp) and its gradient ops
// (ops/conv_grad.cpp). Internal to ops/.
#pragma once

#include "autograd/kernels/conv.h"
#include "autograd/ops.h"

namespace sg {

/// Checks conv2d's arguments and computes every size; the messages name the op and the shapes.
kernels::ConvGeometry conv_geometry(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                    const Conv2dParams& params);

}  // namespace sg
