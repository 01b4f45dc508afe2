// Optimizer: holds parameter handles (which share storage with the model's) in groups, each with its own
// options, plus per-parameter state (momentum buffers, moment estimates), and updates the parameters in
// place under no-grad. Concrete optimizers implement update(); everything else is here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "autograd/check.h"
#include "autograd/tensor.h"
#include "nn/check_option.h"

namespace sg::optim {

/// State of one parameter, by field name ("momentum_buffer", "exp_avg", "step"). "step" is an int64
/// scalar; every other field has the parameter's shape and dtype. Empty until the first step.
using ParamState = std::map<std::string, Tensor>;

/// What schedulers and checkpoints need, independent of the options type.
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  /// One update of every parameter that has a gradient.
  void step();
  /// Forgets every parameter's gradient.
  void zero_grad();

  size_t group_count() const { return group_params_.size(); }
  /// The parameters of one group.
  const std::vector<Tensor>& params(size_t group = 0) const;
  virtual double lr(size_t group = 0) const = 0;
  virtual void set_lr(double lr, size_t group = 0) = 0;
  /// The lr a group had when a scheduler first asked (PyTorch's "initial_lr"): what every scheduler of the
  /// group scales, whatever lr an earlier scheduler has set since.
  double initial_lr(size_t group);
  /// The momentum a scheduler may cycle (OneCycleLR): SGD's and RMSprop's momentum, Adam's and AdamW's
  /// first beta. Adagrad has none: has_momentum() is false, and the other two refuse.
  virtual bool has_momentum() const = 0;
  virtual double momentum(size_t group = 0) const = 0;
  virtual void set_momentum(double momentum, size_t group = 0) = 0;
  /// The names of the state fields each parameter has once it has been stepped (e.g. {"exp_avg",
  /// "exp_avg_sq", "step"}); they depend on the group's options.
  virtual std::vector<std::string> state_fields(size_t group) const = 0;

  /// State of the i-th parameter, counting through the groups in order.
  const ParamState& state(size_t param_index) const;
  ParamState& state(size_t param_index);
  size_t param_count() const { return state_.size(); }

 protected:
  /// Updates one parameter p of group `group` from its gradient, reading and writing its state.
  virtual void update(size_t group, Tensor& p, const Tensor& grad, ParamState& state) = 0;
  void add_group_params(std::vector<Tensor> params, const char* name);

 private:
  std::vector<std::vector<Tensor>> group_params_;
  std::vector<ParamState> state_;  // one per parameter, groups flattened in order
  std::vector<std::optional<double>> initial_lrs_;  // per group, recorded by initial_lr()
};

/// An optimizer whose groups each carry a complete Options (lr and the rest).
template <class Options>
class OptimizerWith : public Optimizer {
 public:
  double lr(size_t group = 0) const override { return options(group).lr; }
  void set_lr(double lr, size_t group = 0) override {
    SG_CHECK(group < options_.size(), "Optimizer::set_lr: group must be below {}, got {}", options_.size(), group);
    nn::check_option("Optimizer::set_lr", "learning rate", lr, {.low = 0});
    options_[group].lr = lr;
  }
  bool has_momentum() const override { return kHasMomentum; }
  double momentum(size_t group = 0) const override {
    if constexpr (kHasMomentum) return momentum_of(options(group));
    SG_CHECK(kHasMomentum, "Optimizer::momentum: {} has no momentum", name());
    return 0;
  }
  void set_momentum(double momentum, size_t group = 0) override {
    SG_CHECK(kHasMomentum, "Optimizer::set_momentum: {} has no momentum", name());
    if constexpr (kHasMomentum) {
      Options changed = options(group);
      momentum_of(changed) = momentum;
      check_options(changed);  // the optimizer's own rules (a beta below 1, momentum for nesterov)
      options_[group] = changed;
    }
  }
  const Options& options(size_t group = 0) const {
    SG_CHECK(group < options_.size(), "Optimizer::options: group must be below {}, got {}", options_.size(), group);
    return options_[group];
  }
  /// A new group with its own options (nothing is inherited from the first group):
  ///   opt.add_param_group(head.parameters(), {.lr = 0.1});
  void add_param_group(std::vector<Tensor> params, const Options& options) {
    check_options(options);
    add_group_params(std::move(params), name());
    options_.push_back(options);
  }
  /// A new group with the options given at construction.
  void add_param_group(std::vector<Tensor> params) { add_param_group(std::move(params), options_.front()); }

 protected:
  // Each optimizer's constructor calls add_param_group(params, options) itself: name() and
  // check_options() are virtual, so they cannot be called from here.
  OptimizerWith() = default;
  virtual const char* name() const = 0;
  virtual void check_options(const Options& options) const = 0;

 private:
  // A `momentum` option (SGD, RMSprop) or a pair of `betas` whose first plays its part (Adam, AdamW).
  static constexpr bool kHasMomentum = requires(Options o) { o.momentum; } || requires(Options o) { o.betas[0]; };
  template <class O>
  static auto& momentum_of(O& o) {
    if constexpr (requires { o.momentum; })
      return o.momentum;
    else
      return o.betas[0];
  }

  std::vector<Options> options_;
};

}  // namespace sg::optim
