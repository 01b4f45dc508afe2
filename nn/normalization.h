// Layer normalisation: normalise each sample over its last dims (a token's features), then scale and
// shift by learned weight and bias of that shape. Unlike BatchNorm, it keeps no running statistics and
// acts the same in training and evaluation.
#pragma once

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

}  // namespace sg::nn
