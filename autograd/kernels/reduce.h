// The reductions ops call: fast/reduce.h (chains of sums, threads), or reference/reduce.h (plain loops)
// when reference_kernels() (autograd/kernel_mode.h).
// Legend: outer = product of dims before the reduced one, R = its size, inner = product of dims after.
#pragma once

#include <cstdint>

#include "autograd/kernel_mode.h"
#include "autograd/kernels/fast/reduce.h"
#include "autograd/kernels/reference/reduce.h"

namespace sg::kernels {

using reference::scatter_dim;  // a serial scatter: no fast version

/// out[o, i] = sum_r x[o, r, i]           x: (outer, R, inner), out: (outer, inner)
template <class T>
void sum_dim(T* out, const T* x, int64_t outer, int64_t R, int64_t inner) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::sum_dim(out, x, outer, R, inner);
  reference::sum_dim(out, x, outer, R, inner);
}

/// Sum of all n elements, accumulated in double.
template <class T>
T sum_all(const T* x, int64_t n) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::sum_all(x, n);
  return reference::sum_all(x, n);
}

/// out[o, i] = x[o, r*, i], index[o, i] = r*: the first extreme along R by `better`, or the first NaN.
template <class T, class Better>
void select_dim(T* out, int64_t* index, const T* x, int64_t outer, int64_t R, int64_t inner, Better better) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::select_dim(out, index, x, outer, R, inner, better);
  reference::select_dim(out, index, x, outer, R, inner, better);
}

/// dx[i] = dy / k where x[i] is the extreme y (or a NaN, when y is one), 0 elsewhere; k such i.
template <class T>
void share_among_ties(T* dx, T dy, const T* x, T y, int64_t n) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::share_among_ties(dx, dy, x, y, n);
  reference::share_among_ties(dx, dy, x, y, n);
}

}  // namespace sg::kernels
