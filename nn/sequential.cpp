// Sequential: forward through every child in order.
#include "nn/sequential.h"

namespace sg::nn {

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& module : modules_) x = (*module)(x);  // through operator(), so that the children's hooks run
  return x;
}

Module& Sequential::operator[](size_t index) const { return *ptr(index); }

std::shared_ptr<Module> Sequential::ptr(size_t index) const {
  SG_CHECK(index < modules_.size(), "Sequential: index must be below the size {}, got {}", modules_.size(), index);
  return modules_[index];
}

}  // namespace sg::nn
