// MaxPool2d and AvgPool2d: forward is the pooling op.
#include "nn/pooling.h"

#include "autograd/check.h"
#include "autograd/ops.h"

namespace sg::nn {

namespace {
template <class Options>
std::string pool_repr(const char* name, Pair kernel_size, const Options& options) {
  const Options defaults;
  std::string out = fmt::format("{}(kernel_size={}", name, kernel_size);
  if (options.stride != defaults.stride) out += fmt::format(", stride={}", options.stride);
  if (options.padding != defaults.padding) out += fmt::format(", padding={}", options.padding);
  return out + ")";
}
void check_kernel(const char* name, Pair kernel_size) {
  SG_CHECK(kernel_size[0] > 0 && kernel_size[1] > 0, "{}: kernel_size must be positive, got {}", name, kernel_size);
}
}  // namespace

MaxPool2d::MaxPool2d(Pair kernel_size, const MaxPool2dOptions& options)
    : kernel_size(kernel_size), options(options) {
  check_kernel("MaxPool2d", kernel_size);
}
Tensor MaxPool2d::forward(const Tensor& input) {
  return max_pool2d(input, {.kernel_size = kernel_size, .stride = options.stride, .padding = options.padding});
}
std::string MaxPool2d::repr() const { return pool_repr("MaxPool2d", kernel_size, options); }

AvgPool2d::AvgPool2d(Pair kernel_size, const AvgPool2dOptions& options)
    : kernel_size(kernel_size), options(options) {
  check_kernel("AvgPool2d", kernel_size);
}
Tensor AvgPool2d::forward(const Tensor& input) {
  return avg_pool2d(input, {.kernel_size = kernel_size, .stride = options.stride, .padding = options.padding});
}
std::string AvgPool2d::repr() const { return pool_repr("AvgPool2d", kernel_size, options); }

}  // namespace sg::nn
