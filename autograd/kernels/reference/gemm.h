// The matrix product as plain loops: C = alpha * op(A) * op(B) + beta * C, row-major, op(X) = X or X^T.
// Legend: M rows of C, N columns of C, K the inner dimension; lda/ldb/ldc are row strides in elements.
#pragma once

#include <cstdint>

namespace sg::kernels::reference {

/// C[i, j] = alpha * sum_k op(A)[i, k] * op(B)[k, j] + beta * C[i, j]   (beta == 0: C is not read)
/// Row by row, k in the middle: each op(A)[i, k] scales row k of op(B) into row i of C, so the inner
/// loop walks both rows front to back (for an untransposed B).
/// op(A): (M, K), A stored (M, K) or, transposed, (K, M); op(B): (K, N), B stored (K, N) or (N, K); C: (M, N)
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
          const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    T* c = C + i * ldc;
    for (int64_t j = 0; j < N; ++j) c[j] = beta == T(0) ? T(0) : beta * c[j];
    for (int64_t k = 0; k < K; ++k) {
      const T a = alpha * (trans_a ? A[k * lda + i] : A[i * lda + k]);
      for (int64_t j = 0; j < N; ++j) c[j] += a * (trans_b ? B[j * ldb + k] : B[k * ldb + j]);
    }
  }
}

}  // namespace sg::kernels::reference
