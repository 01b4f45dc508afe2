// Running sums along one dim of a tensor seen as a 3-D block (outer, R, inner).
// Legend: outer = product of dims before the summed one, R = its size, inner = product of dims after.
#pragma once

#include <cstdint>
#include <type_traits>

namespace sg::kernels::reference {

/// out[o, r, i] = sum_{j <= r} x[o, j, i], or sum_{j >= r} with reverse (the backward of the forward
/// sum: fwd y[r] = sum_{j <= r} x[j]  =>  dx[j] = sum_{r >= j} dy[r]). Floats accumulate in double,
/// as PyTorch's CPU cumsum does; int64 in uint64, so that overflow wraps around.
/// x, out: (outer, R, inner)
template <class T>
void cumsum_dim(T* out, const T* x, int64_t outer, int64_t R, int64_t inner, bool reverse) {
  using Acc = std::conditional_t<std::is_same_v<T, int64_t>, uint64_t, double>;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      Acc total = 0;
      for (int64_t k = 0; k < R; ++k) {
        const int64_t at = (o * R + (reverse ? R - 1 - k : k)) * inner + i;
        total += Acc(x[at]);
        out[at] = T(total);
      }
    }
}

}  // namespace sg::kernels::reference
