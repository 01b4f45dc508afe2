// 2-D max and average pooling as loops over the definition: every (n, c) plane is pooled on its own.
// Legend: P planes (N * C), H W input size, KH KW window, SH SW stride, PH PW padding, OH OW output size,
//         L = OH * OW. Window (i, j) covers rows i*SH - PH .. + KH - 1 and columns j*SW - PW .. + KW - 1.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace sg::kernels::reference {

/// Every size a pooling needs, computed once by the op.
struct PoolGeometry {
  int64_t H, W, KH, KW, SH, SW, PH, PW, OH, OW;
  int64_t L() const { return OH * OW; }
  /// Window (i, j) clipped to the image: rows h0 .. h1 - 1, columns w0 .. w1 - 1.
  struct Window {
    int64_t h0, h1, w0, w1;
  };
  Window window(int64_t i, int64_t j) const {
    return {std::max<int64_t>(0, i * SH - PH), std::min(H, i * SH - PH + KH), std::max<int64_t>(0, j * SW - PW),
            std::min(W, j * SW - PW + KW)};
  }
};

/// y[p, i, j] = max of the window (padding is -inf, so it never wins), index[p, i, j] = the flat
/// position ih * W + iw of the window's first maximum in plane p. A NaN wins, as in PyTorch. The index
/// is only for a backward: without one (evaluation, no gradients) pass null, and only y is written.
/// Any geometry with H, W, OH, OW, L() and window(i, j) will do: adaptive pooling runs these two too.
/// y: (P, OH, OW), index: (P, OH, OW) or null, x: (P, H, W)
template <class T, class Geometry>
void max_pool2d_forward(T* y, int64_t* index, const T* x, int64_t P, const Geometry& g) {
  for (int64_t p = 0; p < P; ++p) {
    const T* plane = x + p * g.H * g.W;
    for (int64_t i = 0; i < g.OH; ++i)
      for (int64_t j = 0; j < g.OW; ++j) {
        // The window clipped to the image: padding is -inf and can never be a maximum.
        const auto [h0, h1, w0, w1] = g.window(i, j);
        int64_t best = h0 * g.W + w0;
        T best_value = -std::numeric_limits<T>::infinity();
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) {
            const T v = plane[ih * g.W + iw];
            // Strictly greater, so ties keep the first maximum; the first NaN wins and stays.
            if (v > best_value || (std::isnan(v) && !std::isnan(best_value))) {
              best_value = v;
              best = ih * g.W + iw;
            }
          }
        y[(p * g.OH + i) * g.OW + j] = plane[best];
        if (index) index[(p * g.OH + i) * g.OW + j] = best;
      }
  }
}

/// fwd: y[p, l] = x[p, index[p, l]]  =>  dx[p, index[p, l]] += dy[p, l]  (overlapping windows add up)
/// dx: (P, H, W), overwritten; dy, index: (P, OH, OW)
template <class T, class Geometry>
void max_pool2d_backward(T* dx, const T* dy, const int64_t* index, int64_t P, const Geometry& g) {
  for (int64_t p = 0; p < P; ++p) {
    T* plane = dx + p * g.H * g.W;
    std::fill(plane, plane + g.H * g.W, T(0));
    for (int64_t l = 0; l < g.L(); ++l) plane[index[p * g.L() + l]] += dy[p * g.L() + l];
  }
}

/// y[p, i, j] = (sum of the window's pixels inside the image) / (KH * KW): padding counts as zeros.
/// y: (P, OH, OW), x: (P, H, W)
template <class T>
void avg_pool2d_forward(T* y, const T* x, int64_t P, const PoolGeometry& g) {
  const T scale = T(1) / T(g.KH * g.KW);
  for (int64_t p = 0; p < P; ++p) {
    const T* plane = x + p * g.H * g.W;
    for (int64_t i = 0; i < g.OH; ++i)
      for (int64_t j = 0; j < g.OW; ++j) {
        const auto [h0, h1, w0, w1] = g.window(i, j);
        T acc = 0;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) acc += plane[ih * g.W + iw];
        y[(p * g.OH + i) * g.OW + j] = acc * scale;
      }
  }
}

/// fwd: y[p, i, j] = sum_window x / (KH*KW)  =>  dx[p, ih, iw] += dy[p, i, j] / (KH*KW) over the window
/// dx: (P, H, W), overwritten; dy: (P, OH, OW)
template <class T>
void avg_pool2d_backward(T* dx, const T* dy, int64_t P, const PoolGeometry& g) {
  const T scale = T(1) / T(g.KH * g.KW);
  for (int64_t p = 0; p < P; ++p) {
    T* plane = dx + p * g.H * g.W;
    std::fill(plane, plane + g.H * g.W, T(0));
    for (int64_t i = 0; i < g.OH; ++i)
      for (int64_t j = 0; j < g.OW; ++j) {
        const auto [h0, h1, w0, w1] = g.window(i, j);
        const T share = dy[(p * g.OH + i) * g.OW + j] * scale;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) plane[ih * g.W + iw] += share;
      }
  }
}

}  // namespace sg::kernels::reference
