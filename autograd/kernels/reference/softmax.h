// Softmax-family loops, one line at a time: a tensor seen as (outer, R, inner), softmax along R.
// Stability: every exponent is taken of x - max(x), so the largest term is e^0 = 1 and inputs of
// +-1000 neither overflow nor lose the answer.
// Legend: a line is the R values of one (o, i), `inner` apart.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "autograd/kernels/math.h"

namespace sg::kernels::reference {

/// y = softmax(x) along R (log_y: log_softmax instead), one line at a time, with m the line's max:
///   softmax: y_r = e^(x_r - m) / sum_r' e^(x_r' - m)      log_softmax: y_r = x_r - m - log sum_r' e^(x_r' - m)
/// x, y: (outer, R, inner)
template <class T>
void softmax_forward(T* y, const T* x, int64_t outer, int64_t R, int64_t inner, bool log_y) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const T* xs = x + o * R * inner + i;
      T* ys = y + o * R * inner + i;
      T m = xs[0];
      for (int64_t r = 1; r < R; ++r) m = std::max(m, xs[r * inner]);
      // e^(x - m) into y, then their sum: the exponentials' loop has no carried sum, so it vectorises.
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
}

/// fwd: y = softmax(x)      =>  dx = y * (dy - sum_r(dy * y))
/// fwd: y = log_softmax(x)  =>  dx = dy - e^y * sum_r(dy)                  dx, dy, y: (outer, R, inner)
template <class T>
void softmax_backward(T* dx, const T* dy, const T* y, int64_t outer, int64_t R, int64_t inner, bool log_y) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * R * inner + i;
      T total = 0;
      for (int64_t r = 0; r < R; ++r)
        total += log_y ? dy[base + r * inner] : dy[base + r * inner] * y[base + r * inner];
      for (int64_t r = 0; r < R; ++r) {
        const int64_t k = base + r * inner;
        dx[k] = log_y ? dy[k] - exp_of(y[k]) * total : y[k] * (dy[k] - total);
      }
    }
}

/// loss[n] = log sum_c e^x[n, c] - x[n, t[n]], with lse[n] = log sum_c e^x[n, c] kept for the backward,
/// computed as m + log sum_c e^(x[n, c] - m), m the row's max.
/// x: (N, C), t: (N) class indices, loss and lse: (N)
template <class T>
void softmax_cross_entropy_forward(T* loss, T* lse, const T* x, const int64_t* t, int64_t N, int64_t C) {
  for (int64_t n = 0; n < N; ++n) {
    const T* xs = x + n * C;
    T m = xs[0];
    for (int64_t c = 1; c < C; ++c) m = std::max(m, xs[c]);
    T total = 0;
    for (int64_t c = 0; c < C; ++c) total += exp_of(xs[c] - m);
    lse[n] = m + std::log(total);
    loss[n] = lse[n] - xs[t[n]];
  }
}

/// fwd: loss[n] = lse[n] - x[n, t[n]]  =>  dx[n, c] = dloss[n] * (softmax(x)[n, c] - [c == t[n]]),
/// with softmax(x)[n, c] = e^(x[n, c] - lse[n]).        dx, x: (N, C), dloss, lse, t: (N)
template <class T>
void softmax_cross_entropy_backward(T* dx, const T* dloss, const T* x, const T* lse, const int64_t* t, int64_t N,
                                    int64_t C) {
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) dx[n * C + c] = dloss[n] * exp_of(x[n * C + c] - lse[n]);
    dx[n * C + t[n]] -= dloss[n];
  }
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

}  // namespace sg::kernels::reference
