// The dense softmax head that notebooks 002 and 004 end with, forward and backward by hand in float64:
// z = W a + b, p = softmax(z), loss = -log p[t]. Both notebooks' back_props are right for this layer.
#pragma once

#include <cstdint>
#include <vector>

namespace sg::tutorial {

struct DenseSoftmaxGrads {
  std::vector<double> weight, bias, input;  // dL/dW (out, in), dL/db (out), dL/da (in)
};

/// `w` is (out, in) row-major, `a` the flattened features (in), `label` the target class.
DenseSoftmaxGrads dense_softmax_backward(const std::vector<double>& a, const std::vector<double>& w,
                                         const std::vector<double>& b, int64_t label);

}  // namespace sg::tutorial
