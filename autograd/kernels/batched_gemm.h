// Matrix products over a broadcast batch: the interface ops call. Each matrix goes through the one GEMM
// kernel (gemm.h); reference/batched_gemm.h is the plain loop tests compare with.
// Legend: M rows of C, N columns of C, K the inner dimension. Each operand is a run of contiguous
// row-major matrices: A's are M x K (stored K x M when trans_a), B's K x N (N x K when trans_b), C's M x N.
#pragma once

#include <algorithm>
#include <cstdint>

#include "autograd/kernels/batch_broadcast.h"
#include "autograd/kernels/gemm.h"
#include "autograd/parallel.h"

namespace sg::kernels {

/// Multiply-adds a chunk of a batch should hold to pay for a thread of its own.
inline constexpr double kBatchChunkWork = 1 << 16;

/// C[c] = op(A[a]) op(B[b]) for each matrix c of batch.shape, (a, b) = batch.operands(c).
/// A single matrix is gemm's alone, which splits it over threads itself. A batch goes to threads by
/// whole matrices (attention's many small products are each too small to split); gemm called inside a
/// chunk runs on that thread, and its sums depend on the sizes only, so the bits do not depend on the
/// thread count.
template <class T>
void batched_gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const T* A, const T* B, T* C,
                  const BatchBroadcast& batch) {
  const int64_t lda = trans_a ? M : K, ldb = trans_b ? K : N;
  const int64_t count = batch.shape.numel();
  if (count == 1) return gemm<T>(trans_a, trans_b, M, N, K, T(1), A, lda, B, ldb, T(0), C, N);
  const double work = double(M) * double(N) * double(K);
  const auto grain = int64_t(std::max(1.0, kBatchChunkWork / std::max(1.0, work)));
  parallel_for(count, grain, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const auto [ia, ib] = batch.operands(c);
      gemm<T>(trans_a, trans_b, M, N, K, T(1), A + ia * M * K, lda, B + ib * K * N, ldb, T(0), C + c * M * N, N);
    }
  });
}

}  // namespace sg::kernels
