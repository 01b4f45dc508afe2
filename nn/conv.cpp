// Conv2d: forward is the conv2d op.
#include "nn/conv.h"

#include "autograd/check.h"
#include "autograd/ops.h"
#include "nn/init.h"

namespace sg::nn {

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, Pair kernel_size,
               const Conv2dOptions& options)
    : in_channels(in_channels), out_channels(out_channels), kernel_size(kernel_size), options(options) {
  SG_CHECK(in_channels > 0 && out_channels > 0 && kernel_size[0] > 0 && kernel_size[1] > 0,
           "Conv2d: sizes must be positive, got in_channels {}, out_channels {}, kernel_size {}", in_channels,
           out_channels, kernel_size);
  const int64_t G = options.groups;
  SG_CHECK(G >= 1 && in_channels % G == 0 && out_channels % G == 0,
           "Conv2d: groups must divide in_channels and out_channels, got groups {}, in_channels {}, out_channels {}",
           G, in_channels, out_channels);
  check_sizes({out_channels, in_channels / G, kernel_size[0], kernel_size[1]}, "Conv2d");
  weight = register_parameter("weight", empty({out_channels, in_channels / G, kernel_size[0], kernel_size[1]}));
  bias = register_parameter("bias", options.bias ? empty({out_channels}) : Tensor());
  reset_parameters();
}

void Conv2d::reset_parameters() {
  init::layer_default_(weight, bias);
}

Tensor Conv2d::forward(const Tensor& input) {
  return conv2d(input, weight, bias,
                {.stride = options.stride, .padding = options.padding, .dilation = options.dilation, .groups = options.groups});
}

std::string Conv2d::repr() const {
  const Conv2dOptions defaults;
  std::string out = fmt::format("Conv2d({}, {}, kernel_size={}", in_channels, out_channels, kernel_size);
  if (options.stride != defaults.stride) out += fmt::format(", stride={}", options.stride);
  if (options.padding != defaults.padding) out += fmt::format(", padding={}", options.padding);
  if (options.dilation != defaults.dilation) out += fmt::format(", dilation={}", options.dilation);
  if (options.groups != defaults.groups) out += fmt::format(", groups={}", options.groups);
  if (!options.bias) out += ", bias=false";
  return out + ")";
}

}  // namespace sg::nn
