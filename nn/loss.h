// Losses, as free functions and as modules. Each is built from autograd ops (cross_entropy with class
// indices from the fused softmax_cross_entropy); cross_entropy and binary_cross_entropy_with_logits are
// arranged to stay finite for logits of +-1000.
#pragma once

#include "nn/module.h"

namespace sg::nn {

/// How per-element losses are combined: their mean (the default), their sum, or not at all. BatchMean,
/// kl_div's alone, is the sum divided by the batch size (the first dim): the true KL divergence per sample.
enum class Reduction { Mean, Sum, None, BatchMean };

/// Cross-entropy from logits (N, C) and either class indices (N) int64 or class probabilities (N, C)
/// float (one-hot or soft). Per sample: -log softmax(x)[t], or -sum_c t_c log softmax(x)_c. Mean divides
/// by N in both cases, as PyTorch does.
///   Tensor loss = nn::cross_entropy(model.forward(images), labels);
Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction = Reduction::Mean);
/// PyTorch's defaults.
struct CrossEntropyOptions {
  Reduction reduction = Reduction::Mean;
  Tensor weight{};             // (C) per-class weights, or undefined for all 1; not trained
  int64_t ignore_index = -100;  // samples with this class index add nothing, not even to the mean's divisor
  double label_smoothing = 0;   // in [0, 1]: the target becomes (1 - s) * target + s / C
};
/// With class weights, ignore_index and label smoothing as in PyTorch. With class indices, Mean divides by
/// the summed weight of the samples not ignored, sum_n w[t_n] (the count of them without weights), so a
/// batch of ignored samples alone is NaN; with probabilities it divides by N.
///   nn::cross_entropy(logits, labels, {.weight = class_weights, .label_smoothing = 0.1});
Tensor cross_entropy(const Tensor& logits, const Tensor& target, const CrossEntropyOptions& options);
/// Negative log-likelihood from log-probabilities (N, C) and class indices (N): -log_probs[n, t_n].
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, Reduction reduction = Reduction::Mean);
/// (x - t)^2, elementwise.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
/// -(t log p + (1 - t) log(1 - p)) for probabilities p in [0, 1]; each log is clamped at -100 as in
/// PyTorch. Prefer binary_cross_entropy_with_logits, which is stable.
Tensor binary_cross_entropy(const Tensor& probs, const Tensor& target, Reduction reduction = Reduction::Mean);
/// binary_cross_entropy(sigmoid(x), t) computed stably: max(x, 0) - x t + log(1 + exp(-|x|)).
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        Reduction reduction = Reduction::Mean);
struct BCEWithLogitsOptions {
  Reduction reduction = Reduction::Mean;
  Tensor pos_weight{};  // weight of the positive term, broadcast to the input (one per class), or undefined
};
/// With pos_weight p: (1 - t) x + (1 + (p - 1) t) softplus(-x), as in PyTorch; p > 1 favours recall.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        const BCEWithLogitsOptions& options);
/// |x - t|, elementwise.
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
/// 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = x - t); beta = 0 is l1_loss.
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                      double beta = 1.0);
/// 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta): smooth_l1_loss times delta (with beta = delta).
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                  double delta = 1.0);
/// KL divergence of input, log-probabilities, from target: t (log t - x), 0 where t = 0; with log_target,
/// target holds log-probabilities too: e^t (t - x). Reduction::BatchMean gives the divergence per sample;
/// Mean (the default, as in PyTorch) averages over every element.
Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
              bool log_target = false);

struct LossOptions {
  Reduction reduction = Reduction::Mean;
};

/// The module forms: nn::CrossEntropyLoss loss;  loss(logits, labels)  or  loss.forward(logits, labels).
class CrossEntropyLoss : public Module {
 public:
  /// A weight is registered as the buffer "weight", as in PyTorch: to(dtype) converts it, state_dict() holds it.
  explicit CrossEntropyLoss(const CrossEntropyOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target) { return cross_entropy(input, target, options); }
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  std::string repr() const override;
  CrossEntropyOptions options;
 private:
  using Module::forward;  // a loss takes an input and a target: forward(input) alone does not compile
};

class NLLLoss : public Module {
 public:
  explicit NLLLoss(const LossOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input, const Tensor& target) { return nll_loss(input, target, options.reduction); }
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  std::string repr() const override;
  LossOptions options;
 private:
  using Module::forward;  // a loss takes an input and a target: forward(input) alone does not compile
};

class MSELoss : public Module {
 public:
  explicit MSELoss(const LossOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input, const Tensor& target) { return mse_loss(input, target, options.reduction); }
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  std::string repr() const override;
  LossOptions options;
 private:
  using Module::forward;  // a loss takes an input and a target: forward(input) alone does not compile
};

class BCELoss : public Module {
 public:
  explicit BCELoss(const LossOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input, const Tensor& target) {
    return binary_cross_entropy(input, target, options.reduction);
  }
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  std::string repr() const override;
  LossOptions options;
 private:
  using Module::forward;  // a loss takes an input and a target: forward(input) alone does not compile
};

class BCEWithLogitsLoss : public Module {
 public:
  /// A pos_weight is registered as the buffer "pos_weight", as in PyTorch.
  explicit BCEWithLogitsLoss(const BCEWithLogitsOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target) {
    return binary_cross_entropy_with_logits(input, target, options);
  }
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  std::string repr() const override;
  BCEWithLogitsOptions options;
 private:
  using Module::forward;  // a loss takes an input and a target: forward(input) alone does not compile
};

class L1Loss : public Module {
 public:
  explicit L1Loss(const LossOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input, const Tensor& target) { return l1_loss(input, target, options.reduction); }
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  std::string repr() const override;
  LossOptions options;
 private:
  using Module::forward;  // a loss takes an input and a target: forward(input) alone does not compile
};

struct SmoothL1LossOptions {
  Reduction reduction = Reduction::Mean;
  double beta = 1.0;  // where the square turns into a line; 0 is L1Loss
};
class SmoothL1Loss : public Module {
 public:
  explicit SmoothL1Loss(const SmoothL1LossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target) {
    return smooth_l1_loss(input, target, options.reduction, options.beta);
  }
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  std::string repr() const override;
  SmoothL1LossOptions options;
 private:
  using Module::forward;  // a loss takes an input and a target: forward(input) alone does not compile
};

struct HuberLossOptions {
  Reduction reduction = Reduction::Mean;
  double delta = 1.0;  // where the square turns into a line; > 0
};
class HuberLoss : public Module {
 public:
  explicit HuberLoss(const HuberLossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target) {
    return huber_loss(input, target, options.reduction, options.delta);
  }
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  std::string repr() const override;
  HuberLossOptions options;
 private:
  using Module::forward;  // a loss takes an input and a target: forward(input) alone does not compile
};

struct KLDivLossOptions {
  Reduction reduction = Reduction::Mean;  // BatchMean gives the true divergence per sample
  bool log_target = false;                // the target holds log-probabilities too
};
/// Takes log-probabilities as input: loss(log_softmax(logits, 1), target_probabilities).
class KLDivLoss : public Module {
 public:
  explicit KLDivLoss(const KLDivLossOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input, const Tensor& target) {
    return kl_div(input, target, options.reduction, options.log_target);
  }
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  std::string repr() const override;
  KLDivLossOptions options;
 private:
  using Module::forward;  // a loss takes an input and a target: forward(input) alone does not compile
};

}  // namespace sg::nn
