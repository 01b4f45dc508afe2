// The 2-D pooling kernels ops call: fast/pool.h (2x2 max pooling as selects and vectors, threads over
// planes), or reference/pool.h (loops over the definition) when reference_kernels() (autograd/kernel_mode.h).
// Legend: P planes (N * C), OH OW output size, H W input size.
#pragma once

#include <cstdint>

#include "autograd/kernel_mode.h"
#include "autograd/kernels/fast/pool.h"
#include "autograd/kernels/reference/pool.h"

namespace sg::kernels {

using reference::PoolGeometry;

/// y = the max of each window, index = where (null: not wanted).   y, index: (P, OH, OW), x: (P, H, W)
template <class T>
void max_pool2d_forward(T* y, int64_t* index, const T* x, int64_t P, const PoolGeometry& g) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::max_pool2d_forward(y, index, x, P, g);
  reference::max_pool2d_forward(y, index, x, P, g);
}

/// dx[p, index[p, l]] += dy[p, l].                 dx: (P, H, W), overwritten; dy, index: (P, OH, OW)
template <class T>
void max_pool2d_backward(T* dx, const T* dy, const int64_t* index, int64_t P, const PoolGeometry& g) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::max_pool2d_backward(dx, dy, index, P, g);
  reference::max_pool2d_backward(dx, dy, index, P, g);
}

/// y = the mean of each window, padding counted as zeros.          y: (P, OH, OW), x: (P, H, W)
template <class T>
void avg_pool2d_forward(T* y, const T* x, int64_t P, const PoolGeometry& g) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::avg_pool2d_forward(y, x, P, g);
  reference::avg_pool2d_forward(y, x, P, g);
}

/// dx += dy / (KH * KW) over each window.              dx: (P, H, W), overwritten; dy: (P, OH, OW)
template <class T>
void avg_pool2d_backward(T* dx, const T* dy, int64_t P, const PoolGeometry& g) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::avg_pool2d_backward(dx, dy, P, g);
  reference::avg_pool2d_backward(dx, dy, P, g);
}

}  // namespace sg::kernels
