// Adaptive 2-D average and max pooling as loops over the definition: every (n, c) plane is pooled on its
// own into a grid of a chosen size, the windows computed from that size as in PyTorch.
// Legend: P planes (N * C), H W input size, OH OW output size. Window (i, j) covers rows
//         floor(i H / OH) .. ceil((i + 1) H / OH) - 1 and the columns likewise; neighbours may overlap.
#pragma once

#include <algorithm>
#include <cstdint>

#include "autograd/kernels/reference/pool.h"

namespace sg::kernels::reference {

/// The sizes an adaptive pooling needs, and its windows.
struct AdaptivePoolGeometry {
  int64_t H, W, OH, OW;
  /// Window (i, j): rows h0 .. h1 - 1, columns w0 .. w1 - 1. Never empty, since end > start whenever H >= 1;
  /// with OH > H one row serves several windows.
  struct Window {
    int64_t h0, h1, w0, w1;
  };
  int64_t L() const { return OH * OW; }
  static int64_t start(int64_t i, int64_t in, int64_t out) { return i * in / out; }
  static int64_t end(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }
  Window window(int64_t i, int64_t j) const { return {start(i, H, OH), end(i, H, OH), start(j, W, OW), end(j, W, OW)}; }
};

/// y[p, i, j] = the mean of window (i, j) of plane p.        y: (P, OH, OW), x: (P, H, W)
template <class T>
void adaptive_avg_pool2d_forward(T* y, const T* x, int64_t P, const AdaptivePoolGeometry& g) {
  for (int64_t p = 0; p < P; ++p) {
    const T* plane = x + p * g.H * g.W;
    for (int64_t i = 0; i < g.OH; ++i)
      for (int64_t j = 0; j < g.OW; ++j) {
        const auto [h0, h1, w0, w1] = g.window(i, j);
        T acc = 0;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) acc += plane[ih * g.W + iw];
        y[(p * g.OH + i) * g.OW + j] = acc / T((h1 - h0) * (w1 - w0));
      }
  }
}

/// fwd: y[p, i, j] = sum_window x / count  =>  dx[p, ih, iw] += dy[p, i, j] / count over the window
/// dx: (P, H, W), overwritten; dy: (P, OH, OW)
template <class T>
void adaptive_avg_pool2d_backward(T* dx, const T* dy, int64_t P, const AdaptivePoolGeometry& g) {
  for (int64_t p = 0; p < P; ++p) {
    T* plane = dx + p * g.H * g.W;
    std::fill(plane, plane + g.H * g.W, T(0));
    for (int64_t i = 0; i < g.OH; ++i)
      for (int64_t j = 0; j < g.OW; ++j) {
        const auto [h0, h1, w0, w1] = g.window(i, j);
        const T share = dy[(p * g.OH + i) * g.OW + j] / T((h1 - h0) * (w1 - w0));
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) plane[ih * g.W + iw] += share;
      }
  }
}

/// y[p, i, j] = the max of window (i, j), index[p, i, j] = its flat position ih * W + iw in plane p:
/// max_pool2d's loop over these windows (the first maximum, or the first NaN).
template <class T>
void adaptive_max_pool2d_forward(T* y, int64_t* index, const T* x, int64_t P, const AdaptivePoolGeometry& g) {
  max_pool2d_forward(y, index, x, P, g);
}

/// fwd: y[p, l] = x[p, index[p, l]]  =>  dx[p, index[p, l]] += dy[p, l], as in max_pool2d
template <class T>
void adaptive_max_pool2d_backward(T* dx, const T* dy, const int64_t* index, int64_t P, const AdaptivePoolGeometry& g) {
  max_pool2d_backward(dx, dy, index, P, g);
}

}  // namespace sg::kernels::reference
