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

Tensor Softmax::forward(const Tensor& input) { return softmax(input, dim); }
std::string Softmax::repr() const { return fmt::format("Softmax(dim={})", dim); }

Tensor LogSoftmax::forward(const Tensor& input) { return log_softmax(input, dim); }
std::string LogSoftmax::repr() const { return fmt::format("LogSoftmax(dim={})", dim); }

}  // namespace sg::nn
