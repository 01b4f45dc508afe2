// Sequential: forward through every child in order.
#include "nn/sequential.h"

namespace sg::nn {

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& module : *this) x = (*module)(x);  // through operator(), so that the children's hooks run
  return x;
}

}  // namespace sg::nn
