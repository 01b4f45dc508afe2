// Copies that move elements by position: gather and scatter along a dim by an index tensor, flip, and
// the triangles of a matrix. Plain loops that read like the math.
// Legend: `index` is int64 and has index_shape; x, y, src have their own shapes of the same rank, each at
// least index_shape outside `dim`; (B, R, C) are the batch, rows and columns of the last two dims.
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

/// Strides of shape with the one of `dim` set to 0: the offset of a position with its dim coordinate left
/// out, which index supplies.
inline Strides strides_without(const Shape& shape, int64_t dim) {
  Strides s = contiguous_strides(shape);
  s[dim] = 0;
  return s;
}

/// y[p] = x[p with p[dim] replaced by index[p]]                y, index: index_shape; x: x_shape
template <class T>
void gather_along(T* y, const T* x, const int64_t* index, const Shape& index_shape, const Shape& x_shape, int64_t dim) {
  const int64_t x_step = contiguous_strides(x_shape)[dim];
  for_each_position(index_shape, strides_without(x_shape, dim), contiguous_strides(index_shape),
                    [&](int64_t k, int64_t xo, int64_t) { y[k] = x[xo + index[k] * x_step]; });
}

/// y[p with p[dim] replaced by index[p]] = src[p], in row-major order of p (the last write wins)
///                                                   index: index_shape; src: src_shape; y: y_shape
template <class T>
void scatter_along(T* y, const T* src, const int64_t* index, const Shape& index_shape, const Shape& src_shape,
                   const Shape& y_shape, int64_t dim) {
  const int64_t y_step = contiguous_strides(y_shape)[dim];
  for_each_position(index_shape, strides_without(y_shape, dim), contiguous_strides(src_shape),
                    [&](int64_t k, int64_t yo, int64_t so) { y[yo + index[k] * y_step] = src[so]; });
}

/// y[p with p[dim] replaced by index[p]] += src[p], in row-major order of p
template <class T>
void scatter_add_along(T* y, const T* src, const int64_t* index, const Shape& index_shape, const Shape& src_shape,
                       const Shape& y_shape, int64_t dim) {
  const int64_t y_step = contiguous_strides(y_shape)[dim];
  for_each_position(index_shape, strides_without(y_shape, dim), contiguous_strides(src_shape),
                    [&](int64_t k, int64_t yo, int64_t so) { y[yo + index[k] * y_step] += src[so]; });
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
