// Softmax-family loops over one dim of a tensor seen as (outer, R, inner).
// Stability: every exponent is taken of x - max(x), so the largest term is e^0 = 1 and inputs of
// +-1000 neither overflow nor lose the answer.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "autograd/kernels/elementwise.h"
#include "autograd/parallel.h"

namespace sg::kernels {

namespace softmax_detail {
// Short lines (a classifier's 10 classes) run side by side, one line per vector lane: each step of a
// line (max, exp, sum) is then one vector operation across kLines lines, where one line at a time
// would run a 10-long loop per step and use a tenth of a vector. Each lane still sums its line in
// order r = 0, 1, ..., so the values are those of the one-line-at-a-time loop (to the last bit but where
// the compiler fuses a multiply and an add in one loop and not in the other).
inline constexpr int64_t kLines = 16;
inline constexpr int64_t kMaxLineLength = 64;  // R * kLines values of each operand sit on the stack

// Lines run side by side when they are short, and when there are enough of them to fill the lanes (one
// line alone, a batch-1 classifier, would compute kLines copies of itself).
inline bool side_by_side(int64_t outer, int64_t R, int64_t inner) {
  return R <= kMaxLineLength && outer * inner >= kLines;
}

// to[r * kLines + l] = from[start[l] + r * inner]: a block of lines into lanes.
template <class T>
void gather_lines(T* to, const T* from, const int64_t* start, int64_t R, int64_t inner) {
  for (int64_t r = 0; r < R; ++r)
    for (int64_t l = 0; l < kLines; ++l) to[r * kLines + l] = from[start[l] + r * inner];
}

// The way back, for the first n lanes (the others repeat the last line, to keep every loop full). Line by
// line, so the stores go along a line: with lanes innermost the compiler makes vector scatters of them,
// slow on some cores (AMD's Zen among them), where loads gathered across lanes are cheap.
template <class T>
void scatter_lines(T* to, const T* from, const int64_t* start, int64_t n, int64_t R, int64_t inner) {
  for (int64_t l = 0; l < n; ++l)
    for (int64_t r = 0; r < R; ++r) to[start[l] + r * inner] = from[r * kLines + l];
}

// Calls fn(q0, start, n) for blocks of n <= kLines lines q0, q0 + 1, ..., start[l] the offset of line
// q0 + l. Line q of (outer, R, inner) is (o, i) = (q / inner, q % inner); its values are `inner` apart.
template <class Fn>
void for_each_block_of_lines(int64_t outer, int64_t R, int64_t inner, Fn&& fn) {
  const int64_t lines = outer * inner, blocks = (lines + kLines - 1) / kLines;
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / (R * kLines));
  parallel_for(blocks, grain, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t q0 = b * kLines, n = std::min(kLines, lines - q0);
      int64_t start[kLines];
      for (int64_t l = 0, o = q0 / inner, i = q0 % inner; l < n; ++l) {  // line q0 + l is (o, i)
        start[l] = o * R * inner + i;
        if (++i == inner) i = 0, ++o;
      }
      std::fill(start + n, start + kLines, start[n - 1]);
      fn(q0, start, n);
    }
  });
}
}  // namespace softmax_detail

/// Naive reference, one line at a time: y = softmax(x) along R (log_y: log_softmax).  x, y: (outer, R, inner)
template <class T>
void softmax_forward_naive(T* y, const T* x, int64_t outer, int64_t R, int64_t inner, bool log_y) {
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

/// y = softmax(x) along R (log_y: log_softmax instead).      x, y: (outer, R, inner)
template <class T>
void softmax_forward(T* y, const T* x, int64_t outer, int64_t R, int64_t inner, bool log_y) {
  using namespace softmax_detail;
  if (!side_by_side(outer, R, inner)) return softmax_forward_naive(y, x, outer, R, inner, log_y);
  constexpr int64_t L = kLines;
  for_each_block_of_lines(outer, R, inner, [&](int64_t, const int64_t* start, int64_t n) {
    T xs[kMaxLineLength * L], ys[kMaxLineLength * L], m[L], total[L];
    gather_lines(xs, x, start, R, inner);
    for (int64_t l = 0; l < L; ++l) m[l] = x[start[l]];
    for (int64_t r = 1; r < R; ++r)
      for (int64_t l = 0; l < L; ++l) m[l] = std::max(m[l], xs[r * L + l]);
    for (int64_t r = 0; r < R; ++r)
      for (int64_t l = 0; l < L; ++l) ys[r * L + l] = exp_of(xs[r * L + l] - m[l]);
    for (int64_t l = 0; l < L; ++l) total[l] = 0;
    for (int64_t r = 0; r < R; ++r)
      for (int64_t l = 0; l < L; ++l) total[l] += ys[r * L + l];
    if (log_y) {
      for (int64_t l = 0; l < L; ++l) total[l] = std::log(total[l]);
      for (int64_t r = 0; r < R; ++r)
        for (int64_t l = 0; l < L; ++l) ys[r * L + l] = xs[r * L + l] - m[l] - total[l];
    } else {
      for (int64_t r = 0; r < R; ++r)
        for (int64_t l = 0; l < L; ++l) ys[r * L + l] /= total[l];
    }
    scatter_lines(y, ys, start, n, R, inner);
  });
}

/// Naive reference, one line at a time, of softmax_backward.
template <class T>
void softmax_backward_naive(T* dx, const T* dy, const T* y, int64_t outer, int64_t R, int64_t inner, bool log_y) {
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, R * inner));
  parallel_for(outer, grain, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o)
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
  });
}

