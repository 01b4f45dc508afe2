// The fast 2-D pooling: 2x2 max pooling written as selects (and, with AVX-512, 16 windows a step), and
// reference/pool.h's loops on blocks of planes across threads. Every (n, c) plane is pooled on its own.
// Legend: P planes (N * C), H W input size, KH KW window, SH SW stride, PH PW padding, OH OW output size,
//         L = OH * OW. Window (i, j) covers rows i*SH - PH .. + KH - 1 and columns j*SW - PW .. + KW - 1.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "autograd/kernels/reference/pool.h"
#include "autograd/parallel.h"

namespace sg::kernels::fast {

using reference::PoolGeometry;

namespace pool_detail {
/// Planes per parallel chunk: ~32K window reads per chunk. Divided in two steps (the same quotient),
/// because L * KH * KW can overflow: a huge window over a small padded image.
inline int64_t plane_grain(const PoolGeometry& g) {
  return std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, g.L()) / std::max<int64_t>(1, g.KH * g.KW));
}

/// True when v should replace best as a window's maximum: strictly greater (ties keep the first), or a
/// NaN replacing a number (a NaN never replaces another NaN, so the first NaN wins).
template <class T>
inline bool replaces(T v, T best) {
  return (v > best) | ((v != v) & (best == best));  // `|` and `&`: both sides evaluated, no branch
}

/// c ? x : y computed with bit masks: compilers turn a ?: on floats into a branch, which on real data
/// (whichever element of a window wins) is often mispredicted.
template <class T>
inline T select(bool c, T x, T y) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  const Bits mask = -Bits(c);
  return std::bit_cast<T>((std::bit_cast<Bits>(x) & mask) | (std::bit_cast<Bits>(y) & ~mask));
}

/// One row of 2x2 windows: rows r0 and r1 of the input, OW windows. index = start + the flat position
/// in the window's rows (or null: no index stored). The portable version, and the reference for the
/// vector one below.
template <class T>
void max_pool_row_2x2_scalar(T* y, int64_t* index, const T* r0, const T* r1, int64_t OW, int64_t start, int64_t W) {
  for (int64_t j = 0; j < OW; ++j) {
    const T a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], d = r1[2 * j + 1];
    const bool b_wins = replaces(b, a), d_wins = replaces(d, c);
    const T top = select(b_wins, b, a), bottom = select(d_wins, d, c);
    const bool lower = replaces(bottom, top);
    y[j] = select(lower, bottom, top);
    if (index) index[j] = start + 2 * j + select(lower, W + int64_t(d_wins), int64_t(b_wins));
  }
}

#if defined(__AVX512F__)
/// The same 16 windows at a time. Rows of pooled maps are short (13 and 5 windows in LeNet), shorter
/// than a compiler's vector loop, so this uses masked loads and stores: a 13-window row is one step.
/// The pairs (a, b) of a row are split into even and odd lanes with one permute per register.
inline void max_pool_row_2x2(float* y, int64_t* index, const float* r0, const float* r1, int64_t OW, int64_t start,
                             int64_t W) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  // replaces(v, best) on 16 lanes: v > best, or v is NaN and best is not.
  const auto replaces16 = [](__m512 v, __m512 best) -> __mmask16 {
    return _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) |
           (_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q) & _mm512_cmp_ps_mask(best, best, _CMP_ORD_Q));
  };
  for (int64_t j = 0; j < OW; j += 16) {
    const int64_t n = std::min<int64_t>(16, OW - j);  // windows in this step: 2n input floats per row
    const __mmask16 out = __mmask16((1u << n) - 1);
    const __mmask16 first = __mmask16(n >= 8 ? 0xFFFFu : (1u << 2 * n) - 1);
    const __mmask16 second = __mmask16(n > 8 ? (1u << (2 * n - 16)) - 1 : 0);
    const auto pairs = [&](const float* row, __m512& left, __m512& right) {
      const __m512 lo = _mm512_maskz_loadu_ps(first, row + 2 * j), hi = _mm512_maskz_loadu_ps(second, row + 2 * j + 16);
      left = _mm512_permutex2var_ps(lo, even, hi);
      right = _mm512_permutex2var_ps(lo, odd, hi);
    };
    __m512 a, b, c, d;
    pairs(r0, a, b);
    pairs(r1, c, d);
    const __mmask16 b_wins = replaces16(b, a), d_wins = replaces16(d, c);
    const __m512 top = _mm512_mask_blend_ps(b_wins, a, b), bottom = _mm512_mask_blend_ps(d_wins, c, d);
    const __mmask16 lower = replaces16(bottom, top);
    _mm512_mask_storeu_ps(y + j, out, _mm512_mask_blend_ps(lower, top, bottom));
    if (!index) continue;
    // index = start + 2 (j + lane) + (lower ? W + d_wins : b_wins), as 32-bit offsets within the step
    const __m512i one = _mm512_set1_epi32(1);
    const __m512i top_at = _mm512_maskz_mov_epi32(b_wins, one);
    const __m512i bottom_at = _mm512_mask_add_epi32(_mm512_set1_epi32(int32_t(W)), d_wins, _mm512_set1_epi32(int32_t(W)), one);
    const __m512i offset = _mm512_add_epi32(_mm512_add_epi32(lane, lane), _mm512_mask_blend_epi32(lower, top_at, bottom_at));
    // (the maskz forms: GCC 12 warns that the plain ones read an uninitialised register)
    const __m512i base = _mm512_set1_epi64(start + 2 * j);
    const __m256i low = _mm512_maskz_extracti64x4_epi64(0xF, offset, 0), high = _mm512_maskz_extracti64x4_epi64(0xF, offset, 1);
    _mm512_mask_storeu_epi64(index + j, __mmask8(out), _mm512_add_epi64(base, _mm512_maskz_cvtepi32_epi64(0xFF, low)));
    _mm512_mask_storeu_epi64(index + j + 8, __mmask8(out >> 8),
                             _mm512_add_epi64(base, _mm512_maskz_cvtepi32_epi64(0xFF, high)));
  }
}
#endif

