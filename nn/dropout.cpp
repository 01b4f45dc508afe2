// Dropout as three ops: a uniform draw, a comparison, a multiply.
#include "nn/dropout.h"

#include "autograd/check.h"
#include "autograd/ops.h"
#include "nn/check_option.h"

namespace sg::nn {

Dropout::Dropout(const DropoutOptions& options) : options(options) {
  check_option("Dropout", "dropout probability p", options.p, {.low = 0, .high = 1});
}

// train: y = x * mask / (1 - p), mask = (u >= p) with u ~ U[0, 1); eval: y = x.
// p = 1 drops everything (the scale would be 1/0, so the mask alone is used).
Tensor Dropout::forward(const Tensor& input) {
  if (!is_training() || options.p == 0) return input;
  const Tensor keep = rsub(lt(rand(input.shape(), input.dtype()), options.p), 1.0);
  if (options.p == 1) return mul(input, keep);
  return mul(input, div(keep, 1.0 - options.p));
}

std::string Dropout::repr() const {
  return options.p == DropoutOptions{}.p ? "Dropout()" : fmt::format("Dropout(p={})", options.p);
}

}  // namespace sg::nn
