// Matrix products. Every case is brought to a batch of 2-D products C[b] = A[b] B[b] for one GEMM
// kernel; the backward reuses the same kernel with transposed operands instead of copying transposes:
//   C = A B   =>   dA = dC B^T,   dB = A^T dC
#include "autograd/check.h"
#include "autograd/kernels/gemm.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/parallel.h"

namespace sg {

namespace {
// C (batch, M, N) = op(A) (batch_a, M, K) * op(B) (batch_b, K, N), where a batch of 1 is shared by all.
// With trans_x the stored operand is the transpose (K, M) or (N, K).
void batched_gemm(Tensor& C, const Tensor& A, const Tensor& B, bool trans_a, bool trans_b, int64_t batch,
                  int64_t M, int64_t N, int64_t K, bool a_batched, bool b_batched, double beta = 0) {
  dispatch(C.dtype(), "matmul", [&]<class T> {
    for (int64_t b = 0; b < batch; ++b)
      kernels::gemm<T>(trans_a, trans_b, M, N, K, T(1), A.data<T>() + (a_batched ? b * M * K : 0),
                       trans_a ? M : K, B.data<T>() + (b_batched ? b * K * N : 0), trans_b ? K : N, T(beta),
                       C.data<T>() + b * M * N, N);
  });
}
}  // namespace

// ---- matmul --------------------------------------------------------------------
// C = A B           dA = dC B^T        dB = A^T dC
// 1-D operands are treated as a row (left) or a column (right) and that dim is removed again.
Tensor matmul(const Tensor& a, const Tensor& b) {
  SG_CHECK(a.dtype() == b.dtype(), "matmul: dtypes must match, got {} {} and {} {}", a.shape(), a.dtype(), b.shape(),
           b.dtype());
  SG_CHECK(a.dim() >= 1 && a.dim() <= 3 && b.dim() >= 1 && b.dim() <= 3,
           "matmul: expected 1-D, 2-D or 3-D tensors, got {} and {}", a.shape(), b.shape());
  // View both as 3-D: (batch, M, K) and (batch, K, N). Only the sizes: the GEMM reads the buffers as they are.
  const Shape a3 = a.dim() == 1 ? Shape{1, 1, a.size(0)} : a.dim() == 2 ? Shape{1, a.size(0), a.size(1)} : a.shape();
  const Shape b3 = b.dim() == 1 ? Shape{1, b.size(0), 1} : b.dim() == 2 ? Shape{1, b.size(0), b.size(1)} : b.shape();
  const int64_t M = a3[1], K = a3[2], N = b3[2];
  SG_CHECK(K == b3[1], "matmul: cannot multiply {} by {} ({} != {})", a.shape(), b.shape(), K, b3[1]);
  const int64_t batch_a = a3[0], batch_b = b3[0];
  SG_CHECK(batch_a == batch_b || batch_a == 1 || batch_b == 1, "matmul: batch sizes must match, got {} and {}",
           a.shape(), b.shape());
  const int64_t batch = std::max(batch_a, batch_b);

  Shape shape;
  if (a.dim() == 3 || b.dim() == 3) shape.push_back(batch);
  if (a.dim() > 1) shape.push_back(M);
  if (b.dim() > 1) shape.push_back(N);
  // Two tensors with sizes of 0 can multiply into a shape no tensor may have: (2^40, 0) by (0, 2^40).
  // The gradient of an operand shared by the batch is first made whole, (batch, K, N) for b: checked
  // here too, where the error can name matmul, when it will be needed.
  check_sizes(shape, "matmul");
  if (batch_a < batch && a.requires_grad()) check_sizes({batch, M, K}, "matmul");
  if (batch_b < batch && b.requires_grad()) check_sizes({batch, K, N}, "matmul");
  Tensor c = empty(shape, a.dtype());
  batched_gemm(c, a, b, false, false, batch, M, N, K, batch_a > 1, batch_b > 1);

  return record("matmul", {a, b}, c, {a, b}, [=](const Node& node, const Tensor& dc) {
    const Tensor &a = node.saved(0), &b = node.saved(1);
    Grads grads(2);
    if (node.needs_grad(0)) {  // dA[i] = dC[i] B[i]^T; an A shared by the batch sums over i
      // Made in a's own shape when no batch sum follows (the same layout as (batch, M, K)): no reshape.
      Tensor da = empty(batch_a < batch ? Shape{batch, M, K} : a.shape(), dc.dtype());
      batched_gemm(da, dc, b, false, true, batch, M, K, N, true, batch_b > 1);
      grads[0] = batch_a < batch ? reshape(sum(da, 0), a.shape()) : da;
    }
    if (node.needs_grad(1)) {  // dB[i] = A[i]^T dC[i]; a B shared by the batch sums over i
      Tensor db = empty(batch_b < batch ? Shape{batch, K, N} : b.shape(), dc.dtype());
      batched_gemm(db, a, dc, true, false, batch, K, N, M, batch_a > 1, true);
      grads[1] = batch_b < batch ? reshape(sum(db, 0), b.shape()) : db;
    }
    return grads;
  });
}

// ---- linear --------------------------------------------------------------------
// y = x W^T + b        dx = dy W        dW = dy^T x        db = sum over rows of dy
// One op rather than matmul(x, transpose(W)) + b: no transposed copy of W, forward or backward.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  SG_CHECK(x.dim() == 2 && weight.dim() == 2 && x.size(1) == weight.size(1),
           "linear: expected input (N, in) and weight (out, in), got input {} and weight {}", x.shape(),
           weight.shape());
  SG_CHECK(x.dtype() == weight.dtype(), "linear: dtypes must match, got input {} and weight {}", x.dtype(),
           weight.dtype());
  const int64_t N = x.size(0), in = x.size(1), out = weight.size(0);
  if (bias.defined())
    SG_CHECK(bias.shape() == Shape{out} && bias.dtype() == x.dtype(),
             "linear: bias must have shape [{}] and dtype {}, got {} {}", out, x.dtype(), bias.shape(), bias.dtype());
  check_sizes({N, out}, "linear");  // (2^40, 0) by (2^40, 0)^T would be (2^40, 2^40)
  Tensor y = empty({N, out}, x.dtype());
  batched_gemm(y, x, weight, false, true, 1, N, out, in, false, false);
  // The bias is added after the product, not copied into y for the GEMM to add onto: a second thread's
  // band then writes its part of y without first fetching rows this thread wrote, and the rows come
  // back here once, where the next op reads them (W2 on 2 threads, best of 20 alternated runs: 0.0405
  // -> 0.0396 s).
  if (bias.defined())
    dispatch(x.dtype(), "linear", [&]<class T> {
      const T* b = bias.data<T>();
      for (T* row = y.data<T>(); row < y.data<T>() + N * out; row += out)
        for (int64_t o = 0; o < out; ++o) row[o] += b[o];
    });
  return record("linear", {x, weight, bias}, y, {x, weight}, [=](const Node& node, const Tensor& dy) {
    const Tensor &x = node.saved(0), &w = node.saved(1);
    Grads grads(3);
    if (node.needs_grad(0)) grads[0] = empty({N, in}, dy.dtype());
    if (node.needs_grad(1)) grads[1] = empty({out, in}, dy.dtype());
    const auto dx = [&] { batched_gemm(grads[0], dy, w, false, false, 1, N, in, out, false, false); };
    const auto dw = [&] { batched_gemm(grads[1], dy, x, true, false, 1, out, in, N, false, false); };
    // dx and dW are two products of the same size. Below two GEMM bands' worth neither would use a
    // second thread on its own, but from a few microseconds each they pay for one side by side.
    const int64_t work = N * in * out;
    if (grads[0].defined() && grads[1].defined() && kernels::two_products_pay_for_two_threads(work)) {
      parallel_invoke(dx, dw);
    } else {
      if (grads[0].defined()) dx();
      if (grads[1].defined()) dw();
    }
    if (node.needs_grad(2)) grads[2] = sum(dy, 0);
    return grads;
  });
}

}  // namespace sg
