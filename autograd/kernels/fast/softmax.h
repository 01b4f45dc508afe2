// The fast softmax-family loops: short lines (a classifier's classes) run side by side in vector lanes,
// long ones run reference/softmax.h's loops on threads. Each line is summed in the reference's order.
// Legend: a tensor seen as (outer, R, inner), softmax along R; a line is the R values of one (o, i).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "autograd/kernels/fast/lanes.h"
#include "autograd/kernels/math.h"
#include "autograd/kernels/reference/softmax.h"
#include "autograd/parallel.h"

namespace sg::kernels::fast {

namespace softmax_detail {
// Short lines (a classifier's 10 classes) run side by side, one line per vector lane: each step of a
// line (max, exp, sum) is then one vector operation across kLines lines, where one line at a time
// would run a 10-long loop per step and use a tenth of a vector. Each lane still sums its line in
// order r = 0, 1, ..., so the values are those of the one-line-at-a-time loop (to the last bit but where
// the compiler fuses a multiply and an add in one loop and not in the other).
inline constexpr int64_t kLines = 16;
inline constexpr int64_t kMaxLineLength = 64;  // R * kLines values of each operand sit on the stack

// Blocks of the outer dim per chunk when lines run one at a time: ~32K values a chunk.
inline int64_t line_grain(int64_t values_per_block) {
  return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, values_per_block));
}

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

// Contiguous lines (inner == 1) of a vector or more run one at a time instead, each step a vector
// operation along the line. Their sums go in lanes (lanes.h: in double, added in a fixed order), their
// maxima likewise: an order other than the reference's, within a few ulps of it for these sums.
// Side by side, such lines would be transposed into lanes and back, which costs more than the arithmetic.
inline bool along_lines(int64_t R, int64_t inner) { return inner == 1 && R >= kLines; }

// std::max(a, b) by value: the same result, NaN included (a NaN `a` is kept, a NaN `b` passed over),
// but a select the compiler turns into a vector max, where std::max's reference result is a branch.
template <class T>
[[gnu::always_inline]] inline T larger(T a, T b) {
  return a < b ? b : a;
}

