// Activation layers: each forward is one op from autograd/ops.h.
#include "nn/activation.h"

#include "autograd/ops.h"
#include "nn/check_option.h"

namespace sg::nn {

Tensor ReLU::forward(const Tensor& input) { return relu(input); }

LeakyReLU::LeakyReLU(const LeakyReLUOptions& options) : options(options) {
  check_option("LeakyReLU", "negative_slope", options.negative_slope, {});
}
Tensor LeakyReLU::forward(const Tensor& input) { return leaky_relu(input, options.negative_slope); }
std::string LeakyReLU::repr() const {
  return options.negative_slope == LeakyReLUOptions{}.negative_slope
             ? "LeakyReLU()"
             : fmt::format("LeakyReLU(negative_slope={})", options.negative_slope);
}

Tensor Sigmoid::forward(const Tensor& input) { return sigmoid(input); }

Tensor Tanh::forward(const Tensor& input) { return tanh(input); }

GELU::GELU(const GELUOptions& options) : options(options) {
  SG_CHECK(options.approximate == "none" || options.approximate == "tanh",
           "GELU: invalid approximate: expected \"none\" or \"tanh\", got \"{}\"", options.approximate);
}
Tensor GELU::forward(const Tensor& input) { return gelu(input, options.approximate); }
std::string GELU::repr() const {
  return options.approximate == GELUOptions{}.approximate ? "GELU()"
                                                          : fmt::format("GELU(approximate={})", options.approximate);
}

Tensor SiLU::forward(const Tensor& input) { return silu(input); }

Softplus::Softplus(const SoftplusOptions& options) : options(options) {
  check_option("Softplus", "beta", options.beta, {});
  SG_CHECK(options.beta != 0, "Softplus: invalid beta: expected a non-zero value (the output divides by it), got 0");
  check_option("Softplus", "threshold", options.threshold, {});
}
Tensor Softplus::forward(const Tensor& input) { return softplus(input, options.beta, options.threshold); }
std::string Softplus::repr() const {
  const SoftplusOptions defaults;
  std::string args;
  if (options.beta != defaults.beta) args += fmt::format("beta={}", options.beta);
  if (options.threshold != defaults.threshold)
    args += fmt::format("{}threshold={}", args.empty() ? "" : ", ", options.threshold);
  return fmt::format("Softplus({})", args);
}

ELU::ELU(const ELUOptions& options) : options(options) { check_option("ELU", "alpha", options.alpha, {}); }
Tensor ELU::forward(const Tensor& input) { return elu(input, options.alpha); }
std::string ELU::repr() const {
  return options.alpha == ELUOptions{}.alpha ? "ELU()" : fmt::format("ELU(alpha={})", options.alpha);
}

Tensor Softmax::forward(const Tensor& input) { return softmax(input, dim); }
std::string Softmax::repr() const { return fmt::format("Softmax(dim={})", dim); }

Tensor LogSoftmax::forward(const Tensor& input) { return log_softmax(input, dim); }
std::string LogSoftmax::repr() const { return fmt::format("LogSoftmax(dim={})", dim); }

}  // namespace sg::nn
