// LayerNorm: its forward is the layer_norm op, which has its own backward.
#include "nn/normalization.h"

#include "autograd/check.h"
#include "autograd/ops.h"
#include "nn/check_option.h"
#include "nn/init.h"

namespace sg::nn {

LayerNorm::LayerNorm(const Shape& normalized_shape, const LayerNormOptions& options)
    : normalized_shape(normalized_shape), options(options) {
  bool positive = !normalized_shape.empty();
  for (int64_t size : normalized_shape) positive &= size > 0;
  SG_CHECK(positive, "LayerNorm: normalized_shape must have at least one dim, all positive, got {}",
           normalized_shape);
  check_option("LayerNorm", "eps", options.eps, {.low = 0});
  check_sizes(normalized_shape, "LayerNorm");
  if (options.elementwise_affine) {
    weight = register_parameter("weight", empty(normalized_shape));
    bias = register_parameter("bias", options.bias ? empty(normalized_shape) : Tensor());
  }
  reset_parameters();
}

void LayerNorm::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

Tensor LayerNorm::forward(const Tensor& input) {
  return layer_norm(input, normalized_shape, weight, bias, options.eps);
}

std::string LayerNorm::repr() const {
  const LayerNormOptions defaults;
  std::string out = fmt::format("LayerNorm({}", normalized_shape);
  if (options.eps != defaults.eps) out += fmt::format(", eps={}", options.eps);
  if (!options.elementwise_affine) out += ", elementwise_affine=false";
  else if (!options.bias) out += ", bias=false";
  return out + ")";
}

}  // namespace sg::nn
