// Matrix products over a broadcast batch, as plain loops.
// Legend: M rows of C, N columns of C, K the inner dimension. Each operand is a run of contiguous
// row-major matrices: A's are M x K (stored K x M when trans_a), B's K x N (N x K when trans_b), C's M x N.
#pragma once

#include <cstdint>

#include "autograd/kernels/batch_broadcast.h"

namespace sg::kernels::reference {

/// C[c] = op(A[a]) op(B[b]) for each matrix c of batch.shape, (a, b) = batch.operands(c).
template <class T>
void batched_gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const T* A, const T* B, T* C,
                  const BatchBroadcast& batch) {
  for (int64_t c = 0; c < batch.shape.numel(); ++c) {
    const auto [ia, ib] = batch.operands(c);
    const T* a = A + ia * M * K;  // a: (M, K) or (K, M)
    const T* b = B + ib * K * N;  // b: (K, N) or (N, K)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        T acc = 0;
        for (int64_t k = 0; k < K; ++k)
          acc += (trans_a ? a[k * M + i] : a[i * K + k]) * (trans_b ? b[j * K + k] : b[k * N + j]);
        C[(c * M + i) * N + j] = acc;
      }
  }
}

}  // namespace sg::kernels::reference
