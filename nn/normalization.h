// Layer normalisation: normalise each sample over its last dims (a token's features), then scale and
// shift by learned weight and bias of that shape. Unlike BatchNorm, it keeps no running statistics and
// acts the same in training and evaluation. GroupNorm does the same over groups of channels (nn/group_norm.cpp).
#pragma once

#include <cstdint>

#include "nn/module.h"

namespace sg::nn {

/// Defaults are PyTorch's.
struct LayerNormOptions {
  double eps = 1e-5;              // added to the variance before the square root
  bool elementwise_affine = true;  // learn weight (ones at first) and bias (zeros at first)
  bool bias = true;               // with elementwise_affine: learn the bias too
};

/// Over the trailing normalized_shape dims of its input.   nn::LayerNorm norm({512});
class LayerNorm : public Module {
 public:
  explicit LayerNorm(const Shape& normalized_shape, const LayerNormOptions& options = {});
  Tensor forward(const Tensor& input) override;
  /// weight = 1, bias = 0.
  void reset_parameters();
  std::string repr() const override;

  Shape normalized_shape;
  LayerNormOptions options;
  Tensor weight, bias;  // of normalized_shape; undefined without elementwise_affine (bias: or without bias)
};

/// Defaults are PyTorch's.
struct GroupNormOptions {
  double eps = 1e-5;  // added to the variance before the square root
  bool affine = true;  // learn a weight (ones at first) and a bias (zeros at first) per channel
};

/// Group normalisation of (N, C, *) inputs: each sample's channels in num_groups groups, each group
/// normalised over its channels and positions; no running statistics, the same in training and evaluation.
///   nn::GroupNorm norm(8, 64);
class GroupNorm : public Module {
 public:
  GroupNorm(int64_t num_groups, int64_t num_channels, const GroupNormOptions& options = {});
  Tensor forward(const Tensor& input) override;
  /// weight = 1, bias = 0.
  void reset_parameters();
  std::string repr() const override;

  int64_t num_groups, num_channels;
  GroupNormOptions options;
  Tensor weight, bias;  // (num_channels); undefined without affine
};

}  // namespace sg::nn
