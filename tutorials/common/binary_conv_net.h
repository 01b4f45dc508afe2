// mnist_binary_conv's network (notebook 003_d65131dfbdc71682): three 5x5 filters and a sigmoid, one
// dense weight per feature to one output, standardised over the batch and passed through a sigmoid.
#pragma once

#include <cstdint>
#include <string>

#include <scratchgrad/scratchgrad.h>

namespace sg::tutorial::binary_conv {

constexpr int64_t kFilters = 3, kK = 5, kSide = 28, kOut = kSide - kK + 1;  // kOut = 24 positions a side
constexpr int64_t kFeatures = kFilters * kOut * kOut;                          // 3 * 576 = 1728

/// The network as a module: two parameters, and a forward pass of five ops. Every tensor is float64.
class BinaryConvNet : public nn::Module {
 public:
  BinaryConvNet();
  /// images (N, 1, 28, 28) -> out (N, 1), the probability that the digit is above 4.
  Tensor forward(const Tensor& images) override;
  std::string name() const override { return "BinaryConvNet"; }

  Tensor filters, wo;  // filters (3, 1, 5, 5), wo (1728, 1)
};

/// L = sum_n (y_n - out_n)^2 / 2, the notebook's `error`, summed over the images.
Tensor half_squared_error(const Tensor& out, const Tensor& y);

}  // namespace sg::tutorial::binary_conv