/// fwd: y = softmax(x)      =>  dx = y * (dy - sum_r(dy * y))
/// fwd: y = log_softmax(x)  =>  dx = dy - e^y * sum_r(dy)
template <class T>
void softmax_backward(T* dx, const T* dy, const T* y, int64_t outer, int64_t R, int64_t inner, bool log_y) {
  using namespace softmax_detail;
  if (!side_by_side(outer, R, inner)) return softmax_backward_naive(dx, dy, y, outer, R, inner, log_y);
  constexpr int64_t L = kLines;
  for_each_block_of_lines(outer, R, inner, [&](int64_t, const int64_t* start, int64_t n) {
    T dys[kMaxLineLength * L], ys[kMaxLineLength * L], total[L];
    gather_lines(dys, dy, start, R, inner);
    gather_lines(ys, y, start, R, inner);
    for (int64_t l = 0; l < L; ++l) total[l] = 0;
    for (int64_t r = 0; r < R; ++r)
      for (int64_t l = 0; l < L; ++l) total[l] += log_y ? dys[r * L + l] : dys[r * L + l] * ys[r * L + l];
    for (int64_t r = 0; r < R; ++r)  // dx over dy's lanes
      for (int64_t l = 0; l < L; ++l) {
        const int64_t k = r * L + l;
        dys[k] = log_y ? dys[k] - exp_of(ys[k]) * total[l] : ys[k] * (dys[k] - total[l]);
      }
    scatter_lines(dx, dys, start, n, R, inner);
  });
}

/// Naive reference, one row at a time, of softmax_cross_entropy_forward.
template <class T>
void softmax_cross_entropy_forward_naive(T* loss, T* lse, const T* x, const int64_t* t, int64_t N, int64_t C) {
  parallel_for(N, std::max<int64_t>(1, kElementwiseGrain / C), [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n) {
      const T* xs = x + n * C;
      T m = xs[0];
      for (int64_t c = 1; c < C; ++c) m = std::max(m, xs[c]);
      T total = 0;
      for (int64_t c = 0; c < C; ++c) total += exp_of(xs[c] - m);
      lse[n] = m + std::log(total);
      loss[n] = lse[n] - xs[t[n]];
    }
  });
}

/// loss[n] = log sum_c e^x[n, c] - x[n, t[n]], with lse[n] = log sum_c e^x[n, c] kept for the backward.
/// x: (N, C), t: (N) class indices, loss and lse: (N)
template <class T>
void softmax_cross_entropy_forward(T* loss, T* lse, const T* x, const int64_t* t, int64_t N, int64_t C) {
  using namespace softmax_detail;
  if (!side_by_side(N, C, 1)) return softmax_cross_entropy_forward_naive(loss, lse, x, t, N, C);
  constexpr int64_t L = kLines;
  for_each_block_of_lines(N, C, 1, [&](int64_t n0, const int64_t* start, int64_t n) {
    T xs[kMaxLineLength * L], m[L], total[L];
    gather_lines(xs, x, start, C, 1);
    for (int64_t l = 0; l < L; ++l) m[l] = x[start[l]];
    for (int64_t c = 1; c < C; ++c)
      for (int64_t l = 0; l < L; ++l) m[l] = std::max(m[l], xs[c * L + l]);
    for (int64_t l = 0; l < L; ++l) total[l] = 0;
    for (int64_t c = 0; c < C; ++c)
      for (int64_t l = 0; l < L; ++l) total[l] += exp_of(xs[c * L + l] - m[l]);
    for (int64_t l = 0; l < n; ++l) {
      lse[n0 + l] = m[l] + std::log(total[l]);
      loss[n0 + l] = lse[n0 + l] - x[start[l] + t[n0 + l]];
    }
  });
}

/// Naive reference, one row at a time, of softmax_cross_entropy_backward.
template <class T>
void softmax_cross_entropy_backward_naive(T* dx, const T* dloss, const T* x, const T* lse, const int64_t* t,
                                          int64_t N, int64_t C) {
  parallel_for(N, std::max<int64_t>(1, kElementwiseGrain / C), [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n) {
      for (int64_t c = 0; c < C; ++c) dx[n * C + c] = dloss[n] * exp_of(x[n * C + c] - lse[n]);
      dx[n * C + t[n]] -= dloss[n];
    }
  });
}

/// fwd: loss[n] = lse[n] - x[n, t[n]]  =>  dx[n, c] = dloss[n] * (softmax(x)[n, c] - [c == t[n]]),
/// with softmax(x)[n, c] = e^(x[n, c] - lse[n]).
template <class T>
void softmax_cross_entropy_backward(T* dx, const T* dloss, const T* x, const T* lse, const int64_t* t, int64_t N,
                                    int64_t C) {
  using namespace softmax_detail;
  if (!side_by_side(N, C, 1)) return softmax_cross_entropy_backward_naive(dx, dloss, x, lse, t, N, C);
  constexpr int64_t L = kLines;
  for_each_block_of_lines(N, C, 1, [&](int64_t n0, const int64_t* start, int64_t n) {
    T xs[kMaxLineLength * L], lses[L], dls[L];
    gather_lines(xs, x, start, C, 1);
    for (int64_t l = 0; l < L; ++l) {
      lses[l] = lse[n0 + std::min(l, n - 1)];
      dls[l] = dloss[n0 + std::min(l, n - 1)];
    }
    for (int64_t c = 0; c < C; ++c)
      for (int64_t l = 0; l < L; ++l) xs[c * L + l] = dls[l] * exp_of(xs[c * L + l] - lses[l]);
    scatter_lines(dx, xs, start, n, C, 1);
    for (int64_t l = 0; l < n; ++l) dx[start[l] + t[n0 + l]] -= dls[l];
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