template <class T>
void max_pool_row_2x2(T* y, int64_t* index, const T* r0, const T* r1, int64_t OW, int64_t start, int64_t W) {
  max_pool_row_2x2_scalar(y, index, r0, r1, OW, start, W);
}
}  // namespace pool_detail

/// The common case (every CNN in the tutorials pools 2x2 with stride 2, no padding), picked by
/// max_pool2d_forward below; tests compare both with a direct loop. The window's first maximum is
/// found as a tournament, top pair against bottom pair: the same winner as scanning the four in order
/// (0,0), (0,1), (1,0), (1,1), but written as selects, so the loop over a row vectorises (on real data
/// which element wins is unpredictable, so branches on it would be mispredicted).
/// y: (P, OH, OW), index: (P, OH, OW) or null, x: (P, H, W)
template <class T>
void max_pool2d_forward_2x2(T* y, int64_t* index, const T* x, int64_t P, const PoolGeometry& g) {
  const int64_t W = g.W;
  parallel_for(P, pool_detail::plane_grain(g), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p)
      for (int64_t i = 0; i < g.OH; ++i) {
        const T* r0 = x + p * g.H * W + 2 * i * W;  // the windows' two rows
        pool_detail::max_pool_row_2x2(y + (p * g.OH + i) * g.OW, index ? index + (p * g.OH + i) * g.OW : nullptr, r0,
                                      r0 + W, g.OW, 2 * i * W, W);
      }
  });
}

/// y[p, i, j] = max of the window, index[p, i, j] = the flat position of its first maximum (index may be
/// null): 2x2 windows of stride 2 (every CNN in the tutorials) by max_pool2d_forward_2x2, other windows
/// by the reference loop, on blocks of planes across threads.
/// y: (P, OH, OW), index: (P, OH, OW) or null, x: (P, H, W)
template <class T>
void max_pool2d_forward(T* y, int64_t* index, const T* x, int64_t P, const PoolGeometry& g) {
  if (g.KH == 2 && g.KW == 2 && g.SH == 2 && g.SW == 2 && g.PH == 0 && g.PW == 0)
    return max_pool2d_forward_2x2(y, index, x, P, g);
  parallel_for(P, pool_detail::plane_grain(g), [&](int64_t p0, int64_t p1) {
    reference::max_pool2d_forward(y + p0 * g.L(), index ? index + p0 * g.L() : nullptr, x + p0 * g.H * g.W, p1 - p0,
                                  g);
  });
}

/// The reference loops on blocks of planes across threads: each plane's gradient is written by one
/// thread, in one order.
template <class T>
void max_pool2d_backward(T* dx, const T* dy, const int64_t* index, int64_t P, const PoolGeometry& g) {
  parallel_for(P, pool_detail::plane_grain(g), [&](int64_t p0, int64_t p1) {
    reference::max_pool2d_backward(dx + p0 * g.H * g.W, dy + p0 * g.L(), index + p0 * g.L(), p1 - p0, g);
  });
}

template <class T>
void avg_pool2d_forward(T* y, const T* x, int64_t P, const PoolGeometry& g) {
  parallel_for(P, pool_detail::plane_grain(g), [&](int64_t p0, int64_t p1) {
    reference::avg_pool2d_forward(y + p0 * g.L(), x + p0 * g.H * g.W, p1 - p0, g);
  });
}

template <class T>
void avg_pool2d_backward(T* dx, const T* dy, int64_t P, const PoolGeometry& g) {
  parallel_for(P, pool_detail::plane_grain(g), [&](int64_t p0, int64_t p1) {
    reference::avg_pool2d_backward(dx + p0 * g.H * g.W, dy + p0 * g.L(), p1 - p0, g);
  });
}

}  // namespace sg::kernels::fast
