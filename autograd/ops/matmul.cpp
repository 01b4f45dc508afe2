// Matrix products. Every case is brought to a batch of 2-D products C[c] = A[a] B[b] (a batch that
// broadcasts reads one matrix of A or B for several of C) for one GEMM kernel; the backward reuses the
// same kernel with transposed operands instead of copying transposes:
//   C = A B   =>   dA = dC B^T,   dB = A^T dC
// With grad mode on in backward (create_graph), the same two products are written with matmul itself,
// recorded, so they can be differentiated again.
#include "autograd/check.h"
#include "autograd/kernels/batched_gemm.h"
#include "autograd/kernels/gemm.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/parallel.h"

namespace sg {

namespace {
// create_graph: dA = dC B^T and dB = A^T dC as recorded ops, with a 1-D A as a row (1, K) and a 1-D B
// as a column (K, 1), and each gradient summed back over the batch dims its operand was broadcast along.
Grads product_backward_in_ops(const Node& node, const Tensor& a, const Tensor& b, const Tensor& dc) {
  const Tensor a2 = a.dim() == 1 ? unsqueeze(a, 0) : a, b2 = b.dim() == 1 ? unsqueeze(b, 1) : b;
  const int64_t trailing = (a.dim() > 1) + (b.dim() > 1);
  Shape full;
  for (int64_t d = 0; d + trailing < dc.dim(); ++d) full.push_back(dc.size(d));
  full.push_back(a2.size(-2)), full.push_back(b2.size(-1));
  const Tensor dc2 = reshape(dc, full);
  Grads grads(2);
  if (node.needs_grad(0))
    grads[0] = reshape(reduce_to(matmul(dc2, transpose(b2, b2.dim() - 2, b2.dim() - 1)), a2.shape()), a.shape());
  if (node.needs_grad(1))
    grads[1] = reshape(reduce_to(matmul(transpose(a2, a2.dim() - 2, a2.dim() - 1), dc2), b2.shape()), b.shape());
  return grads;
}
}  // namespace

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

// The batch dims of an operand: all but its last two (none for a 1-D or 2-D one).
Shape batch_dims(const Tensor& t) {
  Shape batch;
  for (int64_t d = 0; d + 2 < t.dim(); ++d) batch.push_back(t.size(d));
  return batch;
}

// Steps (in matrices) through an operand of batch shape `own` for each dim of the broadcast `batch`:
// its row-major strides, right-aligned, and 0 where it has size 1 or no such dim.
std::array<int64_t, Shape::kMaxRank> batch_steps(const Shape& own, const Shape& batch) {
  std::array<int64_t, Shape::kMaxRank> step{};
  int64_t stride = 1;
  for (int64_t d = own.size() - 1, e = batch.size() - 1; d >= 0; --d, --e) {
    step[e] = own[d] == 1 ? 0 : stride;
    stride *= own[d];
  }
  return step;
}

void run_gemm(const char* op, Tensor& C, const Tensor& A, const Tensor& B, bool trans_a, bool trans_b, int64_t M,
              int64_t N, int64_t K, const kernels::BatchBroadcast& batch) {
  dispatch(C.dtype(), op, [&]<class T> {
    kernels::batched_gemm<T>(trans_a, trans_b, M, N, K, A.data<T>(), B.data<T>(), C.data<T>(), batch);
  });
}

// ---- matmul --------------------------------------------------------------------
// C = A B           dA = dC B^T        dB = A^T dC        (summed over the batch dims A or B is broadcast on)
// A 1-D left operand is a row (1, K) and a 1-D right one a column (K, 1); that dim is removed again.
// B a single matrix or vector under a batched A: A's batch is folded into its rows, one product of
// (batch M, K) by (K, N), as PyTorch does, and then neither gradient needs a sum over the batch.
// op names mm, bmm and dot in their errors and graph nodes.
Tensor product(const char* op, const Tensor& a, const Tensor& b) {
  SG_CHECK(a.dtype() == b.dtype(), "{}: dtypes must match, got {} {} and {} {}", op, a.shape(), a.dtype(), b.shape(),
           b.dtype());
  SG_CHECK(a.dim() >= 1 && b.dim() >= 1, "{}: expected tensors of at least 1 dim, got {} and {}", op, a.shape(),
           b.shape());
  const int64_t K = a.size(-1), Kb = b.dim() == 1 ? b.size(0) : b.size(-2);
  SG_CHECK(K == Kb, "{}: cannot multiply {} by {} ({} != {})", op, a.shape(), b.shape(), K, Kb);
  const int64_t N = b.dim() == 1 ? 1 : b.size(-1);
  Shape batch_a = batch_dims(a), batch_b = batch_dims(b);
  Shape batch;  // broadcast, right-aligned
  for (int64_t e = 0; e < std::max(batch_a.size(), batch_b.size()); ++e) {
    const int64_t ia = e - (std::max(batch_a.size(), batch_b.size()) - batch_a.size());
    const int64_t ib = e - (std::max(batch_a.size(), batch_b.size()) - batch_b.size());
    const int64_t sa = ia >= 0 ? batch_a[ia] : 1, sb = ib >= 0 ? batch_b[ib] : 1;
    SG_CHECK(sa == sb || sa == 1 || sb == 1, "{}: batch dims of {} and {} cannot be broadcast ({} vs {})", op,
             a.shape(), b.shape(), sa, sb);
    batch.push_back(sa == 1 ? sb : sa);
  }
  Shape shape = batch;
  if (a.dim() > 1) shape.push_back(a.size(-2));
  if (b.dim() > 1) shape.push_back(N);
  check_sizes(shape, op);  // (2^40, 0) by (0, 2^40)
  // Fold A's batch into its rows when B has none.
  int64_t M = a.dim() == 1 ? 1 : a.size(-2);
  if (batch_b.empty()) {
    M *= batch_a.numel();
    batch = batch_a = Shape{};
  }
  const bool a_whole = batch_a.numel() == batch.numel(), b_whole = batch_b.numel() == batch.numel();
  // The gradient of an operand broadcast over the batch is first made whole: checked here, where the
  // error can name the op, when it will be needed.
  const auto whole_shape = [&batch](int64_t rows, int64_t cols) {
    Shape shape = batch;
    shape.push_back(rows), shape.push_back(cols);
    return shape;
  };
  if (!a_whole && a.requires_grad()) check_sizes(whole_shape(M, K), op);
  if (!b_whole && b.requires_grad()) check_sizes(whole_shape(K, N), op);

  const kernels::BatchBroadcast forward{batch, batch_steps(batch_a, batch), batch_steps(batch_b, batch)};
  Tensor c = empty(shape, a.dtype());
  run_gemm(op, c, a, b, false, false, M, N, K, forward);

  // The backward keeps only what it cannot read off its saved inputs (the node is allocated and its
  // closure copied on every call, for two matrices most of all): the broadcast batch, from which the
  // operands' steps are worked out again. A batch folded into A's rows is empty, as is then B's.
  return record(op, {a, b}, c, {a, b}, [op, M, N, K, a_whole, b_whole, batch](const Node& node, const Tensor& dc) {
    const Tensor &a = node.saved(0), &b = node.saved(1);
    if (GradMode::is_enabled()) return product_backward_in_ops(node, a, b, dc);
    const kernels::BatchBroadcast forward{batch, batch_steps(batch.empty() ? Shape{} : batch_dims(a), batch),
                                          batch_steps(batch_dims(b), batch)};
    const auto whole = batch_steps(forward.shape, forward.shape);  // a gradient's own steps: never broadcast
    Shape whole_a = forward.shape, whole_b = forward.shape;
    whole_a.push_back(M), whole_a.push_back(K), whole_b.push_back(K), whole_b.push_back(N);
    Grads grads(2);
    if (node.needs_grad(0)) {  // dA[c] = dC[c] B[b]^T, summed where A is shared
      Tensor da = empty(a_whole ? a.shape() : whole_a, dc.dtype());
      run_gemm(op, da, dc, b, false, true, M, K, N, {forward.shape, whole, forward.b_step});
      Shape own = batch_dims(a);  // not folded: A's batch is folded only when then A is whole
      own.push_back(M), own.push_back(K);
      grads[0] = a_whole ? da : reshape(reduce_to(da, own), a.shape());
    }
    if (node.needs_grad(1)) {  // dB[c] = A[a]^T dC[c], summed where B is shared
      Tensor db = empty(b_whole ? b.shape() : whole_b, dc.dtype());
      run_gemm(op, db, a, dc, true, false, K, N, M, {forward.shape, forward.a_step, whole});
      Shape own = batch_dims(b);
      own.push_back(K), own.push_back(N);
      grads[1] = b_whole ? db : reshape(reduce_to(db, own), b.shape());
    }
    return grads;
  });
}
}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) { return product("matmul", a, b); }

