// The fast 2-D convolution: each image's convolution as one GEMM through im2col, and col2im for the
// input gradient:
//   y[n] (O, L) = w (O, CK) * col(x[n]) (CK, L)        col: one column per output position
// reference/conv.h computes the same from the definition.
// Legend: N batch, C input channels, H W input size, O output channels, KH KW kernel size,
//         SH SW stride, PH PW padding, DH DW dilation, OH OW output size, L = OH * OW, CK = C * KH * KW.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "autograd/kernels/fast/gemm.h"
#include "autograd/kernels/reference/conv.h"
#include "autograd/parallel.h"

namespace sg::kernels::fast {

using reference::ConvGeometry;

namespace conv_detail {
/// A 1x1 kernel with stride 1 and no padding: the input already is its own im2col matrix.
inline bool pointwise(const ConvGeometry& g) {
  return g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PH == 0 && g.PW == 0;
}

/// The output columns j whose input column j*S - P + q*D falls inside [0, W): [lo, hi). Used to split a
/// row into padding (zeros) and a plain strided copy, so the copy loop has no bounds test.
inline void valid_range(int64_t& lo, int64_t& hi, int64_t out, int64_t in, int64_t S, int64_t P, int64_t offset) {
  // smallest j with j*S >= P - offset, largest j with j*S - P + offset <= in - 1
  const int64_t first = P - offset;
  lo = first <= 0 ? 0 : (first + S - 1) / S;
  const int64_t last = in - 1 + P - offset;
  hi = last < 0 ? 0 : std::min(out, last / S + 1);
  lo = std::min(lo, hi);
}

/// dst[j] = src[j] for j < n: a row of im2col, one output row of a feature map, so short (26 and 11
/// pixels in LeNet): shorter than a compiler's vector loop, which then spends its time in the scalar
/// remainder. The float version below copies 16 a step with masks. col2im's rows stay plain loops:
/// there a masked store followed by a masked load of the same bytes (the next kernel column adds to the
/// row shifted by one) cannot be forwarded.
template <class T>
inline void copy_row(T* dst, const T* src, int64_t n) {
  for (int64_t j = 0; j < n; ++j) dst[j] = src[j];
}
#if defined(__AVX512F__)
inline __mmask16 first_lanes(int64_t n) { return __mmask16(n >= 16 ? 0xFFFF : (1u << n) - 1); }
inline void copy_row(float* dst, const float* src, int64_t n) {
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 m = first_lanes(n - j);
    _mm512_mask_storeu_ps(dst + j, m, _mm512_maskz_loadu_ps(m, src + j));
  }
}

/// col2im for stride 1, no padding or dilation, and input rows of at most 16 pixels (LeNet's 13x13 maps):
/// each row of dx is summed in one register from the KH * KW rows of dcol that reach it, each moved q
/// lanes along, then stored once. Adding row after shifted row into memory instead makes every load wait
/// for the store just before it to land (a shifted overlap cannot be forwarded).
/// The additions come in the same order as in the loop below, so the result is the same to the bit.
inline bool col2im_in_registers(float* dx, const float* dcol, const ConvGeometry& g) {
  const bool plain = g.SH == 1 && g.SW == 1 && g.PH == 0 && g.PW == 0 && g.DH == 1 && g.DW == 1;
  if (!plain || g.W > 16) return false;
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t ih = 0; ih < g.H; ++ih) {
      __m512 row = _mm512_setzero_ps();
      for (int64_t p = 0; p < g.KH; ++p) {
        const int64_t i = ih - p;  // the output row whose window row p is input row ih
        if (i < 0 || i >= g.OH) continue;
        for (int64_t q = 0; q < g.KW; ++q) {
          const float* src = dcol + ((c * g.KH + p) * g.KW + q) * g.L() + i * g.OW;
          const __m512 segment = _mm512_maskz_loadu_ps(first_lanes(g.OW), src);
          // lanes q .. q + OW - 1 take the segment's 0 .. OW - 1 (iw = j + q); the others add zero
          const __mmask16 at = __mmask16(first_lanes(q + g.OW) & ~first_lanes(q));
          const __m512i from = _mm512_sub_epi32(lane, _mm512_set1_epi32(int32_t(q)));  // lane l takes l - q
          row = _mm512_add_ps(row, _mm512_maskz_permutexvar_ps(at, from, segment));
        }
      }
      _mm512_mask_storeu_ps(dx + (c * g.H + ih) * g.W, first_lanes(g.W), row);
    }
  return true;
}
#endif

