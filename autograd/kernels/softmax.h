// The softmax-family kernels ops call: fast/softmax.h (short lines side by side in vector lanes,
// threads), or reference/softmax.h (one line at a time) when reference_kernels() (autograd/kernel_mode.h).
// Legend: a tensor seen as (outer, R, inner), softmax along R.
#pragma once

#include <cstdint>

#include "autograd/kernel_mode.h"
#include "autograd/kernels/fast/softmax.h"
#include "autograd/kernels/reference/softmax.h"

namespace sg::kernels {

using reference::logsumexp;  // a serial loop: no fast version

/// y = softmax(x) along R (log_y: log_softmax instead).      x, y: (outer, R, inner)
template <class T>
void softmax_forward(T* y, const T* x, int64_t outer, int64_t R, int64_t inner, bool log_y) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::softmax_forward(y, x, outer, R, inner, log_y);
  reference::softmax_forward(y, x, outer, R, inner, log_y);
}

/// dx from dy and the forward's output y.                  dx, dy, y: (outer, R, inner)
template <class T>
void softmax_backward(T* dx, const T* dy, const T* y, int64_t outer, int64_t R, int64_t inner, bool log_y) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::softmax_backward(dx, dy, y, outer, R, inner, log_y);
  reference::softmax_backward(dx, dy, y, outer, R, inner, log_y);
}

/// loss[n] = lse[n] - x[n, t[n]], lse[n] = log sum_c e^x[n, c].   x: (N, C), t, loss, lse: (N)
template <class T>
void softmax_cross_entropy_forward(T* loss, T* lse, const T* x, const int64_t* t, int64_t N, int64_t C) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::softmax_cross_entropy_forward(loss, lse, x, t, N, C);
  reference::softmax_cross_entropy_forward(loss, lse, x, t, N, C);
}

/// dx[n, c] = dloss[n] * (softmax(x)[n, c] - [c == t[n]]).        dx, x: (N, C), dloss, lse, t: (N)
template <class T>
void softmax_cross_entropy_backward(T* dx, const T* dloss, const T* x, const T* lse, const int64_t* t, int64_t N,
                                    int64_t C) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::softmax_cross_entropy_backward(dx, dloss, x, lse, t, N, C);
  reference::softmax_cross_entropy_backward(dx, dloss, x, lse, t, N, C);
}

}  // namespace sg::kernels
