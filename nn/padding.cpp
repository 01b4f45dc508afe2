// ConstantPad2d and ZeroPad2d: forward is the pad op on the last two dims.
#include "nn/padding.h"

#include "autograd/check.h"
#include "autograd/ops.h"

namespace sg::nn {

ConstantPad2d::ConstantPad2d(int64_t padding, double value)
    : ConstantPad2d({padding, padding, padding, padding}, value) {}

ConstantPad2d::ConstantPad2d(std::array<int64_t, 4> padding, double value)
    : ConstantPad2d("ConstantPad2d", padding, value) {}

ConstantPad2d::ConstantPad2d(const char* layer, std::array<int64_t, 4> padding, double value)
    : padding(padding), value(value) {
  for (const int64_t side : padding)
    SG_CHECK(side >= 0, "{}: padding must be non-negative, got ({}, {}, {}, {})", layer, padding[0], padding[1],
             padding[2], padding[3]);
}

Tensor ConstantPad2d::forward(const Tensor& input) {
  SG_CHECK(input.dim() == 3 || input.dim() == 4, "{}: expected a (C, H, W) or (N, C, H, W) input, got shape {}",
           name(), input.shape());
  return pad(input, {padding[0], padding[1], padding[2], padding[3]}, value);
}

std::string ConstantPad2d::repr() const {
  return fmt::format("ConstantPad2d(padding=({}, {}, {}, {}), value={})", padding[0], padding[1], padding[2],
                     padding[3], value);
}

std::string ZeroPad2d::repr() const {
  return fmt::format("ZeroPad2d(({}, {}, {}, {}))", padding[0], padding[1], padding[2], padding[3]);
}

}  // namespace sg::nn
