// The elementwise kernels ops call: fast/elementwise.h (the loops split across threads), or
// reference/elementwise.h (plain loops) when reference_kernels() (autograd/kernel_mode.h).
// Legend: n elements; `plan` maps an output index to the inputs' offsets.
#pragma once

#include <cstdint>

#include "autograd/kernel_mode.h"
#include "autograd/kernels/fast/elementwise.h"
#include "autograd/kernels/math.h"
#include "autograd/kernels/reference/elementwise.h"
#include "autograd/shape.h"

namespace sg::kernels {

using reference::BroadcastPlan;
using reference::reduce_to;  // serial, in index order: no fast version

/// out[i] = f(x[i])
template <class T, class U, class F>
void map(T* out, const U* x, int64_t n, F f) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::map(out, x, n, f);
  reference::map(out, x, n, f);
}

/// out[i] = f(a[i], b[i])
template <class T, class U, class F>
void map2(T* out, const U* a, const U* b, int64_t n, F f) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::map2(out, a, b, n, f);
  reference::map2(out, a, b, n, f);
}

/// out[i] = f(a[i], b[i], c[i])
template <class T, class F>
void map3(T* out, const T* a, const T* b, const T* c, int64_t n, F f) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::map3(out, a, b, c, n, f);
  reference::map3(out, a, b, c, n, f);
}

/// out[i] = f(a[i], b[i], c[i], d[i])
template <class T, class F>
void map4(T* out, const T* a, const T* b, const T* c, const T* d, int64_t n, F f) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::map4(out, a, b, c, d, n, f);
  reference::map4(out, a, b, c, d, n, f);
}

/// out[i] = f(a[plan(i)], b[plan(i)]) for out of shape plan.out.
template <class T, class U, class F>
void broadcast_map2(T* out, const U* a, const U* b, const BroadcastPlan& plan, F f) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::broadcast_map2(out, a, b, plan, f);
  reference::broadcast_map2(out, a, b, plan, f);
}

}  // namespace sg::kernels
