// The max pool of notebooks 002 and 004, backward included: its backprop copies a window's gradient to
// EVERY position that equals the window's maximum, where max_pool2d (like PyTorch) picks the first one.
// On MNIST's flat background all four values of a window tie, so the notebook's rule multiplies the
// filters' gradient there: not a gradient of the loss any more (a tie's derivative is any weighting of
// the tied positions that sums to one), but it trains these small CNNs further in few steps. Written as a
// custom autograd Function: a forward, and the backward the notebook chose.
#pragma once

#include <string>

#include <scratchgrad/scratchgrad.h>

namespace sg::tutorial {

/// max_pool2d's forward; backward: dx[p] = sum of dy over the windows whose maximum equals x[p].
Tensor tied_max_pool2d(const Tensor& input, const Pool2dParams& params);

/// The same as a layer for nn::Sequential, in place of nn::MaxPool2d.
class TiedMaxPool2d : public nn::Module {
 public:
  explicit TiedMaxPool2d(Pool2dParams params) : params_(params) {}
  Tensor forward(const Tensor& input) override { return tied_max_pool2d(input, params_); }
  std::string repr() const override;

 private:
  Pool2dParams params_;
};

}  // namespace sg::tutorial
