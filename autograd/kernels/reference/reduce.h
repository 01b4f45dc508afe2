// Reductions as plain loops: over one dim of a tensor seen as a 3-D block (outer, R, inner), and over
// all elements. Each sum runs in index order.
// Legend: outer = product of dims before the reduced one, R = its size, inner = product of dims after.
#pragma once

#include <cstdint>

namespace sg::kernels::reference {

/// out[o, i] = sum_r x[o, r, i]           x: (outer, R, inner), out: (outer, inner)
template <class T>
void sum_dim(T* out, const T* x, int64_t outer, int64_t R, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      T total = 0;
      for (int64_t r = 0; r < R; ++r) total += x[(o * R + r) * inner + i];
      out[o * inner + i] = total;
    }
}

/// Sum of all n elements, accumulated in double (a float sum of millions of values would drift).
template <class T>
T sum_all(const T* x, int64_t n) {
  double total = 0;
  for (int64_t i = 0; i < n; ++i) total += double(x[i]);
  return T(total);
}

/// out[o, i] = x[o, r*, i] and index[o, i] = r*: the first r where x[o, r, i] is a NaN if there is one
/// (a NaN propagates, as in PyTorch's max, min, argmax and argmin), else the first r where
/// better(x[o, r, i], best) never holds afterwards: the first maximum for better = >, the first minimum
/// for better = <. out may be null (argmax, argmin).
template <class T, class Better>
void select_dim(T* out, int64_t* index, const T* x, int64_t outer, int64_t R, int64_t inner, Better better) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t best = 0;
      T best_value = x[o * R * inner + i];
      for (int64_t r = 1; r < R; ++r) {
        const T v = x[(o * R + r) * inner + i];
        const bool v_nan = v != v, best_nan = best_value != best_value;  // (always false for int64)
        if (better(v, best_value) || (v_nan && !best_nan)) {  // the first NaN stays: no comparison holds
          best = r;
          best_value = v;
        }
      }
      if (out) out[o * inner + i] = best_value;
      index[o * inner + i] = best;
    }
}

/// fwd: y = the maximum (or minimum) of all n elements  =>  dx[i] = dy / k where x[i] equals y, or is a
/// NaN when y is one, 0 elsewhere, k the number of such i: tied extremes share dy evenly (PyTorch's
/// rule for max() and min() of a whole tensor).
/// dx, x: (n)
template <class T>
void share_among_ties(T* dx, T dy, const T* x, T y, int64_t n) {
  const auto tied = [=](T v) { return v == y || (y != y && v != v); };
  int64_t k = 0;
  for (int64_t i = 0; i < n; ++i) k += tied(x[i]);
  for (int64_t i = 0; i < n; ++i) dx[i] = tied(x[i]) ? dy / T(k) : T(0);
}

/// fwd: y[o, i] = x[o, index[o, i], i]  =>  dx[o, index[o, i], i] = dy[o, i], zero elsewhere.
template <class T>
void scatter_dim(T* dx, const T* dy, const int64_t* index, int64_t outer, int64_t R, int64_t inner) {
  for (int64_t k = 0; k < outer * R * inner; ++k) dx[k] = T(0);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) dx[(o * R + index[o * inner + i]) * inner + i] = dy[o * inner + i];
}

}  // namespace sg::kernels::reference