Tensor mm(const Tensor& a, const Tensor& b) {
  SG_CHECK(a.dim() == 2 && b.dim() == 2, "mm: expected two 2-D tensors, got {} and {}", a.shape(), b.shape());
  return product("mm", a, b);
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  SG_CHECK(a.dim() == 3 && b.dim() == 3 && a.size(0) == b.size(0),
           "bmm: expected two 3-D tensors with one batch size, got {} and {}", a.shape(), b.shape());
  return product("bmm", a, b);
}

Tensor dot(const Tensor& a, const Tensor& b) {
  SG_CHECK(a.dim() == 1 && b.dim() == 1 && a.size(0) == b.size(0),
           "dot: expected two 1-D tensors of one size, got {} and {}", a.shape(), b.shape());
  return product("dot", a, b);
}

// ---- outer -----------------------------------------------------------------------
// y[i, j] = a[i] b[j]      da[i] = sum_j dy[i, j] b[j]      db[j] = sum_i dy[i, j] a[i]
// A broadcast product: every element is one multiplication, as in PyTorch.
Tensor outer(const Tensor& a, const Tensor& b) {
  SG_CHECK(a.dim() == 1 && b.dim() == 1 && a.dtype() == b.dtype(),
           "outer: expected two 1-D tensors of one dtype, got {} {} and {} {}", a.shape(), a.dtype(), b.shape(),
           b.dtype());
  return mul(reshape(a, {a.size(0), 1}), reshape(b, {1, b.size(0)}));
}

