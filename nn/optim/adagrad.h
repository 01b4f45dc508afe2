// Adagrad: each parameter's step divided by the root of the sum of its squared gradients so far, so that
// often-updated coordinates slow down and rare ones keep a large step.
#pragma once

#include "nn/optim/optimizer.h"

namespace sg::optim {

struct AdagradOptions {
  double lr = 1e-2;
  double lr_decay = 0;                   // lr at step t is lr / (1 + (t - 1) * lr_decay)
  double weight_decay = 0;               // L2 penalty, added to the gradient
  double initial_accumulator_value = 0;  // where each sum of squares starts
  double eps = 1e-10;
};

/// sg::optim::Adagrad opt(model.parameters(), {.lr = 0.1});
class Adagrad : public OptimizerWith<AdagradOptions> {
 public:
  Adagrad(std::vector<Tensor> params, const AdagradOptions& options = {});
  std::vector<std::string> state_fields(size_t group) const override;

 protected:
  void update(size_t group, Tensor& p, const Tensor& grad, ParamState& state) override;
  const char* name() const override { return "Adagrad"; }
  void check_options(const AdagradOptions& options) const override;
};

}  // namespace sg::optim