// The largest of v[0..R), NaN when v[0] is (as the reference's loop from v[0]); a later NaN is passed
// over by both, and any NaN makes the whole line NaN after the exponentials anyway.
template <class T>
[[gnu::always_inline]] inline T line_max(const T* v, int64_t R) {
  T lane[kLanes];
  for (int64_t l = 0; l < kLanes; ++l) lane[l] = v[0];
  int64_t r = 0;
  for (; r + kLanes <= R; r += kLanes)
    for (int64_t l = 0; l < kLanes; ++l) lane[l] = larger(lane[l], v[r + l]);
  for (; r < R; ++r) lane[0] = larger(lane[0], v[r]);
  for (int64_t l = 1; l < kLanes; ++l) lane[0] = larger(lane[0], lane[l]);
  return lane[0];
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

/// y = softmax(x) along R (log_y: log_softmax instead).      x, y: (outer, R, inner)
template <class T>
void softmax_forward(T* y, const T* x, int64_t outer, int64_t R, int64_t inner, bool log_y) {
  using namespace softmax_detail;
  if (along_lines(R, inner)) {
    parallel_for(outer, line_grain(R), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        const T* xs = x + o * R;
        T* ys = y + o * R;
        const T m = line_max(xs, R);
        for (int64_t r = 0; r < R; ++r) ys[r] = exp_of(xs[r] - m);
        const T total = T(lane_sum(0, R, [&](int64_t r) { return double(ys[r]); }));
        if (log_y) {
          const T log_total = std::log(total);
          for (int64_t r = 0; r < R; ++r) ys[r] = xs[r] - m - log_total;
        } else {
          const T scale = T(1) / total;  // one division a line: a vector of divisions costs 4-8 products
          for (int64_t r = 0; r < R; ++r) ys[r] *= scale;
        }
      }
    });
    return;
  }
  if (!side_by_side(outer, R, inner)) {
    parallel_for(outer, line_grain(R * inner), [&](int64_t o0, int64_t o1) {
      reference::softmax_forward(y + o0 * R * inner, x + o0 * R * inner, o1 - o0, R, inner, log_y);
    });
    return;
  }
  constexpr int64_t L = kLines;
  for_each_block_of_lines(outer, R, inner, [&](int64_t, const int64_t* start, int64_t n) {
    T xs[kMaxLineLength * L], ys[kMaxLineLength * L], m[L], total[L];
    gather_lines(xs, x, start, R, inner);
    for (int64_t l = 0; l < L; ++l) m[l] = x[start[l]];
    for (int64_t r = 1; r < R; ++r)
      for (int64_t l = 0; l < L; ++l) m[l] = larger(m[l], xs[r * L + l]);
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

/// fwd: y = softmax(x)      =>  dx = y * (dy - sum_r(dy * y))
/// fwd: y = log_softmax(x)  =>  dx = dy - e^y * sum_r(dy)
template <class T>
void softmax_backward(T* dx, const T* dy, const T* y, int64_t outer, int64_t R, int64_t inner, bool log_y) {
  using namespace softmax_detail;
  if (along_lines(R, inner)) {
    parallel_for(outer, line_grain(R), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        const T *dys = dy + o * R, *ys = y + o * R;
        T* dxs = dx + o * R;
        const T total = T(log_y ? lane_sum(0, R, [&](int64_t r) { return double(dys[r]); })
                                : lane_sum(0, R, [&](int64_t r) { return double(dys[r] * ys[r]); }));
        for (int64_t r = 0; r < R; ++r) dxs[r] = log_y ? dys[r] - exp_of(ys[r]) * total : ys[r] * (dys[r] - total);
      }
    });
    return;
  }
  if (!side_by_side(outer, R, inner)) {
    parallel_for(outer, line_grain(R * inner), [&](int64_t o0, int64_t o1) {
      const int64_t at = o0 * R * inner;
      reference::softmax_backward(dx + at, dy + at, y + at, o1 - o0, R, inner, log_y);
    });
    return;
  }
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

/// loss[n] = log sum_c e^x[n, c] - x[n, t[n]], with lse[n] = log sum_c e^x[n, c] kept for the backward.
/// x: (N, C), t: (N) class indices, loss and lse: (N)
template <class T>
void softmax_cross_entropy_forward(T* loss, T* lse, const T* x, const int64_t* t, int64_t N, int64_t C) {
  using namespace softmax_detail;
  if (!side_by_side(N, C, 1)) {
    parallel_for(N, line_grain(C), [&](int64_t n0, int64_t n1) {
      reference::softmax_cross_entropy_forward(loss + n0, lse + n0, x + n0 * C, t + n0, n1 - n0, C);
    });
    return;
  }
  constexpr int64_t L = kLines;
  for_each_block_of_lines(N, C, 1, [&](int64_t n0, const int64_t* start, int64_t n) {
    T xs[kMaxLineLength * L], m[L], total[L];
    gather_lines(xs, x, start, C, 1);
    for (int64_t l = 0; l < L; ++l) m[l] = x[start[l]];
    for (int64_t c = 1; c < C; ++c)
      for (int64_t l = 0; l < L; ++l) m[l] = larger(m[l], xs[c * L + l]);
    for (int64_t l = 0; l < L; ++l) total[l] = 0;
    for (int64_t c = 0; c < C; ++c)
      for (int64_t l = 0; l < L; ++l) total[l] += exp_of(xs[c * L + l] - m[l]);
    for (int64_t l = 0; l < n; ++l) {
      lse[n0 + l] = m[l] + std::log(total[l]);
      loss[n0 + l] = lse[n0 + l] - x[start[l] + t[n0 + l]];
    }
  });
}

/// fwd: loss[n] = lse[n] - x[n, t[n]]  =>  dx[n, c] = dloss[n] * (softmax(x)[n, c] - [c == t[n]]),
/// with softmax(x)[n, c] = e^(x[n, c] - lse[n]).
template <class T>
void softmax_cross_entropy_backward(T* dx, const T* dloss, const T* x, const T* lse, const int64_t* t, int64_t N,
                                    int64_t C) {
  using namespace softmax_detail;
  if (!side_by_side(N, C, 1)) {
    parallel_for(N, line_grain(C), [&](int64_t n0, int64_t n1) {
      reference::softmax_cross_entropy_backward(dx + n0 * C, dloss + n0, x + n0 * C, lse + n0, t + n0, n1 - n0, C);
    });
    return;
  }
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

}  // namespace sg::kernels::fast
