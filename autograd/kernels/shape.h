// The copies that rearrange data, as ops call them. Plain loops already (reference/shape.h), but for
// permute, which has a fast version (fast/shape.h: whole rows instead of one element at a time) when
// reference_kernels() is off.
// Legend: a tensor seen as (outer, R, inner) around the dim an op works on; `index` holds int64 positions.
#pragma once

#include "autograd/kernel_mode.h"
#include "autograd/kernels/fast/shape.h"
#include "autograd/kernels/reference/shape.h"

namespace sg::kernels {

using reference::gather;
using reference::gather_backward;
using reference::slice;
using reference::slice_backward;

/// out = x with its dims reordered: out dim d is x dim dims[d].    x: in_shape, out: permuted shape
template <class T>
void permute(T* out, const T* x, const Shape& in_shape, const Shape& dims) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::permute(out, x, in_shape, dims);
  reference::permute(out, x, in_shape, dims);
}

}  // namespace sg::kernels