/// One scratch matrix per thread, reused across calls (a training loop convolves the same shapes
/// thousands of times; allocating col each time would cost more than filling it).
template <class T>
T* scratch(int64_t size) {
  thread_local std::vector<T> buffer;
  if (int64_t(buffer.size()) < size) buffer.resize(size_t(size));
  return buffer.data();
}
/// Images per parallel chunk: enough multiply-adds (~64K) to be worth a thread. Divided in two steps
/// (the same quotient), because O * L * CK, unlike each of O * L and CK, need not fit in int64.
inline int64_t image_grain(const ConvGeometry& g) {
  return std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, g.O * g.L()) / std::max<int64_t>(1, g.CK()));
}
}  // namespace conv_detail

/// col[(c, p, q), (i, j)] = x[c, i*SH - PH + p*DH, j*SW - PW + q*DW], 0 in the padding.
/// col: (CK, L), x: (C, H, W) -- one image
template <class T>
void im2col(T* col, const T* x, const ConvGeometry& g) {
  if (g.SH == 1 && g.SW == 1 && g.PH == 0 && g.PW == 0 && g.DH == 1 && g.DW == 1) {
    // The plain case (every conv in the tutorials and benchmarks): no padding to fill, every row of
    // col is OH segments of OW pixels, one per input row. Short loops, so kept free of bookkeeping.
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t p = 0; p < g.KH; ++p)
        for (int64_t q = 0; q < g.KW; ++q) {
          T* dst = col + ((c * g.KH + p) * g.KW + q) * g.L();
          const T* src = x + (c * g.H + p) * g.W + q;
          for (int64_t i = 0; i < g.OH; ++i, dst += g.OW, src += g.W) conv_detail::copy_row(dst, src, g.OW);
        }
    return;
  }
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t p = 0; p < g.KH; ++p)
      for (int64_t q = 0; q < g.KW; ++q) {
        T* row = col + ((c * g.KH + p) * g.KW + q) * g.L();
        // Output rows [ilo, ihi) and columns [lo, hi) read inside the image; the rest read padding.
        int64_t lo, hi, ilo, ihi;
        conv_detail::valid_range(lo, hi, g.OW, g.W, g.SW, g.PW, q * g.DW);
        conv_detail::valid_range(ilo, ihi, g.OH, g.H, g.SH, g.PH, p * g.DH);
        const int64_t shift = q * g.DW - g.PW;  // iw = j*SW + shift
        std::fill(row, row + ilo * g.OW, T(0));
        for (int64_t i = ilo; i < ihi; ++i) {
          const T* src = x + (c * g.H + i * g.SH - g.PH + p * g.DH) * g.W + shift;
          T* dst = row + i * g.OW;
          std::fill(dst, dst + lo, T(0));
          if (g.SW == 1)  // a plain copy of a row segment (every stride-1 layer)
            conv_detail::copy_row(dst + lo, src + lo, hi - lo);
          else
            for (int64_t j = lo; j < hi; ++j) dst[j] = src[j * g.SW];
          std::fill(dst + hi, dst + g.OW, T(0));
        }
        std::fill(row + ihi * g.OW, row + g.L(), T(0));
      }
}

