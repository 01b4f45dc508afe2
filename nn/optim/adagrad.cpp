// Adagrad: PyTorch's algorithm (torch.optim.Adagrad), one parameter at a time, in place.
#include "nn/optim/adagrad.h"

#include "autograd/ops.h"

namespace sg::optim {

Adagrad::Adagrad(std::vector<Tensor> params, const AdagradOptions& options) {
  add_param_group(std::move(params), options);
}

void Adagrad::check_options(const AdagradOptions& o) const {
  nn::check_option("Adagrad", "learning rate", o.lr, {.low = 0});
  nn::check_option("Adagrad", "lr_decay value", o.lr_decay, {.low = 0});
  nn::check_option("Adagrad", "weight_decay value", o.weight_decay, {.low = 0});
  nn::check_option("Adagrad", "initial_accumulator_value", o.initial_accumulator_value, {.low = 0});
  nn::check_option("Adagrad", "epsilon value", o.eps, {.low = 0});
}

std::vector<std::string> Adagrad::state_fields(size_t) const { return {"step", "sum"}; }

void Adagrad::update(size_t group, Tensor& p, const Tensor& grad, ParamState& state) {
  const AdagradOptions& o = options(group);
  if (state.empty()) {
    state["step"] = zeros({}, kInt64);
    state["sum"] = full_like(p, o.initial_accumulator_value);
  }
  Tensor& step = state["step"];
  step += 1.0;
  // g_t = grad + weight_decay * p                                  (if weight_decay != 0)
  const Tensor g = o.weight_decay != 0 ? grad + o.weight_decay * p : grad;
  // lr_t = lr / (1 + (t - 1) * lr_decay)
  const double lr = o.lr / (1 + (step.item() - 1) * o.lr_decay);
  // s_t = s_{t-1} + g_t^2;   p_t = p_{t-1} - lr_t * g_t / (sqrt(s_t) + eps)
  Tensor& sum = state["sum"];
  sum.add_(g * g);
  p.add_(g / (sqrt(sum) + o.eps), -lr);
}

}  // namespace sg::optim
