// Sequential: modules applied one after another, a ModuleList with a forward. Children are registered as
// "0", "1", ..., so their parameters are named "0.weight", "3.bias", and "features.0.weight" when the
// Sequential is itself a child called "features".
#pragma once

#include "nn/containers.h"

namespace sg::nn {

/// nn::Sequential model(nn::Linear(2, 8), nn::Tanh(), nn::Linear(8, 1));   model.forward(x)
class Sequential : public ModuleList {
 public:
  using ModuleList::ModuleList;
  Sequential() = default;

  /// Each module's forward, in order.
  Tensor forward(const Tensor& input) override;
  using ModuleList::operator();
};

}  // namespace sg::nn
