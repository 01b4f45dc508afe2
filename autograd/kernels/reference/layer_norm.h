// Layer normalisation as loops over the math: every row is normalised on its own.
// Legend: x seen as (M, N): M rows of N values, N the product of normalized_shape; w, b (N).
// Statistics are accumulated in double: a float32 row of thousands of values keeps its precision.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace sg::kernels::reference {

/// y = (x - mean) * rstd * w + b per row, rstd = 1 / sqrt(var + eps), var biased (divided by N).
/// w and b may be null (no affine part).        x, y: (M, N)   mean, rstd: (M)   w, b: (N)
template <class T>
void layer_norm_forward(T* y, T* mean, T* rstd, const T* x, const T* w, const T* b, int64_t M, int64_t N,
                        double eps) {
  for (int64_t m = 0; m < M; ++m) {
    const T* xr = x + m * N;
    T* yr = y + m * N;
    double sum = 0;
    for (int64_t j = 0; j < N; ++j) sum += double(xr[j]);
    const double mu = sum / double(N);
    double sq = 0;  // two passes: the centred squares lose nothing to cancellation
    for (int64_t j = 0; j < N; ++j) sq += (double(xr[j]) - mu) * (double(xr[j]) - mu);
    const double r = 1.0 / std::sqrt(sq / double(N) + eps);
    mean[m] = T(mu);
    rstd[m] = T(r);
    for (int64_t j = 0; j < N; ++j) {
      const double xhat = (double(xr[j]) - mu) * r;
      yr[j] = T(xhat * (w ? double(w[j]) : 1.0) + (b ? double(b[j]) : 0.0));
    }
  }
}

/// fwd: y = xhat * w + b, xhat = (x - mean) * rstd  =>  with g = dy * w,
///   dx = rstd * (g - mean_j(g) - xhat * mean_j(g * xhat))
/// (the two means are the gradient through the row's mean and through its variance).
///                                              dx, dy, x: (M, N)   mean, rstd: (M)   w: (N) or null
template <class T>
void layer_norm_backward_input(T* dx, const T* dy, const T* x, const T* mean, const T* rstd, const T* w, int64_t M,
                               int64_t N) {
  for (int64_t m = 0; m < M; ++m) {
    const T *xr = x + m * N, *dyr = dy + m * N;
    T* dxr = dx + m * N;
    const double mu = double(mean[m]), r = double(rstd[m]);
    double sum_g = 0, sum_g_xhat = 0;
    for (int64_t j = 0; j < N; ++j) {
      const double g = double(dyr[j]) * (w ? double(w[j]) : 1.0);
      sum_g += g;
      sum_g_xhat += g * (double(xr[j]) - mu) * r;
    }
    const double a = sum_g / double(N), c = sum_g_xhat / double(N);
    for (int64_t j = 0; j < N; ++j) {
      const double g = double(dyr[j]) * (w ? double(w[j]) : 1.0);
      dxr[j] = T(r * (g - a - (double(xr[j]) - mu) * r * c));
    }
  }
}

/// fwd: y[m, j] = xhat[m, j] * w[j] + b[j]  =>  dw[j] = sum_m dy[m, j] * xhat[m, j],  db[j] = sum_m dy[m, j].
/// Either output may be null.                   dy, x: (M, N)   mean, rstd: (M)   dw, db: (N)
template <class T>
void layer_norm_backward_affine(T* dw, T* db, const T* dy, const T* x, const T* mean, const T* rstd, int64_t M,
                                int64_t N) {
  if (dw) std::fill(dw, dw + N, T(0));
  if (db) std::fill(db, db + N, T(0));
  for (int64_t m = 0; m < M; ++m) {  // row by row: each column summed in row order
    const T *xr = x + m * N, *dyr = dy + m * N;
    const T mu = mean[m], r = rstd[m];
    if (dw)
      for (int64_t j = 0; j < N; ++j) dw[j] += dyr[j] * ((xr[j] - mu) * r);
    if (db)
      for (int64_t j = 0; j < N; ++j) db[j] += dyr[j];
  }
}

}  // namespace sg::kernels::reference
