// Copies that move elements by position: flip, and the triangles of a matrix. Plain loops that read like
// the math.
// Legend: (B, R, C) are the batch, rows and columns of the last two dims.
#pragma once

#include <array>
#include <cstdint>

#include "autograd/shape.h"

namespace sg::kernels::reference {

using Strides = std::array<int64_t, Shape::kMaxRank>;

/// Visits every position p of `shape` in row-major order as f(k, a, b): k is p's flat index, a and b
/// its offsets under the strides sa and sb.
template <class F>
void for_each_position(const Shape& shape, const Strides& sa, const Strides& sb, F f) {
  const int64_t rank = shape.size(), n = shape.numel();
  std::array<int64_t, Shape::kMaxRank> p{};
  int64_t a = 0, b = 0;
  for (int64_t k = 0; k < n; ++k) {
    f(k, a, b);
    for (int64_t d = rank - 1; d >= 0; --d) {  // odometer over p, tracking both offsets
      a += sa[d];
      b += sb[d];
      if (++p[d] < shape[d]) break;
      a -= p[d] * sa[d];
      b -= p[d] * sb[d];
      p[d] = 0;
    }
  }
}

/// y[p] = x[q], q[d] = shape[d] - 1 - p[d] where flipped[d], else p[d]               x, y: shape
template <class T>
void flip(T* y, const T* x, const Shape& shape, const std::array<bool, Shape::kMaxRank>& flipped) {
  // Walking x with the stride of each flipped dim negated, from its far end in those dims.
  Strides sx = contiguous_strides(shape);
  int64_t start = 0;
  for (int64_t d = 0; d < shape.size(); ++d)
    if (flipped[d] && shape[d] > 0) {
      start += (shape[d] - 1) * sx[d];
      sx[d] = -sx[d];
    }
  for_each_position(shape, sx, Strides{}, [&](int64_t k, int64_t xo, int64_t) { y[k] = x[start + xo]; });
}

/// y[b, i, j] = x[b, i, j] where j - i <= diagonal (lower), or >= diagonal (upper), else 0
///                                                                           x, y: (B, R, C)
template <class T>
void triangle(T* y, const T* x, int64_t B, int64_t R, int64_t C, int64_t diagonal, bool upper) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < R; ++i)
      for (int64_t j = 0; j < C; ++j) {
        const int64_t at = (b * R + i) * C + j;
        const bool keep = upper ? j - i >= diagonal : j - i <= diagonal;
        y[at] = keep ? x[at] : T(0);
      }
}

}  // namespace sg::kernels::reference
