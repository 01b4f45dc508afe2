// BatchNorm: the module around the batch_norm op, which owns the statistics, the normalisation and its
// backward; the module keeps the options, the buffers and the count of batches seen.
#include "nn/batchnorm.h"

#include "autograd/check.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "nn/check_option.h"
#include "nn/init.h"

namespace sg::nn {

BatchNorm::BatchNorm(int64_t num_features, const BatchNormOptions& options, const char* name, int64_t min_dim,
                     int64_t max_dim)
    : num_features(num_features), options(options), name_(name), min_dim_(min_dim), max_dim_(max_dim) {
  SG_CHECK(num_features > 0, "{}: num_features must be positive, got {}", name, num_features);
  // A negative eps can make var + eps negative and its square root NaN; a momentum outside [0, 1] would
  // extrapolate the running statistics instead of averaging them (PyTorch checks neither).
  check_option(name, "eps", options.eps, {.low = 0});
  check_option(name, "momentum", options.momentum, {.low = 0, .high = 1});
  check_sizes({num_features}, name);
  if (options.affine) {
    weight = register_parameter("weight", empty({num_features}));
    bias = register_parameter("bias", empty({num_features}));
  }
  if (options.track_running_stats) {
    running_mean = register_buffer("running_mean", empty({num_features}));
    running_var = register_buffer("running_var", empty({num_features}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kInt64));
  }
  reset_parameters();
}

void BatchNorm::reset_parameters() {
  if (weight.defined()) init::ones_(weight), init::zeros_(bias);
  if (running_mean.defined()) {
    init::zeros_(running_mean);
    init::ones_(running_var);
    num_batches_tracked.fill_(0);
  }
}

// y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (dim 1), with the mean and the biased
// variance taken over every other dim: the batch's while training or when no running statistics are kept,
// the running ones otherwise. Training updates those with the unbiased variance, as PyTorch does.
Tensor BatchNorm::forward(const Tensor& input) {
  SG_CHECK(input.dim() >= min_dim_ && input.dim() <= max_dim_ && input.size(1) == num_features,
           "{}: expected input ({}) with {} channels, got {}", name_,
           max_dim_ == 4 ? "N, C, H, W" : "N, C) or (N, C, L", num_features, input.shape());
  const int64_t n = input.numel() / num_features;
  const bool use_batch_stats = is_training() || !options.track_running_stats;
  SG_CHECK(!use_batch_stats || n > 1, "{}: expected more than 1 value per channel when training, got input {}",
           name_, input.shape());
  Tensor y = batch_norm(input, running_mean, running_var, weight, bias, use_batch_stats, options.momentum,
                        options.eps);
  if (is_training() && options.track_running_stats) {
    NoGradGuard no_grad;
    num_batches_tracked += 1.0;
  }
  return y;
}

std::string BatchNorm::repr() const {
  const BatchNormOptions defaults;
  std::string out = fmt::format("{}({}", name_, num_features);
  if (options.eps != defaults.eps) out += fmt::format(", eps={}", options.eps);
  if (options.momentum != defaults.momentum) out += fmt::format(", momentum={}", options.momentum);
  if (!options.affine) out += ", affine=false";
  if (!options.track_running_stats) out += ", track_running_stats=false";
  return out + ")";
}

}  // namespace sg::nn
