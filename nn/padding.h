// Padding layers over (C, H, W) or (N, C, H, W) inputs, as PyTorch's: a constant border around each
// map, for a model that pads between layers (a max pool over a border of zeros, where MaxPool2d's own
// padding would count as -inf). No parameters.
#pragma once

#include <array>
#include <cstdint>

#include "nn/module.h"

namespace sg::nn {

/// A border of `value`, the same width on all four sides, or {left, right, top, bottom} as F.pad:
///   nn::ConstantPad2d pad(1, -0.5);   nn::ConstantPad2d pad({0, 1, 0, 1}, 0.0);
class ConstantPad2d : public Module {
 public:
  ConstantPad2d(int64_t padding, double value);
  ConstantPad2d(std::array<int64_t, 4> padding, double value);
  Tensor forward(const Tensor& input) override;
  std::string repr() const override;

  std::array<int64_t, 4> padding;  // left, right, top, bottom
  double value;

 protected:
  ConstantPad2d(const char* layer, std::array<int64_t, 4> padding, double value);  // layer: named in errors
};

/// A border of zeros.   nn::ZeroPad2d pad(1);   // (N, C, H, W) -> (N, C, H + 2, W + 2)
class ZeroPad2d : public ConstantPad2d {
 public:
  explicit ZeroPad2d(int64_t padding) : ZeroPad2d({padding, padding, padding, padding}) {}
  explicit ZeroPad2d(std::array<int64_t, 4> padding) : ConstantPad2d("ZeroPad2d", padding, 0.0) {}
  std::string repr() const override;
};

}  // namespace sg::nn
