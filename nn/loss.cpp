// Losses built from autograd ops; the stable ones lean on softmax_cross_entropy, log_softmax and
// logsumexp, whose own backward is already stable.
#include "nn/loss.h"

#include <limits>

#include "autograd/check.h"
#include "autograd/ops.h"

namespace sg::nn {

namespace {
// An empty batch reduces as in PyTorch: its mean is NaN (0 / 0) and its sum 0. sum() of an empty tensor is
// 0, and dividing by 0 here keeps the result attached to the graph.
Tensor reduce(const Tensor& losses, Reduction reduction) {
  switch (reduction) {
    case Reduction::Mean: return losses.numel() == 0 ? div(sum(losses), 0.0) : mean(losses);
    case Reduction::Sum: return sum(losses);
    case Reduction::None: return losses;
  }
  fail("loss: reduction must be Mean, Sum or None, got {}", int(reduction));
}

const char* reduction_name(Reduction reduction) {
  return reduction == Reduction::Mean ? "mean" : reduction == Reduction::Sum ? "sum" : "none";
}

std::string loss_repr(const std::string& name, const LossOptions& options) {
  return options.reduction == Reduction::Mean ? name + "()"
                                              : fmt::format("{}(reduction={})", name, reduction_name(options.reduction));
}

void check_same(const char* op, const Tensor& input, const Tensor& target) {
  SG_CHECK(input.shape() == target.shape() && input.dtype() == target.dtype(),
           "{}: target must have the input's shape and dtype, got input {} {} and target {} {}", op, input.shape(),
           input.dtype(), target.shape(), target.dtype());
}
}  // namespace

// ---- nll_loss --------------------------------------------------------------
// loss_n = -log_probs[n, t_n]: picked out of the flattened (N * C) tensor at n * C + t_n.
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, Reduction reduction) {
  SG_CHECK(log_probs.dim() == 2 && target.dim() == 1 && target.dtype() == kInt64 && target.size(0) == log_probs.size(0),
           "nll_loss: expected input (N, C) and int64 target (N), got input {} and target {} {}", log_probs.shape(),
           target.shape(), target.dtype());
  const int64_t N = log_probs.size(0), C = log_probs.size(1);
  Tensor flat_index = empty({N}, kInt64);
  const int64_t* t = target.data<int64_t>();
  for (int64_t n = 0; n < N; ++n) {
    SG_CHECK(t[n] >= 0 && t[n] < C, "nll_loss: target must be a class index in [0, {}), got {} at position {}", C,
             t[n], n);
    flat_index.data<int64_t>()[n] = n * C + t[n];
  }
  return reduce(neg(index_select(reshape(log_probs, {N * C}), 0, flat_index)), reduction);
}

// ---- cross_entropy ---------------------------------------------------------
// With class indices: the fused softmax_cross_entropy, the same value as nll_loss(log_softmax(x), t) in
// one op each way. With probabilities: -sum_c t_c log_softmax(x)_c. Both subtract the max before the
// exponentials, so +-1000 logits stay finite, and the gradient (softmax(x) - t) is bounded.
Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction) {
  SG_CHECK(logits.dim() == 2 && is_floating(logits.dtype()), "cross_entropy: expected float logits (N, C), got {} {}",
           logits.shape(), logits.dtype());
  if (target.dtype() == kInt64) return reduce(softmax_cross_entropy(logits, target), reduction);
  check_same("cross_entropy", logits, target);
  // log_softmax refuses an empty tensor; an empty batch has no log-probabilities, only its empty losses.
  const Tensor log_probs = logits.size(0) == 0 ? logits : log_softmax(logits, 1);
  return reduce(neg(sum(mul(target, log_probs), 1)), reduction);
}

// ---- mse_loss --------------------------------------------------------------
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_same("mse_loss", input, target);
  const Tensor diff = input - target;
  return reduce(diff * diff, reduction);
}

// ---- binary_cross_entropy --------------------------------------------------
// -(t log p + (1 - t) log(1 - p)), with log clamped to >= -100 so p = 0 or 1 gives a finite loss.
Tensor binary_cross_entropy(const Tensor& probs, const Tensor& target, Reduction reduction) {
  check_same("binary_cross_entropy", probs, target);
  const double inf = std::numeric_limits<double>::infinity();
  const Tensor log_p = clamp(log(probs), -100.0, inf);
  const Tensor log_1mp = clamp(log(rsub(probs, 1.0)), -100.0, inf);
  return reduce(neg(target * log_p + rsub(target, 1.0) * log_1mp), reduction);
}

// ---- binary_cross_entropy_with_logits --------------------------------------
// loss = softplus(x) - x t, softplus(x) = log(1 + exp(x)) = max(x, 0) + log(1 + exp(-|x|)).
// softplus is computed as logsumexp over the pair (0, x), which is exactly that stable formula, and whose
// gradient is sigmoid(x) everywhere, including x = 0, where the max/abs form would hit two kinks.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target, Reduction reduction) {
  check_same("binary_cross_entropy_with_logits", logits, target);
  // logsumexp refuses an empty tensor; an empty batch's softplus is as empty.
  const Tensor softplus = logits.numel() == 0 ? logits : logsumexp(stack({zeros_like(logits), logits}, -1), -1);
  return reduce(softplus - logits * target, reduction);
}

std::string CrossEntropyLoss::repr() const { return loss_repr("CrossEntropyLoss", options); }
std::string NLLLoss::repr() const { return loss_repr("NLLLoss", options); }
std::string MSELoss::repr() const { return loss_repr("MSELoss", options); }
std::string BCELoss::repr() const { return loss_repr("BCELoss", options); }
std::string BCEWithLogitsLoss::repr() const { return loss_repr("BCEWithLogitsLoss", options); }

}  // namespace sg::nn
