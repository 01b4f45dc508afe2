// The fast layer normalisation: reference/layer_norm.h's loops on blocks of rows across threads for
// the output and the input gradient; the weight and bias gradients sum over rows, so columns are their
// unit of parallel work, each column summed by one thread in row order (the same bits at any thread count).
// Legend: x seen as (M, N): M rows of N values, N the product of normalized_shape; w, b (N).
#pragma once

#include <algorithm>
#include <cstdint>

#include "autograd/kernels/reference/layer_norm.h"
#include "autograd/parallel.h"

namespace sg::kernels::fast {

/// Rows per chunk (or columns, for the sums over rows): ~32K values read per chunk.
inline int64_t layer_norm_grain(int64_t length) {
  return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, length));
}

/// reference::layer_norm_forward on blocks of rows.
template <class T>
void layer_norm_forward(T* y, T* mean, T* rstd, const T* x, const T* w, const T* b, int64_t M, int64_t N,
                        double eps) {
  parallel_for(M, layer_norm_grain(N), [&](int64_t m0, int64_t m1) {
    reference::layer_norm_forward(y + m0 * N, mean + m0, rstd + m0, x + m0 * N, w, b, m1 - m0, N, eps);
  });
}

/// reference::layer_norm_backward_input on blocks of rows.
template <class T>
void layer_norm_backward_input(T* dx, const T* dy, const T* x, const T* mean, const T* rstd, const T* w, int64_t M,
                               int64_t N) {
  parallel_for(M, layer_norm_grain(N), [&](int64_t m0, int64_t m1) {
    reference::layer_norm_backward_input(dx + m0 * N, dy + m0 * N, x + m0 * N, mean + m0, rstd + m0, w, m1 - m0, N);
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
