// GroupNorm: its forward is the group_norm op.
#include "autograd/check.h"
#include "autograd/ops.h"
#include "nn/check_option.h"
#include "nn/init.h"
#include "nn/normalization.h"

namespace sg::nn {

GroupNorm::GroupNorm(int64_t num_groups, int64_t num_channels, const GroupNormOptions& options)
    : num_groups(num_groups), num_channels(num_channels), options(options) {
  SG_CHECK(num_groups > 0 && num_channels > 0 && num_channels % num_groups == 0,
           "GroupNorm: num_channels must be divisible by num_groups, both positive, got num_groups {} and "
           "num_channels {}", num_groups, num_channels);
  check_option("GroupNorm", "eps", options.eps, {.low = 0});
  if (options.affine) {
    weight = register_parameter("weight", empty({num_channels}));
    bias = register_parameter("bias", empty({num_channels}));
  }
  reset_parameters();
}

void GroupNorm::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

Tensor GroupNorm::forward(const Tensor& input) { return group_norm(input, num_groups, weight, bias, options.eps); }

std::string GroupNorm::repr() const {
  const GroupNormOptions defaults;
  std::string out = fmt::format("GroupNorm({}, {}", num_groups, num_channels);
  if (options.eps != defaults.eps) out += fmt::format(", eps={}", options.eps);
  if (!options.affine) out += ", affine=false";
  return out + ")";
}

}  // namespace sg::nn
