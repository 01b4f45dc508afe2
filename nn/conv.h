// Conv2d: a 2-D convolution layer (cross-correlation, as in PyTorch) over (N, C, H, W) inputs; Conv1d,
// its 1-D counterpart over (N, C, L) (nn/conv1d.cpp); ConvTranspose2d, its transpose, which upsamples
// (nn/conv_transpose.cpp).
#pragma once

#include <cstdint>

#include "autograd/pair.h"
#include "nn/module.h"

namespace sg::nn {

// The layer's options are the op's (Conv2dParams) and `bias`, a choice of the layer (the op takes a bias
// tensor or none). Two structs, as PyTorch's C++ frontend has Conv2dOptions and Conv2dFuncOptions: one
// derived from the other could not be written {.padding = 1, .bias = false}, since a designated
// initializer cannot name a base's members. forward() hands the four on to conv2d.
struct Conv2dOptions {
  Pair stride = 1, padding = 0, dilation = 1;
  int64_t groups = 1;  // in_channels and out_channels split into this many independent convolutions
  bool bias = true;
};

/// weight (out_channels, in_channels / groups, kH, kW), bias (out_channels).
///   nn::Conv2d conv(1, 8, 3, {.padding = 1});   nn::Conv2d conv(1, 8, {3, 5}, {.stride = 2, .padding = {1, 2}});
class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Pair kernel_size,
         const Conv2dOptions& options = {});
  Tensor forward(const Tensor& input) override;
  /// PyTorch's default: weight ~ kaiming_uniform(a = sqrt(5)), bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))
  /// with fan_in = in_channels / groups * kH * kW.
  void reset_parameters();
  std::string repr() const override;

  int64_t in_channels, out_channels;
  Pair kernel_size;
  Conv2dOptions options;
  Tensor weight, bias;  // bias is undefined when options.bias is false
};

struct Conv1dOptions {
  int64_t stride = 1, padding = 0, dilation = 1, groups = 1;
  bool bias = true;
};

/// A 1-D convolution over (N, C, L) inputs (a sequence of C features), weight (out_channels, in_channels /
/// groups, kernel_size), bias (out_channels). It runs on conv2d's kernels.   nn::Conv1d conv(16, 32, 3, {.padding = 1});
class Conv1d : public Module {
 public:
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, const Conv1dOptions& options = {});
  Tensor forward(const Tensor& input) override;
  /// PyTorch's default, as Conv2d's with fan_in = in_channels / groups * kernel_size.
  void reset_parameters();
  std::string repr() const override;

  int64_t in_channels, out_channels, kernel_size;
  Conv1dOptions options;
  Tensor weight, bias;  // bias is undefined when options.bias is false
};

struct ConvTranspose2dOptions {
  Pair stride = 1, padding = 0, output_padding = 0, dilation = 1;
  int64_t groups = 1;
  bool bias = true;
};

/// The transpose of Conv2d: weight (in_channels, out_channels / groups, kH, kW), bias (out_channels); an
/// (H, W) input gives ((H - 1) S - 2P + D (kH - 1) + output_padding + 1, likewise for W).
///   nn::ConvTranspose2d up(16, 8, 4, {.stride = 2, .padding = 1});   // doubles the height and width
class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, Pair kernel_size,
                  const ConvTranspose2dOptions& options = {});
  Tensor forward(const Tensor& input) override;
  /// PyTorch's default, as Conv2d's with fan_in = weight.size(1) * kH * kW = out_channels / groups * kH * kW.
  void reset_parameters();
  std::string repr() const override;

  int64_t in_channels, out_channels;
  Pair kernel_size;
  ConvTranspose2dOptions options;
  Tensor weight, bias;  // bias is undefined when options.bias is false
};

}  // namespace sg::nn
