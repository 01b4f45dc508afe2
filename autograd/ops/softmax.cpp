// softmax, log_softmax and logsumexp along a dim. Fused forward and backward (rather than a composition
// of exp, sum and div) because the composition overflows for large inputs: these subtract the max first.
// With grad mode on in backward (create_graph), each backward is the same formula in recorded ops.
#include "autograd/check.h"
#include "autograd/kernels/softmax.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace sg {

namespace {
Tensor softmax_op(const char* op, const Tensor& x, int64_t dim, bool log_y) {
  dim = normalize_dim(dim, x.dim(), op);
  SG_CHECK(x.numel() > 0, "{}: expected a non-empty tensor, got shape {}", op, x.shape());
  const DimSplit s = split_at(x.shape(), dim);
  Tensor y = empty_like(x);
  dispatch(x.dtype(), op, [&]<class T> { kernels::softmax_forward(y.data<T>(), x.data<T>(), s.outer, s.size, s.inner, log_y); });
  return record(op, {x}, y, {y}, [s, dim, log_y](const Node& node, const Tensor& dy) {
    const Tensor& y = node.saved(0);
    if (GradMode::is_enabled()) {
      return Grads{log_y ? sub(dy, mul(exp(y), sum(dy, {dim}, true))) : mul(y, sub(dy, sum(mul(dy, y), {dim}, true)))};
    }
    Tensor dx = empty_like(dy);
    dispatch(dy.dtype(), "backward", [&]<class T> {
      kernels::softmax_backward(dx.data<T>(), dy.data<T>(), y.data<T>(), s.outer, s.size, s.inner, log_y);
    });
    return Grads{dx};
  });
}
}  // namespace

// ---- softmax -------------------------------------------------------------------
// y_r = e^(x_r - m) / sum_k e^(x_k - m)          dx = y * (dy - sum_r dy_r y_r)
Tensor softmax(const Tensor& x, int64_t dim) { return softmax_op("softmax", x, dim, false); }

// ---- log_softmax ---------------------------------------------------------------
// y_r = x_r - m - log sum_k e^(x_k - m)           dx = dy - softmax(x) * sum_r dy_r
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_op("log_softmax", x, dim, true); }

// ---- softmax_cross_entropy -----------------------------------------------------
// loss_n = log sum_c e^(x_nc) - x_n,t_n            dx_nc = dloss_n * (softmax(x)_nc - [c == t_n])
// One op rather than log_softmax then a pick: one pass over the logits each way, and no (N, C) log-probs.
Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& target) {
  SG_CHECK(logits.dim() == 2 && is_floating(logits.dtype()) && logits.size(1) > 0,
           "softmax_cross_entropy: expected float logits (N, C) with C > 0, got {} {}", logits.shape(),
           logits.dtype());
  const int64_t N = logits.size(0), C = logits.size(1);
  SG_CHECK(target.dim() == 1 && target.dtype() == kInt64 && target.size(0) == N,
           "softmax_cross_entropy: expected int64 target ({}) for logits {}, got {} {}", N, logits.shape(),
           target.shape(), target.dtype());
  const int64_t* t = target.data<int64_t>();
  for (int64_t n = 0; n < N; ++n)
    SG_CHECK(t[n] >= 0 && t[n] < C,
             "softmax_cross_entropy: target must be a class index in [0, {}), got {} at position {}", C, t[n], n);
  Tensor loss = empty({N}, logits.dtype()), lse = empty({N}, logits.dtype());
  dispatch(logits.dtype(), "softmax_cross_entropy", [&]<class T> {
    kernels::softmax_cross_entropy_forward(loss.data<T>(), lse.data<T>(), logits.data<T>(), t, N, C);
  });
  return record("softmax_cross_entropy", {logits}, loss, {logits, lse, target},
                [N, C](const Node& node, const Tensor& dloss) {
    const Tensor &x = node.saved(0), &lse = node.saved(1), &target = node.saved(2);
    if (GradMode::is_enabled())  // lse has no graph: softmax(x) again, in recorded ops
      return Grads{mul(reshape(dloss, {N, 1}), sub(softmax(x, 1), one_hot(target, C, x.dtype())))};
    Tensor dx = empty_like(x);
    dispatch(dloss.dtype(), "backward", [&]<class T> {
      kernels::softmax_cross_entropy_backward(dx.data<T>(), dloss.data<T>(), x.data<T>(), lse.data<T>(),
                                              target.data<int64_t>(), N, C);
    });
    return Grads{dx};
  });
}

// ---- logsumexp -----------------------------------------------------------------
// y = log sum_r e^(x_r)                           dx_r = dy * e^(x_r - y) = dy * softmax(x)_r
Tensor logsumexp(const Tensor& x, int64_t dim, bool keepdim) {
  dim = normalize_dim(dim, x.dim(), "logsumexp");
  SG_CHECK(x.numel() > 0, "logsumexp: expected a non-empty tensor, got shape {}", x.shape());
  const DimSplit s = split_at(x.shape(), dim);
  Shape kept = x.shape();
  if (x.dim()) kept[dim] = 1;
  Tensor y = empty(kept, x.dtype());
  dispatch(x.dtype(), "logsumexp", [&]<class T> { kernels::logsumexp(y.data<T>(), x.data<T>(), s.outer, s.size, s.inner); });
  Tensor out = keepdim || x.dim() == 0 ? y : squeeze(y, dim);
  return record("logsumexp", {x}, out, {x, y}, [kept, dim](const Node& node, const Tensor& dy) {
    const Tensor &x = node.saved(0), &y = node.saved(1);
    // create_graph: y without keepdim is no output in the graph, so its dependence on x is taken
    // through softmax instead.
    if (GradMode::is_enabled()) return Grads{mul(reshape(dy, kept), softmax(x, dim))};
    return Grads{mul(reshape(dy, kept), exp(sub(x, y)))};
  });
}

}  // namespace sg
