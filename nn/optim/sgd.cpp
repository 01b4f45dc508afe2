// SGD: PyTorch's algorithm (torch.optim.SGD), one parameter at a time, in place.
#include "nn/optim/sgd.h"

#include "autograd/ops.h"

namespace sg::optim {

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options) { add_param_group(std::move(params), options); }

void SGD::check_options(const SGDOptions& o) const {
  nn::check_option("SGD", "learning rate", o.lr, {.low = 0});
  nn::check_option("SGD", "momentum value", o.momentum, {.low = 0});
  // The buffer takes (1 - dampening) of each gradient: outside [0, 1] it would add the gradient reversed
  // or amplified (PyTorch leaves it unchecked).
  nn::check_option("SGD", "dampening value", o.dampening, {.low = 0, .high = 1});
  nn::check_option("SGD", "weight_decay value", o.weight_decay, {.low = 0});
  SG_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0),
           "SGD: nesterov needs momentum > 0 and dampening 0, got momentum {} and dampening {}", o.momentum,
           o.dampening);
}

std::vector<std::string> SGD::state_fields(size_t group) const {
  if (options(group).momentum == 0) return {};
  return {"momentum_buffer"};
}

void SGD::update(size_t group, Tensor& p, const Tensor& grad, ParamState& state) {
  const SGDOptions& o = options(group);
  // g_t = grad + weight_decay * p                                  (if weight_decay != 0)
  Tensor g = o.weight_decay != 0 ? grad + o.weight_decay * p : grad;
  if (o.momentum != 0) {
    auto found = state.find("momentum_buffer");
    if (found == state.end()) {
      // b_1 = g_1
      state["momentum_buffer"] = g.clone();
    } else {
      // b_t = momentum * b_{t-1} + (1 - dampening) * g_t
      found->second.mul_(o.momentum).add_(g, 1 - o.dampening);
    }
    const Tensor& b = state["momentum_buffer"];
    // g_t = g_t + momentum * b_t  (nesterov)   or   g_t = b_t
    g = o.nesterov ? g + o.momentum * b : b;
  }
  // p_t = p_{t-1} - lr * g_t
  p.add_(g, -o.lr);
}

}  // namespace sg::optim