/// The adjoint of im2col: every column entry is added back to the input pixel it was copied from.
/// fwd: col[(c, p, q), (i, j)] = x[c, ih, iw]  =>  dx[c, ih, iw] += dcol[(c, p, q), (i, j)]
/// dx: (C, H, W), overwritten; dcol: (CK, L)
template <class T>
void col2im(T* dx, const T* dcol, const ConvGeometry& g) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float>)
    if (conv_detail::col2im_in_registers(dx, dcol, g)) return;
#endif
  std::fill(dx, dx + g.C * g.H * g.W, T(0));
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t p = 0; p < g.KH; ++p)
      for (int64_t q = 0; q < g.KW; ++q) {
        const T* row = dcol + ((c * g.KH + p) * g.KW + q) * g.L();
        // Output rows [ilo, ihi) and columns [lo, hi) read inside the image; the rest read padding.
        int64_t lo, hi, ilo, ihi;
        conv_detail::valid_range(lo, hi, g.OW, g.W, g.SW, g.PW, q * g.DW);
        conv_detail::valid_range(ilo, ihi, g.OH, g.H, g.SH, g.PH, p * g.DH);
        const int64_t shift = q * g.DW - g.PW;  // iw = j*SW + shift
        for (int64_t i = ilo; i < ihi; ++i) {
          T* dst = dx + (c * g.H + i * g.SH - g.PH + p * g.DH) * g.W + shift;
          const T* src = row + i * g.OW;
          if (g.SW == 1)  // contiguous on both sides: the compiler vectorises this one
            for (int64_t j = lo; j < hi; ++j) dst[j] += src[j];
          else
            for (int64_t j = lo; j < hi; ++j) dst[j * g.SW] += src[j];
        }
      }
}

/// Whether conv2d_forward has a use for room to keep every image's im2col matrix: not when the input
/// already is its own.
inline bool keeps_cols(const ConvGeometry& g) { return !conv_detail::pointwise(g); }

/// y[n] = w * im2col(x[n]) + b, one GEMM per image; images go to threads in fixed chunks.
/// cols, if not null, keeps every image's im2col for the weight gradient (which would otherwise build
/// it again); null: one scratch matrix per thread.
/// y: (N, O, OH, OW), x: (N, C, H, W), w: (O, C, KH, KW), b: (O) or null, cols: (N, CK, L) or null
template <class T>
void conv2d_forward(T* y, const T* x, const T* w, const T* b, int64_t N, const ConvGeometry& g, T* cols = nullptr) {
  const int64_t L = g.L(), CK = g.CK();
  parallel_for(N, conv_detail::image_grain(g), [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n) {
      const T* xn = x + n * g.C * g.H * g.W;
      T* yn = y + n * g.O * L;
      const T* col = xn;
      if (!conv_detail::pointwise(g)) {
        T* buffer = cols ? cols + n * CK * L : conv_detail::scratch<T>(CK * L);
        im2col(buffer, xn, g);
        col = buffer;
      }
      gemm<T>(false, false, g.O, L, CK, T(1), w, CK, col, L, T(0), yn, L);
      if (b)
        for (int64_t o = 0; o < g.O; ++o)
          for (int64_t l = 0; l < L; ++l) yn[o * L + l] += b[o];
    }
  });
}

/// fwd: y[n] = w col[n]  =>  dcol[n] = w^T dy[n],  dx[n] = col2im(dcol[n])
/// dx: (N, C, H, W), dy: (N, O, OH, OW), w: (O, C, KH, KW)
template <class T>
void conv2d_backward_input(T* dx, const T* dy, const T* w, int64_t N, const ConvGeometry& g) {
  const int64_t L = g.L(), CK = g.CK();
  parallel_for(N, conv_detail::image_grain(g), [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n) {
      T* dxn = dx + n * g.C * g.H * g.W;
      const T* dyn = dy + n * g.O * L;
      if (conv_detail::pointwise(g)) {  // col is x itself, so dx is dcol
        gemm<T>(true, false, CK, L, g.O, T(1), w, CK, dyn, L, T(0), dxn, L);
        continue;
      }
      T* dcol = conv_detail::scratch<T>(CK * L);
      gemm<T>(true, false, CK, L, g.O, T(1), w, CK, dyn, L, T(0), dcol, L);
      col2im(dxn, dcol, g);
    }
  });
}

