// A convolution strategy conv2d does not use, kept to be measured against the one it does.
// Legend as in autograd/kernels/reference/conv.h.
#pragma once

#include <algorithm>
#include <cstdint>

#include "autograd/kernels/fast/conv.h"
#include "autograd/parallel.h"

namespace sg::bench {

using kernels::ConvGeometry;

/// The direct loop: each weight scales a shifted input plane into an output plane, so the inner loop
/// runs along a row (contiguous and vectorised for stride 1) with no im2col copy. conv2d does not use
/// it (im2col + GEMM is faster, see README.md); it stays as the alternative bench_kernels measures.
/// fwd: y[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] * x[n, c, i*SH - PH + p*DH, j*SW - PW + q*DW]
/// y: (N, O, OH, OW), x: (N, C, H, W), w: (O, C, KH, KW), b: (O) or null
template <class T>
void conv2d_forward_direct(T* y, const T* x, const T* w, const T* b, int64_t N, const ConvGeometry& g) {
  const int64_t L = g.L();
  // Output planes (n, o) are independent: they are the parallel work, ~64K multiply-adds per chunk.
  const int64_t grain = std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, L * g.CK()));
  parallel_for(N * g.O, grain, [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      const int64_t n = k / g.O, o = k % g.O;
      T* plane = y + k * L;
      std::fill(plane, plane + L, b ? b[o] : T(0));
      for (int64_t c = 0; c < g.C; ++c)
        for (int64_t p = 0; p < g.KH; ++p)
          for (int64_t q = 0; q < g.KW; ++q) {
            const T weight = w[((o * g.C + c) * g.KH + p) * g.KW + q];
            int64_t lo, hi;
            kernels::fast::conv_detail::valid_range(lo, hi, g.OW, g.W, g.SW, g.PW, q * g.DW);
            const int64_t shift = q * g.DW - g.PW;
            for (int64_t i = 0; i < g.OH; ++i) {
              const int64_t ih = i * g.SH - g.PH + p * g.DH;
              if (ih < 0 || ih >= g.H) continue;  // a row of padding adds nothing
              const T* src = x + ((n * g.C + c) * g.H + ih) * g.W;
              T* row = plane + i * g.OW;
              if (g.SW == 1)  // a separate loop the compiler can see is contiguous, so it vectorises
                for (int64_t j = lo; j < hi; ++j) row[j] += weight * src[j + shift];
              else
                for (int64_t j = lo; j < hi; ++j) row[j] += weight * src[j * g.SW + shift];
            }
          }
    }
  });
}

}  // namespace sg::bench
