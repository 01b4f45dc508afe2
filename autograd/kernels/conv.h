// The 2-D convolution kernels conv2d calls: fast/conv.h (im2col and one GEMM per image), or
// reference/conv.h (loops over the definition) when reference_kernels() (autograd/kernel_mode.h).
// Legend: N batch, C input channels, H W input size, O output channels, KH KW kernel size,
//         OH OW output size, L = OH * OW, CK = C * KH * KW.
#pragma once

#include <cstdint>

#include "autograd/kernel_mode.h"
#include "autograd/kernels/fast/conv.h"
#include "autograd/kernels/reference/conv.h"

namespace sg::kernels {

using reference::ConvGeometry;

/// Whether conv2d_forward would keep each image's im2col matrix for the weight gradient, given room for
/// them (cols below): the reference kernels have no im2col.
inline bool conv2d_keeps_cols(const ConvGeometry& g) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::keeps_cols(g);
  return false;
}

/// y = conv2d(x, w) + b.  y: (N, O, OH, OW), x: (N, C, H, W), w: (O, C, KH, KW), b: (O) or null,
/// cols: (N, CK, L) or null, filled with the im2col matrices when conv2d_keeps_cols(g)
template <class T>
void conv2d_forward(T* y, const T* x, const T* w, const T* b, int64_t N, const ConvGeometry& g, T* cols = nullptr) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::conv2d_forward(y, x, w, b, N, g, cols);
  reference::conv2d_forward(y, x, w, b, N, g);
}

/// dx: (N, C, H, W), overwritten; dy: (N, O, OH, OW), w: (O, C, KH, KW)
template <class T>
void conv2d_backward_input(T* dx, const T* dy, const T* w, int64_t N, const ConvGeometry& g) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::conv2d_backward_input(dx, dy, w, N, g);
  reference::conv2d_backward_input(dx, dy, w, N, g);
}

/// dw: (O, C, KH, KW), overwritten; dy: (N, O, OH, OW), x: (N, C, H, W), cols: the forward's, or null
template <class T>
void conv2d_backward_weight(T* dw, const T* dy, const T* x, int64_t N, const ConvGeometry& g,
                            const T* cols = nullptr) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::conv2d_backward_weight(dw, dy, x, N, g, cols);
  reference::conv2d_backward_weight(dw, dy, x, N, g);
}

/// db: (O), dy: (N, O, OH, OW)
template <class T>
void conv2d_backward_bias(T* db, const T* dy, int64_t N, int64_t O, int64_t L) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::conv2d_backward_bias(db, dy, N, O, L);
  reference::conv2d_backward_bias(db, dy, N, O, L);
}

}  // namespace sg::kernels
