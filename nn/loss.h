// Losses, as free functions and as modules. Each is built from autograd ops (cross_entropy with class
// indices from the fused softmax_cross_entropy); cross_entropy and binary_cross_entropy_with_logits are
// arranged to stay finite for logits of +-1000.
#pragma once

#include "nn/module.h"

namespace sg::nn {

/// How per-element losses are combined: their mean (the default), their sum, or not at all.
enum class Reduction { Mean, Sum, None };

/// Cross-entropy from logits (N, C) and either class indices (N) int64 or class probabilities (N, C)
/// float (one-hot or soft). Per sample: -log softmax(x)[t], or -sum_c t_c log softmax(x)_c. Mean divides
/// by N in both cases, as PyTorch does.
///   Tensor loss = nn::cross_entropy(model.forward(images), labels);
Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction = Reduction::Mean);
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

struct LossOptions {
  Reduction reduction = Reduction::Mean;
};

/// The module forms: nn::CrossEntropyLoss loss;  loss(logits, labels)  or  loss.forward(logits, labels).
class CrossEntropyLoss : public Module {
 public:
  explicit CrossEntropyLoss(const LossOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input, const Tensor& target) { return cross_entropy(input, target, options.reduction); }
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  std::string repr() const override;
  LossOptions options;
};

class NLLLoss : public Module {
 public:
  explicit NLLLoss(const LossOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input, const Tensor& target) { return nll_loss(input, target, options.reduction); }
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  std::string repr() const override;
  LossOptions options;
};

class MSELoss : public Module {
 public:
  explicit MSELoss(const LossOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input, const Tensor& target) { return mse_loss(input, target, options.reduction); }
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  std::string repr() const override;
  LossOptions options;
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
};

class BCEWithLogitsLoss : public Module {
 public:
  explicit BCEWithLogitsLoss(const LossOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input, const Tensor& target) {
    return binary_cross_entropy_with_logits(input, target, options.reduction);
  }
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  std::string repr() const override;
  LossOptions options;
};

}  // namespace sg::nn
