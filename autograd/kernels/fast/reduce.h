// The fast reductions: sums in several chains at once, and the work split across threads. Each output
// element is summed in a fixed order, so results never depend on the thread count; reference/reduce.h
// has the same reductions as plain loops.
// Legend: outer = product of dims before the reduced one, R = its size, inner = product of dims after.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "autograd/kernels/fast/lanes.h"
#include "autograd/parallel.h"

namespace sg::kernels::fast {

namespace reduce_detail {
inline constexpr int64_t kChains = 4;  // running sums per output, over rows r = k, k + 4, k + 8, ...
template <class T>
inline constexpr int64_t kBlock = 128 / sizeof(T);  // outputs summed at once: 2 AVX-512 vectors
inline constexpr int64_t kStreamBytes = 1024;      // rows at least this wide are added whole, one by one

/// y[i] = sum_r x[r * inner + i] for i < w <= kBlock, in kChains chains added as (c0 + c1) + (c2 + c3).
/// One running sum per output waits on the previous add for every row (a bias gradient of a few
/// outputs over a batch); four chains side by side do not. Inlined, so a width known when compiling
/// keeps the chains in registers.
template <class T>
[[gnu::always_inline]] inline void sum_columns(T* y, const T* x, int64_t R, int64_t inner, int64_t w) {
  T chain[kChains][kBlock<T>] = {};
  int64_t r = 0;
  for (; r + kChains <= R; r += kChains)
    for (int64_t k = 0; k < kChains; ++k)
      for (int64_t i = 0; i < w; ++i) chain[k][i] += x[(r + k) * inner + i];
  for (int64_t k = 0; r < R; ++r, ++k)
    for (int64_t i = 0; i < w; ++i) chain[k][i] += x[r * inner + i];
  for (int64_t i = 0; i < w; ++i) y[i] = (chain[0][i] + chain[1][i]) + (chain[2][i] + chain[3][i]);
}

/// The last w < 2 W outputs as blocks of fixed width, W, W / 2, ..., 1 as needed (10 = 8 + 2): with w
/// read at run time the chains would live in memory instead of registers.
template <class T, int64_t W>
[[gnu::always_inline]] inline void sum_last_columns(T* y, const T* x, int64_t R, int64_t inner, int64_t w) {
  if constexpr (W >= 1) {
    if (w >= W) {
      sum_columns(y, x, R, inner, W);
      y += W, x += W, w -= W;
    }
    sum_last_columns<T, W / 2>(y, x, R, inner, w);
  }
}
}  // namespace reduce_detail

/// out[o, i] = sum_r x[o, r, i]           x: (outer, R, inner), out: (outer, inner)
/// Wide rows are added one after the other into out, streaming x once: a row of kStreamBytes keeps
/// enough adds in flight. Narrower ones go by blocks of outputs summed in chains (sum_columns). A float
/// sum along contiguous values (inner == 1: the last dim) goes in lanes (lanes.h), vector adds in double.
template <class T>
void sum_dim(T* out, const T* x, int64_t outer, int64_t R, int64_t inner) {
  using namespace reduce_detail;
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, R * inner));
  const bool stream = inner * int64_t(sizeof(T)) >= kStreamBytes;
  parallel_for(outer, grain, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      T* y = out + o * inner;
      const T* rows = x + o * R * inner;
      if constexpr (std::is_floating_point_v<T>)  // integers keep their exact sums, in T
        if (inner == 1) {
          y[0] = T(lane_sum(0, R, [&](int64_t r) { return double(rows[r]); }));
          continue;
        }
      if (stream) {
        std::fill(y, y + inner, T(0));
        for (int64_t r = 0; r < R; ++r)
          for (int64_t i = 0; i < inner; ++i) y[i] += rows[r * inner + i];
        continue;
      }
      int64_t i0 = 0;
      for (; i0 + kBlock<T> <= inner; i0 += kBlock<T>) sum_columns(y + i0, rows + i0, R, inner, kBlock<T>);
      sum_last_columns<T, kBlock<T> / 2>(y + i0, rows + i0, R, inner, inner - i0);
    }
  });
}

/// Sum of all n elements, accumulated in double within fixed chunks, chunks added in order; each chunk
/// in lanes (lanes.h), as one chain of adds each waiting on the last would take 4 cycles a value.
template <class T>
T sum_all(const T* x, int64_t n) {
  return T(parallel_sum<double>(n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
    return lane_sum(begin, end - begin, [&](int64_t i) { return double(x[i]); });
  }));
}

/// out[o, i] = x[o, r*, i] and index[o, i] = r*: the first r where x[o, r, i] is a NaN if there is one
/// (a NaN propagates, as in PyTorch's max, min, argmax and argmin), else the first r where
/// better(x[o, r, i], best) never holds afterwards: the first maximum for better = >, the first minimum
/// for better = <.
template <class T, class Better>
void select_dim(T* out, int64_t* index, const T* x, int64_t outer, int64_t R, int64_t inner, Better better) {
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, R * inner));
  parallel_for(outer, grain, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const T* col = x + o * R * inner + i;
        int64_t best = 0;
        T best_value = col[0];
        for (int64_t r = 1; r < R; ++r) {
          const T v = col[r * inner];
          // A NaN replaces a number; once best is a NaN no comparison holds, so the first NaN stays.
          // `|` and `&`: both sides evaluated, selects rather than a branch (always false for int64).
          const bool take = better(v, best_value) | ((v != v) & (best_value == best_value));
          best = take ? r : best;
          best_value = take ? v : best_value;
        }
        if (out) out[o * inner + i] = best_value;
        index[o * inner + i] = best;
      }
  });
}

/// fwd: y = the maximum (or minimum) of all n elements  =>  dx[i] = dy / k where x[i] equals y, or is a
/// NaN when y is one, 0 elsewhere, k the number of such i: tied extremes share dy evenly (PyTorch's
/// rule for max() and min() of a whole tensor). The count is exact, so no rounding depends on threads.
/// dx, x: (n)
template <class T>
void share_among_ties(T* dx, T dy, const T* x, T y, int64_t n) {
  const bool y_nan = y != y;
  const auto tied = [=](T v) { return (v == y) | (y_nan & (v != v)); };
  const int64_t k = parallel_sum<int64_t>(n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
    int64_t count = 0;
    for (int64_t i = begin; i < end; ++i) count += tied(x[i]);
    return count;
  });
  const T share = dy / T(k);
  parallel_for(n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) dx[i] = tied(x[i]) ? share : T(0);
  });
}

}  // namespace sg::kernels::fast
