// The layer normalisation kernels the layer_norm op calls: fast/layer_norm.h (rows or columns across
// threads), or reference/layer_norm.h (plain loops) when reference_kernels() (autograd/kernel_mode.h).
// Legend: x seen as (M, N): M rows of N values, N the product of normalized_shape; w, b (N).
#pragma once

#include <cstdint>

#include "autograd/kernel_mode.h"
#include "autograd/kernels/fast/layer_norm.h"
#include "autograd/kernels/reference/layer_norm.h"

namespace sg::kernels {

/// y = (x - mean) * rstd * w + b per row (w, b may be null).   x, y: (M, N)   mean, rstd: (M)   w, b: (N)
template <class T>
void layer_norm_forward(T* y, T* mean, T* rstd, const T* x, const T* w, const T* b, int64_t M, int64_t N,
                        double eps) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::layer_norm_forward(y, mean, rstd, x, w, b, M, N, eps);
  reference::layer_norm_forward(y, mean, rstd, x, w, b, M, N, eps);
}

/// dx from dy through the row's normalisation.        dx, dy, x: (M, N)   mean, rstd: (M)   w: (N) or null
template <class T>
void layer_norm_backward_input(T* dx, const T* dy, const T* x, const T* mean, const T* rstd, const T* w, int64_t M,
                               int64_t N) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::layer_norm_backward_input(dx, dy, x, mean, rstd, w, M, N);
  reference::layer_norm_backward_input(dx, dy, x, mean, rstd, w, M, N);
}

/// dw[j] = sum_m dy[m, j] * xhat[m, j], db[j] = sum_m dy[m, j]; either may be null.
template <class T>
void layer_norm_backward_affine(T* dw, T* db, const T* dy, const T* x, const T* mean, const T* rstd, int64_t M,
                                int64_t N) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::layer_norm_backward_affine(dw, db, dy, x, mean, rstd, M, N);
  reference::layer_norm_backward_affine(dw, db, dy, x, mean, rstd, M, N);
}

}  // namespace sg::kernels
