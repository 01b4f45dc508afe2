// 2-D convolution (cross-correlation, as in PyTorch) as loops over its definition:
//   y[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] * x[n, c, i*SH - PH + p*DH, j*SW - PW + q*DW]
// Legend: N batch, C input channels, H W input size, O output channels, KH KW kernel size,
//         SH SW stride, PH PW padding, DH DW dilation, OH OW output size, L = OH * OW, CK = C * KH * KW.
#pragma once

#include <cstdint>

namespace sg::kernels::reference {

/// Every size a convolution needs, computed once by the op.
struct ConvGeometry {
  int64_t C, H, W, O, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW;
  int64_t L() const { return OH * OW; }
  int64_t CK() const { return C * KH * KW; }
};

/// Calls term(yk, xk, wk) for each product w[wk] * x[xk] of the sum for y[yk], in order, but the padding's.
template <class Term>
void for_each_term(int64_t N, const ConvGeometry& g, Term term) {
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t i = 0; i < g.OH; ++i)
        for (int64_t j = 0; j < g.OW; ++j)
          for (int64_t c = 0; c < g.C; ++c)
            for (int64_t p = 0; p < g.KH; ++p)
              for (int64_t q = 0; q < g.KW; ++q) {
                const int64_t ih = i * g.SH - g.PH + p * g.DH, iw = j * g.SW - g.PW + q * g.DW;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                term(((n * g.O + o) * g.OH + i) * g.OW + j, ((n * g.C + c) * g.H + ih) * g.W + iw,
                     ((o * g.C + c) * g.KH + p) * g.KW + q);
              }
}

/// y: (N, O, OH, OW), x: (N, C, H, W), w: (O, C, KH, KW), b: (O) or null
template <class T>
void conv2d_forward(T* y, const T* x, const T* w, const T* b, int64_t N, const ConvGeometry& g) {
  for (int64_t k = 0; k < N * g.O * g.L(); ++k) y[k] = b ? b[k / g.L() % g.O] : T(0);
  for_each_term(N, g, [&](int64_t yk, int64_t xk, int64_t wk) { y[yk] += w[wk] * x[xk]; });
}

/// fwd: y[yk] += w[wk] * x[xk]  =>  dx[xk] += w[wk] * dy[yk]        dx: (N, C, H, W), overwritten
template <class T>
void conv2d_backward_input(T* dx, const T* dy, const T* w, int64_t N, const ConvGeometry& g) {
  for (int64_t k = 0; k < N * g.C * g.H * g.W; ++k) dx[k] = T(0);
  for_each_term(N, g, [&](int64_t yk, int64_t xk, int64_t wk) { dx[xk] += w[wk] * dy[yk]; });
}

/// fwd: y[yk] += w[wk] * x[xk]  =>  dw[wk] += dy[yk] * x[xk]        dw: (O, C, KH, KW), overwritten
template <class T>
void conv2d_backward_weight(T* dw, const T* dy, const T* x, int64_t N, const ConvGeometry& g) {
  for (int64_t k = 0; k < g.O * g.CK(); ++k) dw[k] = T(0);
  for_each_term(N, g, [&](int64_t yk, int64_t xk, int64_t wk) { dw[wk] += dy[yk] * x[xk]; });
}

/// fwd: y[n, o, l] += b[o]  =>  db[o] = sum_{n, l} dy[n, o, l]        db: (O), dy: (N, O, L)
template <class T>
void conv2d_backward_bias(T* db, const T* dy, int64_t N, int64_t O, int64_t L) {
  for (int64_t o = 0; o < O; ++o) db[o] = T(0);
  for (int64_t k = 0; k < N * O * L; ++k) db[k / L % O] += dy[k];
}

}  // namespace sg::kernels::reference
