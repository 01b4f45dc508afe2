// The fast permute: reference/shape.h's odometer moves one element at a time, with a test per element;
// this one moves whole rows. Out's dims that are neighbours in x too are merged into one first, so a
// head split in attention, (B, T, H, D) to (B, H, T, D), copies rows of D contiguous values (one memcpy
// each), and a transpose reads its rows at x's stride. Rows go to threads in chunks; a copy gives the
// same bits whoever makes it.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

#include "autograd/parallel.h"
#include "autograd/shape.h"

namespace sg::kernels::fast {

/// out = x with its dims reordered: out dim d is x dim dims[d].    x: in_shape, out: permuted shape
template <class T>
void permute(T* out, const T* x, const Shape& in_shape, const Shape& dims) {
  const auto in_strides = contiguous_strides(in_shape);
  // Out's dims as (size, stride in x), dims of size 1 left out, and a dim whose stride in x is the next
  // dim's whole extent merged with it: they walk x as one dim would.
  std::array<int64_t, Shape::kMaxRank> size{}, stride{};
  int64_t rank = 0, n = 1;
  for (int64_t d = 0; d < dims.size(); ++d) {
    const int64_t extent = in_shape[dims[d]], step = in_strides[dims[d]];
    n *= extent;
    if (extent == 1) continue;
    if (rank > 0 && stride[rank - 1] == step * extent) {
      size[rank - 1] *= extent;
      stride[rank - 1] = step;
      continue;
    }
    size[rank] = extent;
    stride[rank] = step;
    ++rank;
  }
  if (n == 0) return;
  if (rank == 0) {  // one element
    out[0] = x[0];
    return;
  }
  // Rows along out's last (merged) dim; the dims before it are counted by an odometer per chunk.
  const int64_t row = size[rank - 1], row_stride = stride[rank - 1], rows = n / row;
  parallel_for(rows, std::max<int64_t>(1, kElementwiseGrain / row), [&](int64_t r0, int64_t r1) {
    std::array<int64_t, Shape::kMaxRank> index{};
    int64_t offset = 0;  // x's offset of row r0's first element
    for (int64_t d = rank - 2, rest = r0; d >= 0; --d) {
      index[d] = rest % size[d];
      rest /= size[d];
      offset += index[d] * stride[d];
    }
    for (int64_t r = r0; r < r1; ++r) {
      T* o = out + r * row;
      if (row_stride == 1)
        std::memcpy(o, x + offset, size_t(row) * sizeof(T));
      else
        for (int64_t j = 0; j < row; ++j) o[j] = x[offset + j * row_stride];
      for (int64_t d = rank - 2; d >= 0; --d) {  // the next row: the odometer over the dims before the last
        offset += stride[d];
        if (++index[d] < size[d]) break;
        offset -= index[d] * stride[d];
        index[d] = 0;
      }
    }
  });
}

}  // namespace sg::kernels::fast
