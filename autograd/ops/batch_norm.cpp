// batch_norm: each channel (dim 1) of an (N, C, ...) input normalised by its batch statistics (training)
// or by running ones (evaluation), then scaled and shifted, as PyTorch's F.batch_norm. One op with its own
// backward, where a composition of a dozen broadcast ops (means, subtractions, a square root, a division)
// and autograd through all of them spent several passes over the activations each way.
// Under create_graph the backward's formulas run as recorded ops instead (training: mean and rstd
// recomputed from x, since the saved ones have no graph).
#include <algorithm>
#include <cmath>

#include "autograd/check.h"
#include "autograd/grad_mode.h"
#include "autograd/kernels/batch_norm.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace sg {

namespace {
template <class T>
T* data_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

void check_per_channel(const char* name, const Tensor& t, const Tensor& input) {
  if (!t.defined()) return;
  const int64_t C = input.size(1);
  SG_CHECK(t.shape() == Shape{C} && t.dtype() == input.dtype(),
           "batch_norm: {} must have shape [{}] and dtype {} to match input {}, got {} {} {}", name, C, input.dtype(),
           input.shape(), name, t.shape(), t.dtype());
}

// create_graph: the banner's formulas as recorded ops, so the gradients can be differentiated again.
Grads batch_norm_backward_in_ops(const Node& node, const Tensor& dy, const Tensor& x, const Tensor& w,
                                 const Tensor& saved_mean, const Tensor& saved_rstd, bool training, double eps) {
  std::vector<int64_t> others{0};  // every dim but the channels
  Shape per_channel(std::vector<int64_t>(x.dim(), 1));
  per_channel[1] = x.size(1);
  for (int64_t d = 2; d < x.dim(); ++d) others.push_back(d);
  const Tensor rstd = training ? rsqrt(add(var(x, others, 0, true), eps)) : reshape(saved_rstd, per_channel);
  const Tensor xhat = mul(sub(x, training ? mean(x, others, true) : reshape(saved_mean, per_channel)), rstd);
  const Tensor g = w.defined() ? mul(dy, reshape(w, per_channel)) : dy;
  Grads grads(3);
  if (node.needs_grad(0))
    grads[0] = training ? mul(rstd, sub(sub(g, mean(g, others, true)), mul(xhat, mean(mul(g, xhat), others, true))))
                        : mul(g, rstd);
  if (node.needs_grad(1)) grads[1] = sum(mul(dy, xhat), others);
  if (node.needs_grad(2)) grads[2] = sum(dy, others);
  return grads;
}
}  // namespace

// ---- batch_norm ----------------------------------------------------------------
// Per channel c, over its M values (every dim but 1): mean, var the biased variance (training) or the
// running ones (eval), rstd = 1 / sqrt(var + eps), xhat = (x - mean) * rstd, y = xhat * w + b.
//   training: dx = rstd * (dy*w - mean(dy*w) - xhat * mean(dy*w * xhat))    (mean and var depend on x)
//   eval:     dx = dy * w * rstd
//   dw = sum(dy * xhat)      db = sum(dy)
// Training also moves the running statistics, when given, toward the batch's, in place and unrecorded:
// running = (1 - momentum) * running + momentum * batch, with the unbiased variance var * M / (M - 1).
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  SG_CHECK(input.dim() >= 2 && is_floating(input.dtype()),
           "batch_norm: expected a float input (N, C, ...) with at least 2 dims, got {} {}", input.shape(),
           input.dtype());
  check_per_channel("running_mean", running_mean, input);
  check_per_channel("running_var", running_var, input);
  check_per_channel("weight", weight, input);
  check_per_channel("bias", bias, input);
  SG_CHECK(running_mean.defined() == running_var.defined(),
           "batch_norm: expected running_mean and running_var both given or both undefined, got only {}",
           running_mean.defined() ? "running_mean" : "running_var");
  SG_CHECK(training || running_mean.defined(),
           "batch_norm: expected running_mean and running_var in evaluation mode (training false), got neither "
           "for input {}", input.shape());
  const int64_t N = input.size(0), C = input.size(1);
  int64_t S = 1;
  for (int64_t d = 2; d < input.dim(); ++d) S *= input.size(d);
  const int64_t M = N * S;
  SG_CHECK(!training || M > 1, "batch_norm: expected more than 1 value per channel when training, got input {}",
           input.shape());

  Tensor y = empty_like(input), mean = empty({C}, input.dtype()), rstd = empty({C}, input.dtype());
  Tensor var = training ? empty({C}, input.dtype()) : running_var;
  dispatch(input.dtype(), "batch_norm", [&]<class T> {
    T* m = mean.data<T>();
    if (training) kernels::batch_norm_stats(m, var.data<T>(), input.data<T>(), N, C, S);
    else std::copy_n(running_mean.data<T>(), C, m);  // a copy: backward must not see later updates
    const T* v = var.data<T>();
    for (int64_t c = 0; c < C; ++c) rstd.data<T>()[c] = T(1.0 / std::sqrt(double(v[c]) + eps));
    kernels::batch_norm_forward(y.data<T>(), input.data<T>(), m, rstd.data<T>(), data_or_null<T>(weight),
                                data_or_null<T>(bias), N, C, S);
  });
  if (training && running_mean.defined()) {
    NoGradGuard no_grad;
    Tensor(running_mean).mul_(1 - momentum).add_(mean, momentum);
    Tensor(running_var).mul_(1 - momentum).add_(var, momentum * double(M) / double(M - 1));
  }
  return record("batch_norm", {input, weight, bias}, y, {input, weight, mean, rstd},
                [N, C, S, training, eps](const Node& node, const Tensor& dy) {
    const Tensor &x = node.saved(0), &w = node.saved(1), &mean = node.saved(2), &rstd = node.saved(3);
    if (GradMode::is_enabled()) return batch_norm_backward_in_ops(node, dy, x, w, mean, rstd, training, eps);
    Grads grads(3);
    if (node.needs_grad(0)) grads[0] = empty_like(x);
    if (node.needs_grad(1)) grads[1] = empty({C}, dy.dtype());
    if (node.needs_grad(2)) grads[2] = empty({C}, dy.dtype());
    dispatch(dy.dtype(), "batch_norm backward", [&]<class T> {
      kernels::batch_norm_backward(data_or_null<T>(grads[0]), data_or_null<T>(grads[1]), data_or_null<T>(grads[2]),
                                   dy.data<T>(), x.data<T>(), mean.data<T>(), rstd.data<T>(), data_or_null<T>(w), N, C,
                                   S, training);
    });
    return grads;
  });
}

}  // namespace sg
