// Pooling layers over (N, C, H, W) inputs: MaxPool2d and AvgPool2d, and their adaptive versions
// (nn/adaptive_pooling.cpp). No parameters.
#pragma once

#include <cstdint>

#include "autograd/pair.h"
#include "nn/module.h"

namespace sg::nn {

struct MaxPool2dOptions {
  Pair stride = 0 /* 0: same as kernel_size */, padding = 0;
};
/// The largest value of each window; padding counts as -inf.   nn::MaxPool2d pool(2);
class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Pair kernel_size, const MaxPool2dOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string repr() const override;

  Pair kernel_size;
  MaxPool2dOptions options;
};

struct AvgPool2dOptions {
  Pair stride = 0 /* 0: same as kernel_size */, padding = 0;
};
/// The mean of each window; padding counts as zeros (PyTorch's count_include_pad).
class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Pair kernel_size, const AvgPool2dOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string repr() const override;

  Pair kernel_size;
  AvgPool2dOptions options;
};

/// The mean of each window of an output_size grid over the image, as PyTorch's AdaptiveAvgPool2d: the
/// output has that size whatever the input's. No options.   nn::AdaptiveAvgPool2d pool(1);  // (N, C, 1, 1)
class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Pair output_size);
  Tensor forward(const Tensor& input) override;
  std::string repr() const override;

  Pair output_size;
};

/// The largest value of each of the same windows.              nn::AdaptiveMaxPool2d pool({7, 7});
class AdaptiveMaxPool2d : public Module {
 public:
  explicit AdaptiveMaxPool2d(Pair output_size);
  Tensor forward(const Tensor& input) override;
  std::string repr() const override;

  Pair output_size;
};

}  // namespace sg::nn
