// Optimizer: the loop over groups and parameters shared by every update rule.
#include "nn/optim/optimizer.h"

#include "autograd/grad_mode.h"

namespace sg::optim {

void Optimizer::add_group_params(std::vector<Tensor> params, const char* name) {
  // An empty list is almost always a model whose parameters() came back empty; PyTorch refuses it too.
  SG_CHECK(!params.empty(), "{}: no parameters to optimize, got an empty parameter list for group {}", name,
           group_params_.size());
  for (size_t i = 0; i < params.size(); ++i) {
    SG_CHECK(params[i].defined() && is_floating(params[i].dtype()) && params[i].requires_grad(),
             "{}: parameters must be float tensors that require grad, got parameter {} of group {}: {}", name, i,
             group_params_.size(), params[i].defined() ? fmt::format("{} {}", params[i].shape(), params[i].dtype())
                                                       : std::string("undefined"));
    // A repeated parameter would be stepped twice per step(), with two separate states.
    for (size_t j = 0; j < i; ++j)
      SG_CHECK(!params[j].is_same(params[i]),
               "{}: a parameter must appear once in its group, got parameters {} and {} of group {} as the same "
               "tensor of shape {}",
               name, j, i, group_params_.size(), params[i].shape());
    for (const auto& group : group_params_)
      for (const Tensor& q : group)
        SG_CHECK(!q.is_same(params[i]), "{}: a parameter must appear in one group only, got parameter {} of shape {} twice",
                 name, i, params[i].shape());
  }
  state_.resize(state_.size() + params.size());
  group_params_.push_back(std::move(params));
}

const std::vector<Tensor>& Optimizer::params(size_t group) const {
  SG_CHECK(group < group_params_.size(), "Optimizer::params: group must be below {}, got {}", group_params_.size(),
           group);
  return group_params_[group];
}

const ParamState& Optimizer::state(size_t param_index) const {
  SG_CHECK(param_index < state_.size(), "Optimizer::state: index must be below {}, got {}", state_.size(), param_index);
  return state_[param_index];
}
ParamState& Optimizer::state(size_t param_index) {
  return const_cast<ParamState&>(static_cast<const Optimizer&>(*this).state(param_index));
}

double Optimizer::initial_lr(size_t group) {
  SG_CHECK(group < group_params_.size(), "Optimizer::initial_lr: group must be below {}, got {}",
           group_params_.size(), group);
  if (initial_lrs_.size() <= group) initial_lrs_.resize(group + 1);
  if (!initial_lrs_[group]) initial_lrs_[group] = lr(group);
  return *initial_lrs_[group];
}

void Optimizer::step() {
  NoGradGuard no_grad;
  size_t index = 0;
  for (size_t g = 0; g < group_params_.size(); ++g)
    for (Tensor& p : group_params_[g]) {
      const Tensor grad = p.grad();
      if (grad.defined()) update(g, p, grad, state_[index]);
      ++index;
    }
}

void Optimizer::zero_grad() {
  for (auto& group : group_params_)
    for (Tensor& p : group) p.zero_grad();
}

}  // namespace sg::optim