// ---- linear --------------------------------------------------------------------
// y = x W^T + b        dx = dy W        dW = dy^T x        db = sum over rows of dy
// One op rather than matmul(x, transpose(W)) + b: no transposed copy of W, forward or backward. An input
// of other than 2 dims is viewed as (rows, in), its leading dims being rows.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  SG_CHECK(x.dim() >= 1 && weight.dim() == 2 && x.size(-1) == weight.size(1),
           "linear: expected input (..., in) and weight (out, in), got input {} and weight {}", x.shape(),
           weight.shape());
  if (x.dim() != 2) {
    int64_t rows = 1;
    for (int64_t d = 0; d + 1 < x.dim(); ++d) rows *= x.size(d);
    Shape shape = x.shape();
    shape[x.dim() - 1] = weight.size(0);
    return reshape(linear(reshape(x, {rows, x.size(-1)}), weight, bias), shape);
  }
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
  // back here once, where the next op reads them.
  if (bias.defined())
    dispatch(x.dtype(), "linear", [&]<class T> {
      const T* b = bias.data<T>();
      for (T* row = y.data<T>(); row < y.data<T>() + N * out; row += out)
        for (int64_t o = 0; o < out; ++o) row[o] += b[o];
    });
  return record("linear", {x, weight, bias}, y, {x, weight}, [=](const Node& node, const Tensor& dy) {
    const Tensor &x = node.saved(0), &w = node.saved(1);
    if (GradMode::is_enabled())  // create_graph: dx = dy W, dW = dy^T x, db = sum of dy, recorded
      return Grads{node.needs_grad(0) ? matmul(dy, w) : Tensor(), node.needs_grad(1) ? matmul(dy.t(), x) : Tensor(),
                   node.needs_grad(2) ? sum(dy, 0) : Tensor()};
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
