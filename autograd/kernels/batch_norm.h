// The batch normalisation kernels the batch_norm op calls: fast/batch_norm.h (channels across threads,
// sums in lanes), or reference/batch_norm.h (loops over the math) when reference_kernels()
// (autograd/kernel_mode.h).
// Legend: N batch, C channels, S values of one channel in one sample, M = N * S; rstd = 1 / sqrt(var + eps).
#pragma once

#include <cstdint>

#include "autograd/kernel_mode.h"
#include "autograd/kernels/fast/batch_norm.h"
#include "autograd/kernels/reference/batch_norm.h"

namespace sg::kernels {

/// mean[c] and biased var[c] over the M values of channel c.          x: (N, C, S), mean, var: (C)
template <class T>
void batch_norm_stats(T* mean, T* var, const T* x, int64_t N, int64_t C, int64_t S) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::batch_norm_stats(mean, var, x, N, C, S);
  reference::batch_norm_stats(mean, var, x, N, C, S);
}

/// y = (x - mean[c]) * rstd[c] * w[c] + b[c]; w and b may be null.   x, y: (N, C, S), the rest: (C)
template <class T>
void batch_norm_forward(T* y, const T* x, const T* mean, const T* rstd, const T* w, const T* b, int64_t N, int64_t C,
                        int64_t S) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::batch_norm_forward(y, x, mean, rstd, w, b, N, C, S);
  reference::batch_norm_forward(y, x, mean, rstd, w, b, N, C, S);
}

/// dx, dw, db (each may be null: not wanted) from dy; `training`: mean and rstd were the batch's.
template <class T>
void batch_norm_backward(T* dx, T* dw, T* db, const T* dy, const T* x, const T* mean, const T* rstd, const T* w,
                         int64_t N, int64_t C, int64_t S, bool training) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::batch_norm_backward(dx, dw, db, dy, x, mean, rstd, w, N, C, S, training);
  reference::batch_norm_backward(dx, dw, db, dy, x, mean, rstd, w, N, C, S, training);
}

}  // namespace sg::kernels
