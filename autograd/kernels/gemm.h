// The matrix product every op calls: C = alpha * op(A) * op(B) + beta * C. Runs fast/gemm.h, or
// reference/gemm.h when reference_kernels() (autograd/kernel_mode.h).
#pragma once

#include <cstdint>

#include "autograd/kernel_mode.h"
#include "autograd/kernels/fast/gemm.h"
#include "autograd/kernels/reference/gemm.h"

namespace sg::kernels {

/// C = alpha * op(A) * op(B) + beta * C, row-major, op(X) = X or X^T (beta == 0: C is only written).
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
          const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  reference::gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/// Whether two independent products of `work` multiply-adds each are worth running side by side on two
/// threads. Never for the reference kernels, which keep to one thread.
inline bool two_products_pay_for_two_threads(int64_t work) {
  if constexpr (kFastKernels)
    if (!reference_kernels()) return fast::two_products_pay_for_two_threads(work);
  return false;
}

}  // namespace sg::kernels
