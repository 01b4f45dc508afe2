// ConvTranspose2d: forward is the conv_transpose2d op.
#include "autograd/check.h"
#include "autograd/ops.h"
#include "nn/conv.h"
#include "nn/init.h"

namespace sg::nn {

ConvTranspose2d::ConvTranspose2d(int64_t in_channels, int64_t out_channels, Pair kernel_size,
                                 const ConvTranspose2dOptions& options)
    : in_channels(in_channels), out_channels(out_channels), kernel_size(kernel_size), options(options) {
  SG_CHECK(in_channels > 0 && out_channels > 0 && kernel_size[0] > 0 && kernel_size[1] > 0,
           "ConvTranspose2d: sizes must be positive, got in_channels {}, out_channels {}, kernel_size {}", in_channels,
           out_channels, kernel_size);
  const int64_t G = options.groups;
  SG_CHECK(G >= 1 && in_channels % G == 0 && out_channels % G == 0,
           "ConvTranspose2d: groups must divide in_channels and out_channels, got groups {}, in_channels {}, "
           "out_channels {}",
           G, in_channels, out_channels);
  const auto& [SH, SW] = options.stride;
  const auto& [OPH, OPW] = options.output_padding;
  SG_CHECK(OPH >= 0 && OPW >= 0 && OPH < SH && OPW < SW,
           "ConvTranspose2d: output_padding must be at least 0 and below stride {}, got {}", options.stride,
           options.output_padding);
  check_sizes({in_channels, out_channels / G, kernel_size[0], kernel_size[1]}, "ConvTranspose2d");
  weight = register_parameter("weight", empty({in_channels, out_channels / G, kernel_size[0], kernel_size[1]}));
  bias = register_parameter("bias", options.bias ? empty({out_channels}) : Tensor());
  reset_parameters();
}

void ConvTranspose2d::reset_parameters() { init::layer_default_(weight, bias); }

Tensor ConvTranspose2d::forward(const Tensor& input) {
  return conv_transpose2d(input, weight, bias,
                          {.stride = options.stride,
                           .padding = options.padding,
                           .output_padding = options.output_padding,
                           .dilation = options.dilation,
                           .groups = options.groups});
}

std::string ConvTranspose2d::repr() const {
  const ConvTranspose2dOptions defaults;
  std::string out = fmt::format("ConvTranspose2d({}, {}, kernel_size={}", in_channels, out_channels, kernel_size);
  if (options.stride != defaults.stride) out += fmt::format(", stride={}", options.stride);
  if (options.padding != defaults.padding) out += fmt::format(", padding={}", options.padding);
  if (options.output_padding != defaults.output_padding)
    out += fmt::format(", output_padding={}", options.output_padding);
  if (options.dilation != defaults.dilation) out += fmt::format(", dilation={}", options.dilation);
  if (options.groups != defaults.groups) out += fmt::format(", groups={}", options.groups);
  if (!options.bias) out += ", bias=false";
  return out + ")";
}

}  // namespace sg::nn
