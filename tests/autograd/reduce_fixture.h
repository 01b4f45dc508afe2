// The (2, 3, 4) float64 tensor the reduction fixtures were computed on with PyTorch, and the weights w
// their gradients were taken with: (f(x) * w).sum().backward(), w = arange(24) / 8 - 0.9, its first
// y.numel() values in y's shape.
#pragma once

#include "scratchgrad/autograd.h"

namespace sg::testing {

inline Tensor reduce_fixture() {
  return sg::tensor({{{1.5, -2.0, 3.25, 0.5}, {4.0, 0.75, -6.0, 2.0}, {-1.0, 2.5, 0.25, -3.5}},
                     {{2.0, 1.0, -0.5, 4.5}, {-2.25, 3.0, 1.0, 0.0}, {5.0, -4.0, 2.0, 1.5}}},
                    kFloat64)
      .requires_grad_();
}

/// d/dx of (y * w).sum(), w as above in y's shape.
inline Tensor weighted_grad(Tensor x, const Tensor& y) {
  x.zero_grad();
  const Tensor w = (arange(double(y.numel()), kFloat64) / 8 - 0.9).reshape(y.shape());
  (y * w).sum().backward();
  return x.grad();
}

}  // namespace sg::testing
