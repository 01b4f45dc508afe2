// The adaptive 2-D pooling kernels ops call: the reference loops (reference/adaptive_pool.h), the only
// version so far. Legend: P planes (N * C), H W input size, OH OW output size.
#pragma once

#include <cstdint>

#include "autograd/kernels/reference/adaptive_pool.h"

namespace sg::kernels {

using reference::AdaptivePoolGeometry;

/// y = the mean of each window.                                  y: (P, OH, OW), x: (P, H, W)
template <class T>
void adaptive_avg_pool2d_forward(T* y, const T* x, int64_t P, const AdaptivePoolGeometry& g) {
  reference::adaptive_avg_pool2d_forward(y, x, P, g);
}

/// dx += dy / count over each window.                  dx: (P, H, W), overwritten; dy: (P, OH, OW)
template <class T>
void adaptive_avg_pool2d_backward(T* dx, const T* dy, int64_t P, const AdaptivePoolGeometry& g) {
  reference::adaptive_avg_pool2d_backward(dx, dy, P, g);
}

/// y = the max of each window, index = where (null: not wanted).   y, index: (P, OH, OW), x: (P, H, W)
template <class T>
void adaptive_max_pool2d_forward(T* y, int64_t* index, const T* x, int64_t P, const AdaptivePoolGeometry& g) {
  reference::adaptive_max_pool2d_forward(y, index, x, P, g);
}

/// dx[p, index[p, l]] += dy[p, l].                 dx: (P, H, W), overwritten; dy, index: (P, OH, OW)
template <class T>
void adaptive_max_pool2d_backward(T* dx, const T* dy, const int64_t* index, int64_t P, const AdaptivePoolGeometry& g) {
  reference::adaptive_max_pool2d_backward(dx, dy, index, P, g);
}

}  // namespace sg::kernels
