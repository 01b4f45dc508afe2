// 2-D max and average pooling over planes: every (n, c) plane is pooled on its own, so planes are the
// unit of parallel work and each plane's gradient is written by one thread, in one order.
// Legend: P planes (N * C), H W input size, KH KW window, SH SW stride, PH PW padding, OH OW output size,
//         L = OH * OW. Window (i, j) covers rows i*SH - PH .. + KH - 1 and columns j*SW - PW .. + KW - 1.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "autograd/parallel.h"

namespace sg::kernels {

struct PoolGeometry {
  int64_t H, W, KH, KW, SH, SW, PH, PW, OH, OW;
  int64_t L() const { return OH * OW; }
};

namespace pool_detail {
/// Planes per parallel chunk: ~32K window reads per chunk.
inline int64_t plane_grain(const PoolGeometry& g) {
  return std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, g.L() * g.KH * g.KW));
}
}  // namespace pool_detail

namespace pool_detail {
/// True when v should replace best as a window's maximum: strictly greater (ties keep the first), or a
/// NaN replacing a number (a NaN never replaces another NaN, so the first NaN wins).
template <class T>
inline bool replaces(T v, T best) {
  return v > best || (v != v && best == best);
}

/// One row of 2x2 windows: rows r0 and r1 of the input, OW windows. index = start + the flat position
/// in the window's rows. __restrict: outputs never overlap the input, so the compiler may vectorise.
template <class T>
void max_pool_row_2x2(T* __restrict y, int64_t* __restrict index, const T* __restrict r0, const T* __restrict r1,
                      int64_t OW, int64_t start, int64_t W) {
  for (int64_t j = 0; j < OW; ++j) {
    const T a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], d = r1[2 * j + 1];
    const T top = replaces(b, a) ? b : a, bottom = replaces(d, c) ? d : c;
    const int64_t top_at = replaces(b, a) ? 1 : 0, bottom_at = replaces(d, c) ? W + 1 : W;
    const bool lower = replaces(bottom, top);
    y[j] = lower ? bottom : top;
    index[j] = start + 2 * j + (lower ? bottom_at : top_at);
  }
}
}  // namespace pool_detail

/// The common case (every CNN in the tutorials pools 2x2 with stride 2, no padding), picked by
/// max_pool2d_forward below; tests compare both with a direct loop. The window's first maximum is
/// found as a tournament, top pair against bottom pair: the same winner as scanning the four in order
/// (0,0), (0,1), (1,0), (1,1), but written as selects, so the loop over a row vectorises (on real data
/// which element wins is unpredictable, and branches on it were a third of the time).
/// y: (P, OH, OW), index: (P, OH, OW), x: (P, H, W)
template <class T>
void max_pool2d_forward_2x2(T* y, int64_t* index, const T* x, int64_t P, const PoolGeometry& g) {
  const int64_t W = g.W;
  parallel_for(P, pool_detail::plane_grain(g), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p)
      for (int64_t i = 0; i < g.OH; ++i) {
        const T* r0 = x + p * g.H * W + 2 * i * W;  // the windows' two rows
        pool_detail::max_pool_row_2x2(y + (p * g.OH + i) * g.OW, index + (p * g.OH + i) * g.OW, r0, r0 + W, g.OW,
                                      2 * i * W, W);
      }
  });
}

/// y[p, i, j] = max of the window (padding is -inf, so it never wins), index[p, i, j] = the flat
/// position ih * W + iw of the window's first maximum in plane p. A NaN wins, as in PyTorch.
/// y: (P, OH, OW), index: (P, OH, OW), x: (P, H, W)
template <class T>
void max_pool2d_forward(T* y, int64_t* index, const T* x, int64_t P, const PoolGeometry& g) {
  if (g.KH == 2 && g.KW == 2 && g.SH == 2 && g.SW == 2 && g.PH == 0 && g.PW == 0)
    return max_pool2d_forward_2x2(y, index, x, P, g);
  parallel_for(P, pool_detail::plane_grain(g), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const T* plane = x + p * g.H * g.W;
      for (int64_t i = 0; i < g.OH; ++i)
        for (int64_t j = 0; j < g.OW; ++j) {
          // The window clipped to the image: padding is -inf and can never be a maximum.
          const int64_t h0 = std::max<int64_t>(0, i * g.SH - g.PH), h1 = std::min(g.H, i * g.SH - g.PH + g.KH);
          const int64_t w0 = std::max<int64_t>(0, j * g.SW - g.PW), w1 = std::min(g.W, j * g.SW - g.PW + g.KW);
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
          index[(p * g.OH + i) * g.OW + j] = best;
        }
    }
  });
}

/// fwd: y[p, l] = x[p, index[p, l]]  =>  dx[p, index[p, l]] += dy[p, l]  (overlapping windows add up)
/// dx: (P, H, W), overwritten; dy, index: (P, OH, OW)
template <class T>
void max_pool2d_backward(T* dx, const T* dy, const int64_t* index, int64_t P, const PoolGeometry& g) {
  parallel_for(P, pool_detail::plane_grain(g), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* plane = dx + p * g.H * g.W;
      std::fill(plane, plane + g.H * g.W, T(0));
      for (int64_t l = 0; l < g.L(); ++l) plane[index[p * g.L() + l]] += dy[p * g.L() + l];
    }
  });
}

/// y[p, i, j] = (sum of the window's pixels inside the image) / (KH * KW): padding counts as zeros.
/// y: (P, OH, OW), x: (P, H, W)
template <class T>
void avg_pool2d_forward(T* y, const T* x, int64_t P, const PoolGeometry& g) {
  const T scale = T(1) / T(g.KH * g.KW);
  parallel_for(P, pool_detail::plane_grain(g), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const T* plane = x + p * g.H * g.W;
      for (int64_t i = 0; i < g.OH; ++i)
        for (int64_t j = 0; j < g.OW; ++j) {
          const int64_t h0 = std::max<int64_t>(0, i * g.SH - g.PH), h1 = std::min(g.H, i * g.SH - g.PH + g.KH);
          const int64_t w0 = std::max<int64_t>(0, j * g.SW - g.PW), w1 = std::min(g.W, j * g.SW - g.PW + g.KW);
          T acc = 0;
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) acc += plane[ih * g.W + iw];
          y[(p * g.OH + i) * g.OW + j] = acc * scale;
        }
    }
  });
}

/// fwd: y[p, i, j] = sum_window x / (KH*KW)  =>  dx[p, ih, iw] += dy[p, i, j] / (KH*KW) over the window
/// dx: (P, H, W), overwritten; dy: (P, OH, OW)
template <class T>
void avg_pool2d_backward(T* dx, const T* dy, int64_t P, const PoolGeometry& g) {
  const T scale = T(1) / T(g.KH * g.KW);
  parallel_for(P, pool_detail::plane_grain(g), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* plane = dx + p * g.H * g.W;
      std::fill(plane, plane + g.H * g.W, T(0));
      for (int64_t i = 0; i < g.OH; ++i)
        for (int64_t j = 0; j < g.OW; ++j) {
          const int64_t h0 = std::max<int64_t>(0, i * g.SH - g.PH), h1 = std::min(g.H, i * g.SH - g.PH + g.KH);
          const int64_t w0 = std::max<int64_t>(0, j * g.SW - g.PW), w1 = std::min(g.W, j * g.SW - g.PW + g.KW);
          const T share = dy[(p * g.OH + i) * g.OW + j] * scale;
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) plane[ih * g.W + iw] += share;
        }
    }
  });
}

}  // namespace sg::kernels
