// Copies that rearrange data: permute, slices along one dim, gathers by index, and their inverses.
// Plain loops (mostly row copies): they have no fast version.
// Legend: a tensor seen as (outer, R, inner) around the dim an op works on; `index` holds int64 positions.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "autograd/shape.h"

namespace sg::kernels::reference {

/// out = x with its dims reordered: out dim d is x dim dims[d].    x: in_shape, out: permuted shape
template <class T>
void permute(T* out, const T* x, const Shape& in_shape, const Shape& dims) {
  const int64_t rank = in_shape.size();
  const auto in_strides = contiguous_strides(in_shape);
  Shape out_shape;
  std::array<int64_t, Shape::kMaxRank> stride{};  // x's stride along each out dim
  for (int64_t d = 0; d < rank; ++d) {
    out_shape.push_back(in_shape[dims[d]]);
    stride[d] = in_strides[dims[d]];
  }
  const int64_t n = out_shape.numel();
  std::array<int64_t, Shape::kMaxRank> index{};
  int64_t offset = 0;
  for (int64_t k = 0; k < n; ++k) {
    out[k] = x[offset];
    for (int64_t d = rank - 1; d >= 0; --d) {  // odometer over out's index, tracking x's offset
      offset += stride[d];
      if (++index[d] < out_shape[d]) break;
      offset -= index[d] * stride[d];
      index[d] = 0;
    }
  }
}

/// out[o, j, i] = x[o, start + j * step, i]          x: (outer, R, inner), out: (outer, len, inner)
template <class T>
void slice(T* out, const T* x, int64_t outer, int64_t R, int64_t inner, int64_t start, int64_t len,
           int64_t step) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < len; ++j)
      std::memcpy(out + (o * len + j) * inner, x + (o * R + start + j * step) * inner, inner * sizeof(T));
}

/// fwd: y[o, j, i] = x[o, start + j*step, i]  =>  dx[o, start + j*step, i] = dy[o, j, i], zero elsewhere
template <class T>
void slice_backward(T* dx, const T* dy, int64_t outer, int64_t R, int64_t inner, int64_t start, int64_t len,
                    int64_t step) {
  std::fill_n(dx, outer * R * inner, T(0));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < len; ++j)
      std::memcpy(dx + (o * R + start + j * step) * inner, dy + (o * len + j) * inner, inner * sizeof(T));
}

/// out[o, j, i] = x[o, index[j], i]                   x: (outer, R, inner), out: (outer, len, inner)
template <class T>
void gather(T* out, const T* x, const int64_t* index, int64_t outer, int64_t R, int64_t inner, int64_t len) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < len; ++j)
      std::memcpy(out + (o * len + j) * inner, x + (o * R + index[j]) * inner, inner * sizeof(T));
}

/// fwd: y[o, j, i] = x[o, index[j], i]  =>  dx[o, index[j], i] += dy[o, j, i] (repeated rows add up)
template <class T>
void gather_backward(T* dx, const T* dy, const int64_t* index, int64_t outer, int64_t R, int64_t inner,
                     int64_t len) {
  std::fill_n(dx, outer * R * inner, T(0));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < len; ++j) {
      T* d = dx + (o * R + index[j]) * inner;
      const T* g = dy + (o * len + j) * inner;
      for (int64_t i = 0; i < inner; ++i) d[i] += g[i];
    }
}

}  // namespace sg::kernels::reference
