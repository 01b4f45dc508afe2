// Softmax-family loops over one dim of a tensor seen as (outer, R, inner).
// Stability: every exponent is taken of x - max(x), so the largest term is e^0 = 1 and inputs of
// +-1000 neither overflow nor lose the answer.
#pragma once

#include <cmath>
#include <cstdint>

#include "autograd/kernels/elementwise.h"
#include "autograd/parallel.h"

namespace sg::kernels {

/// y = softmax(x) along R (log_y: log_softmax instead).      x, y: (outer, R, inner)
template <class T>
void softmax_forward(T* y, const T* x, int64_t outer, int64_t R, int64_t inner, bool log_y) {
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, R * inner));
  parallel_for(outer, grain, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const T* xs = x + o * R * inner + i;
        T* ys = y + o * R * inner + i;
        T m = xs[0];
        for (int64_t r = 1; r < R; ++r) m = std::max(m, xs[r * inner]);
        // The exponentials go to y first: that loop has no carried sum, so it runs in vectors.
        for (int64_t r = 0; r < R; ++r) ys[r * inner] = exp_of(xs[r * inner] - m);
        T total = 0;
        for (int64_t r = 0; r < R; ++r) total += ys[r * inner];
        if (log_y) {
          const T log_total = std::log(total);
          for (int64_t r = 0; r < R; ++r) ys[r * inner] = xs[r * inner] - m - log_total;
        } else {
          for (int64_t r = 0; r < R; ++r) ys[r * inner] /= total;
        }
      }
  });
}

/// fwd: y = softmax(x)      =>  dx = y * (dy - sum_r(dy * y))
/// fwd: y = log_softmax(x)  =>  dx = dy - e^y * sum_r(dy)
template <class T>
void softmax_backward(T* dx, const T* dy, const T* y, int64_t outer, int64_t R, int64_t inner, bool log_y) {
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, R * inner));
  parallel_for(outer, grain, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t base = o * R * inner + i;
        T total = 0;
        for (int64_t r = 0; r < R; ++r) total += log_y ? dy[base + r * inner] : dy[base + r * inner] * y[base + r * inner];
        for (int64_t r = 0; r < R; ++r) {
          const int64_t k = base + r * inner;
          dx[k] = log_y ? dy[k] - exp_of(y[k]) * total : y[k] * (dy[k] - total);
        }
      }
  });
}

/// out = log(sum_r e^x) along R, computed as m + log(sum_r e^(x - m)) with m the max.
template <class T>
void logsumexp(T* out, const T* x, int64_t outer, int64_t R, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const T* xs = x + o * R * inner + i;
      T m = xs[0];
      for (int64_t r = 1; r < R; ++r) m = std::max(m, xs[r * inner]);
      if (std::isinf(m)) {  // all -inf (or a +inf): the answer is m itself, and x - m would be NaN
        out[o * inner + i] = m;
        continue;
      }
      T total = 0;
      for (int64_t r = 0; r < R; ++r) total += std::exp(xs[r * inner] - m);
      out[o * inner + i] = m + std::log(total);
    }
}

}  // namespace sg::kernels
