// Products along one dim of a tensor seen as a 3-D block (outer, R, inner), and their gradient.
// Legend: outer = product of dims before the reduced one, R = its size, inner = product of dims after.
#pragma once

#include <cstdint>

#include "autograd/kernels/elementwise.h"

namespace sg::kernels::reference {

/// out[o, i] = prod_r x[o, r, i]; int64 wraps around on overflow.     x: (outer, R, inner), out: (outer, inner)
template <class T>
void prod_dim(T* out, const T* x, int64_t outer, int64_t R, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      T p = T(1);
      for (int64_t r = 0; r < R; ++r) p = wrapping_mul(p, x[(o * R + r) * inner + i]);
      out[o * inner + i] = p;
    }
}

/// fwd: y[o, i] = prod_r x[o, r, i]  =>  dx[o, r, i] = dy[o, i] * (prod_{j < r} x[o, j, i]) * (prod_{j > r} x[o, j, i])
/// The products of the others, from a running product forward and one backward: no division by x, so
/// the gradient is exact where x holds zeros (one zero: only it gets a gradient; two: none does).
/// dx, x: (outer, R, inner), dy: (outer, inner)
template <class T>
void prod_dim_backward(T* dx, const T* dy, const T* x, int64_t outer, int64_t R, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t at = o * R * inner + i;
      T before = T(1);
      for (int64_t r = 0; r < R; ++r) {
        dx[at + r * inner] = before;
        before *= x[at + r * inner];
      }
      T after = dy[o * inner + i];
      for (int64_t r = R - 1; r >= 0; --r) {
        dx[at + r * inner] *= after;
        after *= x[at + r * inner];
      }
    }
}

}  // namespace sg::kernels::reference
