// RMSprop: PyTorch's algorithm (torch.optim.RMSprop), one parameter at a time, in place.
#include "nn/optim/rmsprop.h"

#include "autograd/ops.h"

namespace sg::optim {

RMSprop::RMSprop(std::vector<Tensor> params, const RMSpropOptions& options) {
  add_param_group(std::move(params), options);
}

void RMSprop::check_options(const RMSpropOptions& o) const {
  nn::check_option("RMSprop", "learning rate", o.lr, {.low = 0});
  // The average takes (1 - alpha) of each squared gradient: with alpha above 1 it goes negative and its
  // square root NaN (PyTorch checks only alpha >= 0).
  nn::check_option("RMSprop", "alpha value", o.alpha, {.low = 0, .high = 1});
  nn::check_option("RMSprop", "epsilon value", o.eps, {.low = 0});
  nn::check_option("RMSprop", "weight_decay value", o.weight_decay, {.low = 0});
  nn::check_option("RMSprop", "momentum value", o.momentum, {.low = 0});
}

std::vector<std::string> RMSprop::state_fields(size_t group) const {
  std::vector<std::string> fields{"square_avg", "step"};
  if (options(group).momentum > 0) fields.push_back("momentum_buffer");
  if (options(group).centered) fields.push_back("grad_avg");
  return fields;
}

void RMSprop::update(size_t group, Tensor& p, const Tensor& grad, ParamState& state) {
  const RMSpropOptions& o = options(group);
  if (state.empty()) {
    state["step"] = zeros({}, kInt64);
    state["square_avg"] = zeros_like(p);
    if (o.momentum > 0) state["momentum_buffer"] = zeros_like(p);
    if (o.centered) state["grad_avg"] = zeros_like(p);
  }
  state["step"] += 1.0;
  // g_t = grad + weight_decay * p                                  (if weight_decay != 0)
  const Tensor g = o.weight_decay != 0 ? grad + o.weight_decay * p : grad;
  // v_t = alpha * v_{t-1} + (1 - alpha) * g_t^2
  Tensor& v = state["square_avg"];
  v.mul_(o.alpha).add_(g * g, 1 - o.alpha);
  // centered: g_avg_t = alpha * g_avg_{t-1} + (1 - alpha) * g_t;   denominator sqrt(v_t - g_avg_t^2) + eps
  // otherwise:                                                      denominator sqrt(v_t) + eps
  Tensor denom;
  if (o.centered) {
    Tensor& g_avg = state["grad_avg"];
    g_avg.mul_(o.alpha).add_(g, 1 - o.alpha);
    denom = sqrt(v - g_avg * g_avg) + o.eps;
  } else {
    denom = sqrt(v) + o.eps;
  }
  if (o.momentum > 0) {
    // b_t = momentum * b_{t-1} + g_t / denominator;   p_t = p_{t-1} - lr * b_t
    Tensor& b = state["momentum_buffer"];
    b.mul_(o.momentum).add_(g / denom);
    p.add_(b, -o.lr);
  } else {
    // p_t = p_{t-1} - lr * g_t / denominator
    p.add_(g / denom, -o.lr);
  }
}

}  // namespace sg::optim
