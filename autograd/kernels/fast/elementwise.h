// The fast elementwise loops: reference/elementwise.h's loops, split into chunks that run on threads.
// Each element is computed alone, so the values are the reference's to the bit.
// Legend: n elements; L the length of the innermost dim; `plan` maps an output index to input offsets.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "autograd/kernels/reference/elementwise.h"
#include "autograd/parallel.h"
#include "autograd/shape.h"

namespace sg::kernels::fast {

using reference::BroadcastPlan;

/// out[i] = f(x[i])
template <class T, class U, class F>
void map(T* out, const U* x, int64_t n, F f) {
  parallel_for(n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
    reference::map(out + begin, x + begin, end - begin, f);
  });
}

/// out[i] = f(a[i], b[i])
template <class T, class U, class F>
void map2(T* out, const U* a, const U* b, int64_t n, F f) {
  parallel_for(n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
    reference::map2(out + begin, a + begin, b + begin, end - begin, f);
  });
}

/// out[i] = f(a[i], b[i], c[i])
template <class T, class F>
void map3(T* out, const T* a, const T* b, const T* c, int64_t n, F f) {
  parallel_for(n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
    reference::map3(out + begin, a + begin, b + begin, c + begin, end - begin, f);
  });
}

/// out[i] = f(a[i], b[i], c[i], d[i])
template <class T, class F>
void map4(T* out, const T* a, const T* b, const T* c, const T* d, int64_t n, F f) {
  parallel_for(n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
    reference::map4(out + begin, a + begin, b + begin, c + begin, d + begin, end - begin, f);
  });
}

/// out[i] = f(a[plan(i)], b[plan(i)]) for out of shape plan.out: rows of the last dim go to threads, and
/// the offsets move from one row to the next like an odometer instead of being computed for each element.
template <class T, class U, class F>
void broadcast_map2(T* out, const U* a, const U* b, const BroadcastPlan& plan, F f) {
  const int64_t rank = plan.out.size();
  const int64_t L = rank ? plan.out.back() : 1;
  const int64_t rows = L ? plan.out.numel() / L : 0;
  const int64_t as = rank ? plan.a_strides[rank - 1] : 0, bs = rank ? plan.b_strides[rank - 1] : 0;
  parallel_for(rows, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(L, 1)),
               [&](int64_t begin, int64_t end) {
    // Offsets of the first row of this chunk, then an odometer over the outer dims.
    std::array<int64_t, Shape::kMaxRank> index{};
    int64_t a_off = 0, b_off = 0;
    for (int64_t d = rank - 2, r = begin; d >= 0; --d) {
      index[d] = r % plan.out[d];
      r /= plan.out[d];
      a_off += index[d] * plan.a_strides[d];
      b_off += index[d] * plan.b_strides[d];
    }
    for (int64_t row = begin; row < end; ++row) {
      T* o = out + row * L;
      for (int64_t i = 0; i < L; ++i) o[i] = f(a[a_off + i * as], b[b_off + i * bs]);
      for (int64_t d = rank - 2; d >= 0; --d) {  // next row: carry like an odometer
        a_off += plan.a_strides[d];
        b_off += plan.b_strides[d];
        if (++index[d] < plan.out[d]) break;
        a_off -= index[d] * plan.a_strides[d];
        b_off -= index[d] * plan.b_strides[d];
        index[d] = 0;
      }
    }
  });
}

}  // namespace sg::kernels::fast
