// Adam and AdamW: PyTorch's algorithms (torch.optim.Adam, torch.optim.AdamW), one parameter at a time,
// in place. The moment updates are shared; only the weight decay differs.
#include "nn/optim/adam.h"

#include <cmath>

#include "autograd/ops.h"

namespace sg::optim {

namespace {
void check(const char* name, double lr, std::array<double, 2> betas, double eps, double weight_decay) {
  nn::check_option(name, "learning rate", lr, {.low = 0});
  nn::check_option(name, "epsilon value", eps, {.low = 0});
  nn::check_option(name, "beta parameter at index 0", betas[0], {.low = 0, .high = 1, .high_open = true});
  nn::check_option(name, "beta parameter at index 1", betas[1], {.low = 0, .high = 1, .high_open = true});
  nn::check_option(name, "weight_decay value", weight_decay, {.low = 0});
}

std::vector<std::string> fields(bool amsgrad) {
  if (amsgrad) return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"};
  return {"exp_avg", "exp_avg_sq", "step"};
}

// The Adam step proper, after any weight decay has been applied:
//   m_t = beta1 * m_{t-1} + (1 - beta1) * g_t
//   v_t = beta2 * v_{t-1} + (1 - beta2) * g_t^2
//   amsgrad: v_max_t = max(v_max_{t-1}, v_t), used in place of v_t below
//   m^_t = m_t / (1 - beta1^t),   v^_t = v_t / (1 - beta2^t)
//   p_t = p_{t-1} - lr * m^_t / (sqrt(v^_t) + eps)
void adam_step(Tensor& p, const Tensor& g, ParamState& state, double lr, std::array<double, 2> betas, double eps,
               bool amsgrad) {
  if (state.empty()) {
    state["step"] = zeros({}, kInt64);
    state["exp_avg"] = zeros_like(p);
    state["exp_avg_sq"] = zeros_like(p);
    if (amsgrad) state["max_exp_avg_sq"] = zeros_like(p);
  }
  Tensor& step = state["step"];
  step += 1.0;
  const double t = step.item();
  const auto [beta1, beta2] = betas;
  Tensor& m = state["exp_avg"];
  Tensor& v = state["exp_avg_sq"];
  m.mul_(beta1).add_(g, 1 - beta1);
  v.mul_(beta2).add_(g * g, 1 - beta2);
  Tensor second = v;
  if (amsgrad) {
    Tensor& v_max = state["max_exp_avg_sq"];
    v_max.copy_(maximum(v_max, v));
    second = v_max;
  }
  const double bias_correction1 = 1 - std::pow(beta1, t), bias_correction2 = 1 - std::pow(beta2, t);
  // Arranged as PyTorch computes it: (sqrt(v) / sqrt(1 - beta2^t) + eps), then lr / (1 - beta1^t).
  const Tensor denom = sqrt(second) / std::sqrt(bias_correction2) + eps;
  p.add_(m / denom, -lr / bias_correction1);
}
}  // namespace

// ---- Adam ------------------------------------------------------------------
Adam::Adam(std::vector<Tensor> params, const AdamOptions& options) { add_param_group(std::move(params), options); }

void Adam::check_options(const AdamOptions& o) const { check("Adam", o.lr, o.betas, o.eps, o.weight_decay); }

std::vector<std::string> Adam::state_fields(size_t group) const { return fields(options(group).amsgrad); }

void Adam::update(size_t group, Tensor& p, const Tensor& grad, ParamState& state) {
  const AdamOptions& o = options(group);
  // g_t = grad + weight_decay * p                                  (if weight_decay != 0)
  const Tensor g = o.weight_decay != 0 ? grad + o.weight_decay * p : grad;
  adam_step(p, g, state, o.lr, o.betas, o.eps, o.amsgrad);
}

// ---- AdamW -----------------------------------------------------------------
AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& options) { add_param_group(std::move(params), options); }

void AdamW::check_options(const AdamWOptions& o) const { check("AdamW", o.lr, o.betas, o.eps, o.weight_decay); }

std::vector<std::string> AdamW::state_fields(size_t group) const { return fields(options(group).amsgrad); }

void AdamW::update(size_t group, Tensor& p, const Tensor& grad, ParamState& state) {
  const AdamWOptions& o = options(group);
  // p_t = p_{t-1} - lr * weight_decay * p_{t-1}   (decoupled weight decay), then the Adam step on grad
  if (o.weight_decay != 0) p.mul_(1 - o.lr * o.weight_decay);
  adam_step(p, grad, state, o.lr, o.betas, o.eps, o.amsgrad);
}

}  // namespace sg::optim
