// Activation layers: one elementwise (or softmax) op each, no parameters.
#pragma once

#include <cstdint>
#include <string>

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

struct GELUOptions {
  std::string approximate = "none";  // or "tanh", PyTorch's tanh approximation
};
/// x * Phi(x), Phi the standard normal CDF.   nn::GELU act({.approximate = "tanh"});
class GELU : public Module {
 public:
  explicit GELU(const GELUOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string repr() const override;

  GELUOptions options;
};

/// x * sigmoid(x).
class SiLU : public Module {
 public:
  Tensor forward(const Tensor& input) override;
};

struct SoftplusOptions {
  double beta = 1.0, threshold = 20.0;
};
/// ln(1 + e^(beta x)) / beta, and x where beta x > threshold.   nn::Softplus act({.beta = 2});
class Softplus : public Module {
 public:
  explicit Softplus(const SoftplusOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string repr() const override;

  SoftplusOptions options;
};

struct ELUOptions {
  double alpha = 1.0;
};
/// x for x > 0, alpha * (e^x - 1) otherwise.   nn::ELU act({.alpha = 0.5});
class ELU : public Module {
 public:
  explicit ELU(const ELUOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string repr() const override;

  ELUOptions options;
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
