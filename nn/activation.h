// Activation layers: one elementwise (or softmax) op each, no parameters.
#pragma once

#include <cstdint>

#include "nn/module.h"

namespace sg::nn {

/// max(x, 0).
class ReLU : public Module {
 public:
  Tensor forward(const Tensor& input) override;
};

struct LeakyReLUOptions {
  double negative_slope = 0.01;
};
/// x for x > 0, negative_slope * x otherwise.   nn::LeakyReLU act({.negative_slope = 0.2});
class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(const LeakyReLUOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string repr() const override;

  LeakyReLUOptions options;
};

/// 1 / (1 + exp(-x)).
class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& input) override;
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& input) override;
};

/// exp(x) / sum(exp(x)) along dim.   nn::Softmax(1)
class Softmax : public Module {
 public:
  explicit Softmax(int64_t dim) : dim(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string repr() const override;

  int64_t dim;
};

/// log(softmax(x)) along dim, computed stably.
class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(int64_t dim) : dim(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string repr() const override;

  int64_t dim;
};

}  // namespace sg::nn
