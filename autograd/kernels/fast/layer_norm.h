// The fast layer normalisation: reference/layer_norm.h's math on blocks of rows across threads for the
// output and the input gradient, each row's sums in lanes (lanes.h: vector adds, another order than the
// reference's one chain, so a tolerance between the two); the weight and bias gradients sum over rows, so
// columns are their unit of parallel work, each column summed by one thread in row order. The same bits
// at any thread count.
// Legend: x seen as (M, N): M rows of N values, N the product of normalized_shape; w, b (N).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

#include "autograd/kernels/fast/lanes.h"
#include "autograd/parallel.h"

namespace sg::kernels::fast {

/// Rows per chunk (or columns, for the sums over rows): ~32K values read per chunk.
inline int64_t layer_norm_grain(int64_t length) {
  return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, length));
}

/// y = (x - mean) * rstd * w + b per row, as reference::layer_norm_forward, the sums in lanes.
template <class T>
void layer_norm_forward(T* y, T* mean, T* rstd, const T* x, const T* w, const T* b, int64_t M, int64_t N,
                        double eps) {
  parallel_for(M, layer_norm_grain(N), [&](int64_t m0, int64_t m1) {
    for (int64_t m = m0; m < m1; ++m) {
      const T* xr = x + m * N;
      T* yr = y + m * N;
      const double mu = lane_sum(0, N, [&](int64_t j) { return double(xr[j]); }) / double(N);
      const double sq = lane_sum(0, N, [&](int64_t j) { return (double(xr[j]) - mu) * (double(xr[j]) - mu); });
      const double r = 1.0 / std::sqrt(sq / double(N) + eps);
      mean[m] = T(mu);
      rstd[m] = T(r);
      // xhat in double (x - mean cancels for rows far from 0: float rows around 1000 with a spread of 0.01
      // would keep two digits), the affine part in T.
      if (w && b)  // the loops apart, so each is one vector loop with no test per element
        for (int64_t j = 0; j < N; ++j) yr[j] = T((double(xr[j]) - mu) * r) * w[j] + b[j];
      else
        for (int64_t j = 0; j < N; ++j) yr[j] = T((double(xr[j]) - mu) * r) * (w ? w[j] : T(1)) + (b ? b[j] : T(0));
    }
  });
}

/// dx = rstd * (g - mean_j(g) - xhat * mean_j(g * xhat)), g = dy * w, as reference::layer_norm_backward_input,
/// the sums in lanes.
template <class T>
void layer_norm_backward_input(T* dx, const T* dy, const T* x, const T* mean, const T* rstd, const T* w, int64_t M,
                               int64_t N) {
  parallel_for(M, layer_norm_grain(N), [&](int64_t m0, int64_t m1) {
    for (int64_t m = m0; m < m1; ++m) {
      const T *xr = x + m * N, *dyr = dy + m * N;
      T* dxr = dx + m * N;
      const double mu = double(mean[m]), r = double(rstd[m]);
      // mean_j(g) and mean_j(g * xhat), with the test for w outside the loops: inside, it keeps them scalar.
      const auto means = [&](auto g) {
        return std::pair{lane_sum(0, N, g) / double(N),
                         lane_sum(0, N, [&](int64_t j) { return g(j) * (double(xr[j]) - mu) * r; }) / double(N)};
      };
      const auto [a, c] = w ? means([&](int64_t j) { return double(dyr[j]) * double(w[j]); })
                            : means([&](int64_t j) { return double(dyr[j]); });
      const double rc = r * c;
      const T r_t = T(r), a_t = T(a);
      if (w)
        for (int64_t j = 0; j < N; ++j) dxr[j] = r_t * (dyr[j] * w[j] - a_t - T((double(xr[j]) - mu) * rc));
      else
        for (int64_t j = 0; j < N; ++j) dxr[j] = r_t * (dyr[j] - a_t - T((double(xr[j]) - mu) * rc));
    }
  });
}

/// fwd: y[m, j] = xhat[m, j] * w[j] + b[j]  =>  dw[j] = sum_m dy[m, j] * xhat[m, j],  db[j] = sum_m dy[m, j].
/// Either output may be null.                   dy, x: (M, N)   mean, rstd: (M)   dw, db: (N)
template <class T>
void layer_norm_backward_affine(T* dw, T* db, const T* dy, const T* x, const T* mean, const T* rstd, int64_t M,
                                int64_t N) {
  parallel_for(N, layer_norm_grain(M), [&](int64_t j0, int64_t j1) {
    if (dw) std::fill(dw + j0, dw + j1, T(0));
    if (db) std::fill(db + j0, db + j1, T(0));
    for (int64_t m = 0; m < M; ++m) {  // row by row, so each row's slice of the columns is read in order
      const T *xr = x + m * N, *dyr = dy + m * N;
      const T mu = mean[m], r = rstd[m];
      if (dw)
        for (int64_t j = j0; j < j1; ++j) dw[j] += dyr[j] * ((xr[j] - mu) * r);
      if (db)
        for (int64_t j = j0; j < j1; ++j) db[j] += dyr[j];
    }
  });
}

}  // namespace sg::kernels::fast
