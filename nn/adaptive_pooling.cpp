// AdaptiveAvgPool2d and AdaptiveMaxPool2d: forward is the adaptive pooling op.
#include "autograd/check.h"
#include "autograd/ops.h"
#include "nn/pooling.h"

namespace sg::nn {

namespace {
void check_output_size(const char* name, Pair output_size) {
  SG_CHECK(output_size[0] > 0 && output_size[1] > 0, "{}: output_size must be positive, got {}", name, output_size);
}
}  // namespace

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Pair output_size) : output_size(output_size) {
  check_output_size("AdaptiveAvgPool2d", output_size);
}
Tensor AdaptiveAvgPool2d::forward(const Tensor& input) { return adaptive_avg_pool2d(input, output_size); }
std::string AdaptiveAvgPool2d::repr() const { return fmt::format("AdaptiveAvgPool2d(output_size={})", output_size); }

AdaptiveMaxPool2d::AdaptiveMaxPool2d(Pair output_size) : output_size(output_size) {
  check_output_size("AdaptiveMaxPool2d", output_size);
}
Tensor AdaptiveMaxPool2d::forward(const Tensor& input) { return adaptive_max_pool2d(input, output_size); }
std::string AdaptiveMaxPool2d::repr() const { return fmt::format("AdaptiveMaxPool2d(output_size={})", output_size); }

}  // namespace sg::nn