/// fwd: y[n] = w col[n]  =>  dw = sum_n dy[n] col[n]^T, computed as its transpose
/// dw^T (CK, O) = sum_n col[n] dy[n]^T: the GEMM then copies the small dy[n] (O, L) to (L, O) rather
/// than the CK / O times larger col[n], and its tiles are CK rows by O columns (one vector of filters).
/// The sum over images is split into fixed chunks of images, each summed into its own partial, and the
/// partials are added in chunk order: the same additions in the same order for any thread count.
/// cols: the forward's im2col of every image, or null to build them again.
/// dw: (O, C, KH, KW), overwritten; dy: (N, O, OH, OW), x: (N, C, H, W), cols: (N, CK, L) or null
template <class T>
void conv2d_backward_weight(T* dw, const T* dy, const T* x, int64_t N, const ConvGeometry& g,
                            const T* cols = nullptr) {
  const int64_t L = g.L(), CK = g.CK(), size = g.O * CK;
  const int64_t grain = std::max<int64_t>(4, conv_detail::image_grain(g));
  const int64_t chunks = (N + grain - 1) / grain;
  std::vector<T> partial(size_t(chunks * size));
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t chunk = c0; chunk < c1; ++chunk) {
      T* dw_chunk = partial.data() + chunk * size;
      for (int64_t n = chunk * grain; n < std::min(N, (chunk + 1) * grain); ++n) {
        const T* xn = x + n * g.C * g.H * g.W;
        const T* col = xn;
        if (cols) {
          col = cols + n * CK * L;
        } else if (!conv_detail::pointwise(g)) {
          T* buffer = conv_detail::scratch<T>(CK * L);
          im2col(buffer, xn, g);
          col = buffer;
        }
        gemm<T>(false, true, CK, g.O, L, T(1), col, L, dy + n * g.O * L, L, n == chunk * grain ? T(0) : T(1),
                dw_chunk, g.O);
      }
    }
  });
  // dw[o, k] = sum over chunks, in order, of partial[chunk][k, o]
  for (int64_t o = 0; o < g.O; ++o)
    for (int64_t k = 0; k < CK; ++k) {
      T total = partial[k * g.O + o];
      for (int64_t chunk = 1; chunk < chunks; ++chunk) total += partial[chunk * size + k * g.O + o];
      dw[o * CK + k] = total;
    }
}

/// fwd: y[n, o, l] += b[o]  =>  db[o] = sum_{n, l} dy[n, o, l], summed in a fixed order.
/// db: (O), dy: (N, O, OH, OW)
/// One running sum per position l, over images in order (the loop over l vectorises), then those L
/// sums added in order: a fixed order, and not one long chain of dependent additions.
/// Channels are independent: they go to threads in fixed chunks.
template <class T>
void conv2d_backward_bias(T* db, const T* dy, int64_t N, int64_t O, int64_t L) {
  parallel_for(O, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, N * L)), [&](int64_t o0, int64_t o1) {
    T* acc = conv_detail::scratch<T>(L);  // this thread's
    for (int64_t o = o0; o < o1; ++o) {
      std::fill(acc, acc + L, T(0));
      for (int64_t n = 0; n < N; ++n) {
        const T* d = dy + (n * O + o) * L;
        for (int64_t l = 0; l < L; ++l) acc[l] += d[l];
      }
      T total = 0;
      for (int64_t l = 0; l < L; ++l) total += acc[l];
      db[o] = total;
    }
  });
}

}  // namespace sg::kernels::fast
