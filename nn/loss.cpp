// Losses built from autograd ops; the stable ones lean on softmax_cross_entropy, log_softmax and
// logsumexp, whose own backward is already stable.
#include "nn/loss.h"

#include <cmath>
#include <limits>

#include "autograd/check.h"
#include "autograd/ops.h"
#include "nn/check_option.h"

namespace sg::nn {

namespace {
// An empty batch reduces as in PyTorch: its mean is NaN (0 / 0) and its sum 0. sum() of an empty tensor is
// 0, and dividing by 0 here keeps the result attached to the graph.
Tensor reduce(const Tensor& losses, Reduction reduction) {
  switch (reduction) {
    case Reduction::Mean: return losses.numel() == 0 ? div(sum(losses), 0.0) : mean(losses);
    case Reduction::Sum: return sum(losses);
    case Reduction::None: return losses;
    case Reduction::BatchMean: fail("loss: reduction BatchMean is for kl_div only; use Mean, Sum or None");
  }
  fail("loss: reduction must be Mean, Sum or None, got {}", int(reduction));
}

const char* reduction_name(Reduction reduction) {
  switch (reduction) {
    case Reduction::Mean: return "mean";
    case Reduction::Sum: return "sum";
    case Reduction::None: return "none";
    case Reduction::BatchMean: return "batchmean";
  }
  return "?";
}

std::string loss_repr(const std::string& name, Reduction reduction) {
  return reduction == Reduction::Mean ? name + "()" : fmt::format("{}(reduction={})", name, reduction_name(reduction));
}
// "Name(reduction=sum, beta=0.5)": the reduction, then the other options shown, when not at their default.
std::string options_repr(const std::string& name, Reduction reduction, std::vector<std::string> shown) {
  if (reduction != Reduction::Mean) shown.insert(shown.begin(), std::string("reduction=") + reduction_name(reduction));
  return fmt::format("{}({})", name, fmt::join(shown, ", "));
}
std::string loss_repr(const std::string& name, const LossOptions& options) {
  return loss_repr(name, options.reduction);
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

// With weights w (1 without), ignore_index and label smoothing s, per sample n with target t_n:
//   loss_n = (1 - s) w[t_n] (-log p[n, t_n]) + (s / C) sum_c w[c] (-log p[n, c]),   0 if t_n is ignored
//   Mean = sum_n loss_n / sum_n w[t_n] over the samples not ignored (PyTorch's weighted mean, for both terms)
// With probabilities t (N, C): t <- (1 - s) t + s / C, loss_n = -sum_c w[c] t_nc log p[n, c], Mean over N.
// Weights are constants (detached), as in PyTorch, where they have no gradient.
Tensor cross_entropy(const Tensor& logits, const Tensor& target, const CrossEntropyOptions& options) {
  const CrossEntropyOptions defaults;
  SG_CHECK(logits.dim() == 2 && is_floating(logits.dtype()), "cross_entropy: expected float logits (N, C), got {} {}",
           logits.shape(), logits.dtype());
  const int64_t N = logits.size(0), C = logits.size(1);
  const double s = options.label_smoothing;
  SG_CHECK(s >= 0 && s <= 1, "cross_entropy: label_smoothing must be in [0, 1], got {}", s);
  const Tensor& weight = options.weight;
  if (weight.defined())
    SG_CHECK(weight.shape() == Shape{C} && weight.dtype() == logits.dtype(),
             "cross_entropy: weight must have shape [{}] and dtype {} for logits {}, got {} {}", C, logits.dtype(),
             logits.shape(), weight.shape(), weight.dtype());
  SG_CHECK(options.reduction != Reduction::BatchMean, "cross_entropy: reduction BatchMean is for kl_div only");
  if (target.dtype() != kInt64) {
    check_same("cross_entropy", logits, target);
    SG_CHECK(options.ignore_index == defaults.ignore_index,
             "cross_entropy: ignore_index is not supported with class-probability targets, got ignore_index {}",
             options.ignore_index);
    if (!weight.defined() && s == 0) return cross_entropy(logits, target, options.reduction);
    Tensor t = s == 0 ? target : target * (1 - s) + s / double(C);
    if (weight.defined()) t = t * reshape(weight.detach(), {1, C});
    const Tensor log_probs = N == 0 ? logits : log_softmax(logits, 1);
    return reduce(neg(sum(mul(t, log_probs), 1)), options.reduction);
  }
  SG_CHECK(target.dim() == 1 && target.size(0) == N,
           "cross_entropy: expected int64 target ({}) for logits {}, got {} {}", N, logits.shape(), target.shape(),
           target.dtype());
  const int64_t* t = target.data<int64_t>();
  bool any_ignored = false;
  for (int64_t n = 0; n < N; ++n) {
    const bool ignored = t[n] == options.ignore_index;
    any_ignored |= ignored;
    SG_CHECK(ignored || (t[n] >= 0 && t[n] < C),
             "cross_entropy: target must be a class index in [0, {}) or ignore_index {}, got {} at position {}", C,
             options.ignore_index, t[n], n);
  }
  if (!weight.defined() && s == 0 && !any_ignored) return cross_entropy(logits, target, options.reduction);
  // Per sample: w[t_n] (0 where ignored), 1 unless ignored, and the flat index of its target (any if ignored).
  Tensor sample_weight = empty({N}, logits.dtype()), kept = empty({N}, logits.dtype());
  Tensor flat_index = empty({N}, kInt64);
  dispatch(logits.dtype(), "cross_entropy", [&]<class T> {
    const T* w = weight.defined() ? weight.data<T>() : nullptr;
    for (int64_t n = 0; n < N; ++n) {
      const bool ignored = t[n] == options.ignore_index;
      sample_weight.data<T>()[n] = ignored ? T(0) : w ? w[t[n]] : T(1);
      kept.data<T>()[n] = ignored ? T(0) : T(1);
      flat_index.data<int64_t>()[n] = n * C + (ignored ? 0 : t[n]);
    }
  });
  const Tensor log_probs = N == 0 ? logits : log_softmax(logits, 1);
  Tensor losses = neg(index_select(reshape(log_probs, {N * C}), 0, flat_index)) * sample_weight;
  if (s > 0) {
    const Tensor class_weighted = weight.defined() ? log_probs * reshape(weight.detach(), {1, C}) : log_probs;
    const Tensor smooth = neg(sum(class_weighted, 1)) * kept;
    losses = losses * (1 - s) + smooth * (s / double(C));
  }
  if (options.reduction == Reduction::Mean) return div(sum(losses), sum(sample_weight));
  return reduce(losses, options.reduction);
}

// ---- l1_loss, smooth_l1_loss, huber_loss -----------------------------------
// |d| has gradient sign(d), 0 at d = 0 as in PyTorch. The quadratic and linear pieces meet with equal
// value and slope at |d| = beta (delta), so the choice made at the boundary does not matter.
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_same("l1_loss", input, target);
  return reduce(abs(input - target), reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
  check_same("smooth_l1_loss", input, target);
  SG_CHECK(std::isfinite(beta) && beta >= 0, "smooth_l1_loss: beta must be finite and >= 0, got {}", beta);
  if (beta == 0) return l1_loss(input, target, reduction);
  const Tensor d = input - target, a = abs(d);
  return reduce(where(lt(a, beta), d * d * (0.5 / beta), a - 0.5 * beta), reduction);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
  check_same("huber_loss", input, target);
  SG_CHECK(std::isfinite(delta) && delta > 0, "huber_loss: delta must be finite and > 0, got {}", delta);
  const Tensor d = input - target, a = abs(d);
  return reduce(where(lt(a, delta), d * d * 0.5, (a - 0.5 * delta) * delta), reduction);
}

// ---- kl_div ----------------------------------------------------------------
// t (log t - x), with t log t taken as 0 at t = 0 (log of 1 there, so neither value nor gradient is NaN;
// a negative t still gives NaN, as in PyTorch); with log_target, e^t (t - x).
// dx = -t (or -e^t).
Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction, bool log_target) {
  check_same("kl_div", input, target);
  Tensor losses;
  if (log_target) {
    losses = exp(target) * (target - input);
  } else {
    const Tensor safe_t = where(eq(target, 0.0), ones({}, target.dtype()), target);
    losses = target * log(safe_t) - target * input;
  }
  if (reduction != Reduction::BatchMean) return reduce(losses, reduction);
  return input.dim() == 0 ? sum(losses) : div(sum(losses), double(input.size(0)));
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

// (1 - t) x + (1 + (p - 1) t) softplus(-x) = [softplus(x) - x t] + (p - 1) t softplus(-x), the bracket being
// the loss without pos_weight, and softplus(-x) = softplus(x) - x.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        const BCEWithLogitsOptions& options) {
  SG_CHECK(options.reduction != Reduction::BatchMean,
           "binary_cross_entropy_with_logits: reduction BatchMean is for kl_div only");
  if (!options.pos_weight.defined()) return binary_cross_entropy_with_logits(logits, target, options.reduction);
  const Tensor& p = options.pos_weight;
  check_same("binary_cross_entropy_with_logits", logits, target);
  SG_CHECK(p.dtype() == logits.dtype() && broadcast_shapes(p.shape(), logits.shape(),
                                                           "binary_cross_entropy_with_logits") == logits.shape(),
           "binary_cross_entropy_with_logits: pos_weight must broadcast to the input {} {}, got {} {}",
           logits.shape(), logits.dtype(), p.shape(), p.dtype());
  const Tensor softplus = logits.numel() == 0 ? logits : logsumexp(stack({zeros_like(logits), logits}, -1), -1);
  const Tensor losses = softplus - logits * target + (p - 1.0) * target * (softplus - logits);
  return reduce(losses, options.reduction);
}

CrossEntropyLoss::CrossEntropyLoss(const CrossEntropyOptions& options) : options(options) {
  if (options.weight.defined()) register_buffer("weight", options.weight);
}
BCEWithLogitsLoss::BCEWithLogitsLoss(const BCEWithLogitsOptions& options) : options(options) {
  if (options.pos_weight.defined()) register_buffer("pos_weight", options.pos_weight);
}

std::string CrossEntropyLoss::repr() const {
  std::vector<std::string> shown;
  if (options.weight.defined()) shown.push_back(fmt::format("weight={}", options.weight.shape()));
  if (options.ignore_index != -100) shown.push_back(fmt::format("ignore_index={}", options.ignore_index));
  if (options.label_smoothing != 0) shown.push_back(fmt::format("label_smoothing={}", options.label_smoothing));
  return options_repr("CrossEntropyLoss", options.reduction, std::move(shown));
}
std::string NLLLoss::repr() const { return loss_repr("NLLLoss", options); }
std::string MSELoss::repr() const { return loss_repr("MSELoss", options); }
std::string BCELoss::repr() const { return loss_repr("BCELoss", options); }
std::string BCEWithLogitsLoss::repr() const {
  std::vector<std::string> shown;
  if (options.pos_weight.defined()) shown.push_back(fmt::format("pos_weight={}", options.pos_weight.shape()));
  return options_repr("BCEWithLogitsLoss", options.reduction, std::move(shown));
}

SmoothL1Loss::SmoothL1Loss(const SmoothL1LossOptions& options) : options(options) {
  check_option("SmoothL1Loss", "beta", options.beta, {.low = 0});
}
HuberLoss::HuberLoss(const HuberLossOptions& options) : options(options) {
  check_option("HuberLoss", "delta", options.delta, {.low = 0});
  SG_CHECK(options.delta > 0, "HuberLoss: delta must be > 0, got {}", options.delta);
}

std::string L1Loss::repr() const { return loss_repr("L1Loss", options); }
std::string SmoothL1Loss::repr() const {
  std::vector<std::string> shown;
  if (options.beta != 1.0) shown.push_back(fmt::format("beta={}", options.beta));
  return options_repr("SmoothL1Loss", options.reduction, std::move(shown));
}
std::string HuberLoss::repr() const {
  std::vector<std::string> shown;
  if (options.delta != 1.0) shown.push_back(fmt::format("delta={}", options.delta));
  return options_repr("HuberLoss", options.reduction, std::move(shown));
}
std::string KLDivLoss::repr() const {
  std::vector<std::string> shown;
  if (options.log_target) shown.push_back("log_target=true");
  return options_repr("KLDivLoss", options.reduction, std::move(shown));
}

}  // namespace sg::nn
