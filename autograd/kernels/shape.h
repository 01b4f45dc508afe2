// The copies that rearrange data, as ops call them. They are plain loops already (reference/shape.h):
// no fast version, whatever reference_kernels() says.
// Legend: a tensor seen as (outer, R, inner) around the dim an op works on; `index` holds int64 positions.
#pragma once

#include "autograd/kernels/reference/shape.h"

namespace sg::kernels {

using reference::gather;
using reference::gather_backward;
using reference::permute;
using reference::slice;
using reference::slice_backward;

}  // namespace sg::kernels
