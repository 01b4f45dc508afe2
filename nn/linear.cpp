// Linear and Flatten: each forward is one autograd op.
#include "nn/linear.h"


#include "autograd/check.h"
#include "autograd/ops.h"
#include "nn/init.h"

namespace sg::nn {

// ---- Linear ----------------------------------------------------------------
Linear::Linear(int64_t in_features, int64_t out_features, const LinearOptions& options)
    : in_features(in_features), out_features(out_features), options(options) {
  SG_CHECK(in_features > 0 && out_features > 0, "Linear: sizes must be positive, got in_features {} and out_features {}",
           in_features, out_features);
  check_sizes({out_features, in_features}, "Linear");
  weight = register_parameter("weight", empty({out_features, in_features}));
  bias = register_parameter("bias", options.bias ? empty({out_features}) : Tensor());
  reset_parameters();
}

void Linear::reset_parameters() {
  init::layer_default_(weight, bias);
}

// y = x W^T + b; inputs with more than 2 dims are flattened to (rows, in) and back.
Tensor Linear::forward(const Tensor& input) {
  SG_CHECK(input.dim() >= 1 && input.size(-1) == in_features,
           "Linear: input's last dim must be in_features {}, got input {}", in_features, input.shape());
  if (input.dim() == 2) return linear(input, weight, bias);
  Shape out_shape = input.shape();
  out_shape[out_shape.size() - 1] = out_features;
  return reshape(linear(reshape(input, {-1, in_features}), weight, bias), out_shape);
}

std::string Linear::repr() const {
  return fmt::format("Linear({}, {}{})", in_features, out_features, options.bias ? "" : ", bias=false");
}

// ---- Flatten ---------------------------------------------------------------
Tensor Flatten::forward(const Tensor& input) { return flatten(input, options.start_dim, options.end_dim); }

std::string Flatten::repr() const {
  const FlattenOptions defaults;
  std::string args;
  if (options.start_dim != defaults.start_dim) args += fmt::format("start_dim={}", options.start_dim);
  if (options.end_dim != defaults.end_dim) args += fmt::format("{}end_dim={}", args.empty() ? "" : ", ", options.end_dim);
  return "Flatten(" + args + ")";
}

}  // namespace sg::nn
